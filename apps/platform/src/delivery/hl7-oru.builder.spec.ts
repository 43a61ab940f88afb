import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Hl7Message } from '@medplum/core';
import { reportDocument } from '../pipeline/report/report-document.js';
import { borderlineChestCtReport, chestCtReport, comparedChestCtReport, FIXTURE_SERIES_UID } from './delivery.fixture.js';
import { buildFhirBundle } from './fhir-bundle.builder.js';
import { buildOruMessage } from './hl7-oru.builder.js';
import { formatValue } from './pdf-report.renderer.js';
import { sourceStudyFromReport } from './source-study.js';
import { writeReportSr } from './sr-report.writer.js';

const PDF = Buffer.from('%PDF-1.3 test|with^delimiters');

function chestMessage(): string {
  const report = chestCtReport();
  const source = sourceStudyFromReport(report);
  source.PatientName = "O'Brien^Seán";
  return buildOruMessage(reportDocument(report), source, PDF).toString();
}

test('the ORU^R01 parses back: header, patient, order with the accession number, status P while unsigned', () => {
  const message = Hl7Message.parse(chestMessage());
  assert.equal(message.getSegment('MSH')?.getField(9).toString(), 'ORU^R01^ORU_R01');
  assert.equal(message.getSegment('MSH')?.getField(12).toString(), '2.5.1');
  assert.equal(message.getSegment('PID')?.getComponent(3, 1), 'PAT-042');
  assert.equal(message.getSegment('PID')?.getComponent(5, 2), 'Seán');
  assert.equal(message.getSegment('ORC')?.getField(2).toString(), 'ACC-2026-042');
  const obr = message.getSegment('OBR');
  assert.equal(obr?.getField(2).toString(), 'ACC-2026-042');
  assert.equal(obr?.getComponent(4, 1), '18748-4');
  assert.equal(obr?.getField(22).toString(), '20260315102030');
  assert.equal(obr?.getField(25).toString(), 'P');
});

test('one OBX per finding with its value, UCUM unit, reference, flag and algorithm; not assessed is status X with the reason', () => {
  const report = chestCtReport();
  const message = Hl7Message.parse(chestMessage());
  const obx = message.getAllSegments('OBX');
  const findings = obx.filter((s) => s.getComponent(3, 6) === '99POLYRAD');
  assert.equal(findings.length, report.findings.length);
  const ascending = findings.find((s) => s.getComponent(3, 4) === 'aorta.ascending.diameter');
  assert.ok(ascending);
  assert.deepEqual([ascending.getField(2).toString(), ascending.getComponent(3, 1), ascending.getField(5).toString(), ascending.getComponent(6, 1), ascending.getField(8).toString(), ascending.getField(11).toString(), ascending.getField(18).toString()],
    ['NM', '18012-5', '52.3', 'mm', 'AA', 'P', 'polyrad.aorta@1.0.0']);
  const lungrads = findings.find((s) => s.getComponent(3, 4) === 'lung.lungrads');
  assert.deepEqual([lungrads?.getField(2).toString(), lungrads?.getField(5).toString()], ['ST', '4B']);
  const descending = findings.find((s) => s.getComponent(3, 4) === 'aorta.descending.diameter');
  assert.deepEqual([descending?.getField(5).toString(), descending?.getField(11).toString()], ['', 'X']);
  assert.match(message.toString(), /NTE\|1\|L\|Not assessed: descending aorta measured over only 10 mm/);
  // every measured value of report.json, as the OBX says it
  for (const f of report.findings.filter((x) => x.value !== null)) assert.ok(findings.some((s) => s.getComponent(3, 4) === f.code && s.getField(5).toString() === String(f.value)), f.code);
});

test('the PDF travels as an encapsulated OBX and comes back byte for byte; delimiters in text are escaped', () => {
  const message = Hl7Message.parse(chestMessage());
  const ed = message.getAllSegments('OBX').find((s) => s.getField(2).toString() === 'ED');
  assert.deepEqual([ed?.getComponent(5, 2), ed?.getComponent(5, 3), ed?.getComponent(5, 4)], ['AP', 'PDF', 'Base64']);
  assert.deepEqual(Buffer.from(ed?.getComponent(5, 5) ?? '', 'base64'), PDF);
  const impression = message.getAllSegments('OBX').find((s) => s.getField(2).toString() === 'TX');
  assert.match(impression?.toString() ?? '', /unverified until a radiologist/);
  const report = chestCtReport();
  report.findings[10].reason = 'fields|components^repeats~escape\\subcomponents&';
  const escaped = buildOruMessage(reportDocument(report), sourceStudyFromReport(report)).toString();
  assert.match(escaped, /\|Not assessed: fields\\F\\components\\S\\repeats\\R\\escape\\E\\subcomponents\\T\\\r/);
});

test('re-sending the same report repeats its control ID; a new analysis gets a new one', () => {
  const id = (text: string) => Hl7Message.parse(text).getSegment('MSH')?.getField(10).toString();
  assert.equal(id(chestMessage()), id(chestMessage()));
  const report = { ...chestCtReport(), generatedAt: '2026-03-16T08:00:00.000Z' };
  assert.notEqual(id(buildOruMessage(reportDocument(report), sourceStudyFromReport(report)).toString()), id(chestMessage()));
});

test('a lower bound (a maximum over part of the vessel) is sent as a structured numeric ">=", in FHIR as comparator ">=" and in the PDF as "at least"', async () => {
  const report = chestCtReport();
  const ascending = report.findings.find((f) => f.code === 'aorta.ascending.diameter')!;
  ascending.lowerBound = true;
  const document = reportDocument(report);
  const obx = Hl7Message.parse(buildOruMessage(document, sourceStudyFromReport(report), PDF).toString())
    .getAllSegments('OBX')
    .find((s) => s.getComponent(3, 4) === 'aorta.ascending.diameter');
  assert.deepEqual([obx?.getField(2).toString(), obx?.getComponent(5, 1), obx?.getComponent(5, 2)], ['SN', '>=', '52.3']);
  const finding = document.findings.find((f) => f.code === 'aorta.ascending.diameter')!;
  assert.equal(formatValue(finding), 'at least 52.3 mm');
  const bundle = buildFhirBundle(document, sourceStudyFromReport(report), PDF);
  const observation = bundle.entry!.map((e) => e.resource).find((r) => r?.resourceType === 'Observation' && JSON.stringify(r).includes('aorta.ascending.diameter')) as { valueQuantity?: { comparator?: string; value?: number } };
  assert.deepEqual([observation.valueQuantity?.comparator, observation.valueQuantity?.value], ['>=', 52.3]);
});

test('a borderline category: no abnormal flag, the category and why it is indeterminate in NTE', () => {
  const report = borderlineChestCtReport();
  const message = Hl7Message.parse(buildOruMessage(reportDocument(report), sourceStudyFromReport(report), PDF).toString());
  const spine = message.getAllSegments('OBX').find((s) => s.getComponent(3, 4) === 'spine.trabecular_attenuation');
  assert.deepEqual([spine?.getField(5).toString(), spine?.getField(8).toString()], ['163.2', '']);
  const text = message.toString();
  assert.match(text, /NTE\|1\|L\|Category: borderline osteopenia\/normal/);
  assert.match(text, /NTE\|2\|L\|Indeterminate: 163.2 HU lies within the measurement error \(±20 HU\) of the 160 HU cut-off between osteopenia and normal/);
});

test("a third-party finding is named by its manifest's label in HL7, FHIR and the SR, beside its own code", () => {
  const report = chestCtReport();
  report.findings.push({ code: 'acme.lung.mean_density', label: 'Mean lung density', assessment: 'measured', value: -850, unit: 'HU', algorithm: { id: 'acme.lung-density', version: '1.0.0' }, seriesInstanceUid: FIXTURE_SERIES_UID });
  const document = reportDocument(report);
  const source = sourceStudyFromReport(report);
  const obx = Hl7Message.parse(buildOruMessage(document, source, PDF).toString())
    .getAllSegments('OBX')
    .find((s) => s.getComponent(3, 4) === 'acme.lung.mean_density');
  assert.equal(obx?.getComponent(3, 5), 'Mean lung density');
  const observation = buildFhirBundle(document, source, PDF).entry!.map((e) => e.resource).find((r) => r?.resourceType === 'Observation' && JSON.stringify(r).includes('acme.lung.mean_density')) as unknown as { code: { coding: Array<{ code: string; display: string }> } };
  assert.ok(observation.code.coding.every((c) => c.display === 'Mean lung density'), JSON.stringify(observation.code));
  assert.ok(writeReportSr(document, source).includes(Buffer.from('Mean lung density')), 'the SR names the measurement by its label');
});

test('with a prior: OBX segments for the prior value and date, the change, the doubling time and the growth follow their finding under its sub-ID; OBX-1 keeps counting', () => {
  const report = comparedChestCtReport();
  const obx = Hl7Message.parse(buildOruMessage(reportDocument(report), sourceStudyFromReport(report), PDF).toString()).getAllSegments('OBX');
  assert.deepEqual(obx.map((o) => o.getField(1).toString()), obx.map((_, i) => String(i + 1)));
  const comparedWith = (finding: number) =>
    obx.filter((o) => o.getField(4).toString() === String(finding + 1) && o.getComponent(3, 3) === '99POLYRAD' && o.getComponent(3, 4) === '').map((o) => [o.getComponent(3, 1), o.getField(2).toString(), o.getField(5).toString(), o.getComponent(6, 1)]);
  const noduleIndex = report.findings.findIndex((f) => f.code === 'lung.nodule');
  const nodule = report.findings[noduleIndex]!;
  const [low, high] = nodule.volumeDoublingDaysRange as [number, number];
  assert.deepEqual(comparedWith(noduleIndex), [
    ['change', 'ST', 'growing', ''],
    ['prior-date', 'DT', '20250310', ''],
    ['prior-value', 'NM', '12.1', 'mm'],
    ['value-change', 'NM', '5.1', 'mm'],
    ['prior-interval', 'NM', '370', 'd'],
    ['volume-change', 'NM', String(nodule.volumeChangePercent), '%'],
    ['vdt', 'NM', String(nodule.volumeDoublingDays), 'd'],
    ['vdt-95-low', 'NM', String(low), 'd'],
    ['vdt-95-high', 'NM', String(high), 'd'],
  ]);
  const aortaIndex = report.findings.findIndex((f) => f.code === 'aorta.ascending.diameter');
  const aorta = report.findings[aortaIndex]!;
  assert.deepEqual(comparedWith(aortaIndex).filter(([code]) => code === 'growth-rate' || code === 'change'), [
    ['change', 'ST', String(aorta.growthCategory), ''],
    ['growth-rate', 'NM', String(aorta.growthMmPerYear), 'mm/a'],
  ]);
});
