import { test } from 'node:test';
import assert from 'node:assert/strict';
import { notAssessed, reportSchemaErrors, type Report, type ReportFinding } from '@polyrad/sdk';
import { bundledCatalog } from '../planning/plugin-catalog.js';
import { findingLabels } from './finding-labels.js';
import { buildReport, draftImpression } from './report.builder.js';

/** The names the bundled plugins' manifests give their findings. */
const labels = findingLabels(bundledCatalog().map((c) => c.manifest));

const base = { algorithm: { id: 'polyrad.emphysema', version: '1.0.0' }, seriesInstanceUid: '1.2.3' };
const findings: ReportFinding[] = [
  { ...base, code: 'lung.right.volume', value: 2900, unit: 'mL', reference: { min: 1500, max: 4500, text: '1500-4500 mL', source: 'x' } },
  { ...base, code: 'lung.laa950', value: 14.2, unit: '%', category: 'moderate', reference: { max: 5, text: '< 5 %', source: 'y' } },
];

test('the draft impression lists findings outside their reference first, with category and reference', () => {
  const text = draftImpression(findings, [], labels);
  const lines = text.split('\n');
  assert.equal(lines[0], 'Outside reference: Emphysema (LAA-950, both lungs) 14.2 % (moderate; reference < 5 %).');
  assert.equal(lines[1], 'Within reference: Right lung volume 2900 mL (reference 1500-4500 mL).');
  assert.match(text, /Decision support only/);
});

const nodules = { algorithm: { id: 'polyrad.lung-nodules', version: '1.0.0' }, seriesInstanceUid: '1.2.3' };
const study = { studyInstanceUid: '1.2', patientId: 'P', studyDate: '20000101', accessionNumber: '' };
const reportOf = (parts: Pick<Report, 'findings' | 'algorithms'>) =>
  buildReport({ version: '0.1.0', labels, study, series: [{ seriesInstanceUid: '1.2.3', modality: 'CT', fingerprint: {} }], warnings: [], ...parts });

test('within reference only when the value lies inside the numeric reference it shows', () => {
  const lines = draftImpression(
    [
      // the plugin did not call it abnormal, but 6.6 mm lies outside "< 6 mm": the reader sees that reference
      { ...nodules, code: 'lung.nodule', value: 6.6, unit: 'mm', abnormal: false, reference: { max: 6, text: '< 6 mm', source: 'ACR Lung-RADS v2022' } },
      { ...nodules, code: 'lung.nodule', value: 4.2, unit: 'mm', abnormal: false, reference: { max: 6, text: '< 6 mm', source: 'ACR Lung-RADS v2022' } },
      // a category with a text-only reference, and a third-party number without any: no basis for "within"
      { ...nodules, code: 'lung.lungrads', value: '1', unit: '', category: 'negative', reference: { text: 'Lung-RADS 1-2: routine screening', source: 'ACR Lung-RADS v2022' } },
      { ...base, algorithm: { id: 'acme.lung-density', version: '1.0.0' }, code: 'acme.lung.mean_density', value: -842.3, unit: 'HU' },
    ],
    [],
    labels,
  ).split('\n');
  assert.deepEqual(lines.slice(0, 3), [
    'Outside reference: Lung nodule 6.6 mm (reference < 6 mm).',
    'Within reference: Lung nodule 4.2 mm (reference < 6 mm).',
    'Other measurements: Lung-RADS 1 (negative). acme.lung.mean_density -842 HU.',
  ]);
});

test('a finding not assessed is listed with its reason, apart from every measured line, and the report stays schema-valid', () => {
  const report = reportOf({
    algorithms: [{ id: 'polyrad.heart-segmentation', version: '1.0.0', status: 'succeeded', seriesInstanceUid: '1.2.3' }],
    findings: [
      findings[0],
      { ...notAssessed('heart.volume', 'mL', 'heart mask of 58 mL lies below the plausible 300-1500 mL.'), algorithm: { id: 'polyrad.heart-segmentation', version: '1.0.0' }, seriesInstanceUid: '1.2.3' },
    ],
  });
  assert.deepEqual(reportSchemaErrors(report), []);
  assert.deepEqual(report.findings.map((f) => f.assessment), ['measured', 'not-assessed']);
  assert.deepEqual(report.impression.split('\n').slice(0, 2), [
    'Within reference: Right lung volume 2900 mL (reference 1500-4500 mL).',
    'Not assessed: Heart volume — heart mask of 58 mL lies below the plausible 300-1500 mL.',
  ]);
  assert.equal(report.priority?.level, 'routine');
  assert.match(report.impression, /Decision support only/);
});

test('only not-assessed findings: no measurement is claimed', () => {
  const report = reportOf({ algorithms: [], findings: [{ ...notAssessed('lung.lungrads', '', 'lungs not segmented'), ...nodules }] });
  assert.deepEqual(report.impression.split('\n').slice(0, 2), ['No automated measurements were produced.', 'Not assessed: Lung-RADS — lungs not segmented.']);
  assert.deepEqual(reportSchemaErrors(report), []);
});

test('failed algorithms are named in the impression and the built report is schema-valid', () => {
  const algorithms = [{ id: 'polyrad.lung-segmentation', version: '1.0.0', status: 'failed' as const, reason: 'timed out after 120 s' }];
  const report = buildReport({
    version: '0.1.0',
    labels,
    study: { studyInstanceUid: '1.2', patientId: 'P', studyDate: '20000101', accessionNumber: '' },
    series: [{ seriesInstanceUid: '1.2.3', modality: 'CT', fingerprint: {} }],
    algorithms,
    findings: [],
    warnings: [],
  });
  assert.match(report.impression, /Not assessed \(algorithm failed\): polyrad\.lung-segmentation \(timed out after 120 s\)/);
  assert.equal(report.status, 'draft');
  assert.deepEqual(reportSchemaErrors(report), []);
});

test('an urgent finding opens the impression and marks the report urgent; a categorical finding judged abnormal comes first', () => {
  const nodule = { algorithm: { id: 'polyrad.lung-nodules', version: '1.0.0' }, seriesInstanceUid: '1.2.3' };
  const report = buildReport({
    version: '0.1.0',
    labels,
    study: { studyInstanceUid: '1.2', patientId: 'P', studyDate: '20000101', accessionNumber: '' },
    series: [{ seriesInstanceUid: '1.2.3', modality: 'CT', fingerprint: {} }],
    algorithms: [],
    findings: [
      findings[0],
      { ...nodule, code: 'lung.lungrads', value: '4B', unit: '', category: 'very suspicious', abnormal: true, reference: { text: 'Lung-RADS 1-2: routine screening', source: 'ACR Lung-RADS v2022' } },
    ],
    warnings: [],
  });
  assert.deepEqual(report.priority, { level: 'urgent', reasons: ['Lung-RADS 4B/4X nodule (very suspicious): lung.lungrads 4B'] });
  const lines = report.impression.split('\n');
  assert.equal(lines[0], 'URGENT: Lung-RADS 4B/4X nodule (very suspicious): lung.lungrads 4B.');
  assert.equal(lines[1], 'Outside reference: Lung-RADS 4B (very suspicious).');
  assert.deepEqual(reportSchemaErrors(report), []);
});

test('a maximum measured over part of a structure reads "at least" in the impression', () => {
  const aorta = { algorithm: { id: 'polyrad.aorta', version: '1.0.0' }, seriesInstanceUid: '1.2.3' };
  const text = draftImpression(
    [{ ...aorta, code: 'aorta.descending.diameter', value: 43.7, unit: 'mm', category: 'aneurysm', abnormal: true, lowerBound: true, reference: { max: 30, text: '< 30 mm', source: 'Erbel 2014' } }],
    [],
    labels,
  );
  assert.match(text, /Descending aorta.* at least 43\.7 mm \(aneurysm; reference < 30 mm\)/i);
});

const spine = { algorithm: { id: 'polyrad.spine', version: '1.0.0' }, seriesInstanceUid: '1.2.3' };
const boneReference = { min: 160, text: '> 160 HU normal', source: 'Pickhardt PJ et al., Ann Intern Med 2013' };
/** a spine attenuation as the plugin states it: borderline within ±20 HU of the 110 and 160 HU cut-offs */
const attenuation = (value: number, category: string, between?: [string, string], cutoff = 160): ReportFinding => ({
  ...spine,
  code: 'spine.trabecular_attenuation',
  value,
  unit: 'HU',
  category,
  reference: boneReference,
  ...(between ? { indeterminate: { between, cutoff, margin: 20, reason: `borderline: ${value} HU lies within the measurement error (±20 HU) of the ${cutoff} HU cut-off between ${between[0]} and ${between[1]}` } } : {}),
});

test('a borderline category is its own line, with the reason: never "within reference", never abnormal', () => {
  const inside = draftImpression([attenuation(163.2, 'borderline osteopenia/normal', ['osteopenia', 'normal'])], [], labels).split('\n');
  assert.equal(inside[0], `Borderline (category not stated): ${labels.get('spine.trabecular_attenuation')} 163 HU (borderline: 163.2 HU lies within the measurement error (±20 HU) of the 160 HU cut-off between osteopenia and normal; reference > 160 HU).`);
  assert.ok(!inside.some((l) => /^(Within|Outside) reference/.test(l)));
  // beyond the band on either side the category stands, in its usual line
  assert.match(draftImpression([attenuation(185, 'normal')], [], labels), /^Within reference: .* 185 HU \(normal; reference > 160 HU\)\./);
  assert.match(draftImpression([attenuation(139, 'osteopenia')], [], labels), /^Outside reference: .* 139 HU \(osteopenia; reference > 160 HU\)\./);
  // a band wholly outside the reference (between two abnormal categories) is outside it, with the reason
  assert.match(draftImpression([attenuation(125, 'borderline osteoporosis/osteopenia', ['osteoporosis', 'osteopenia'], 110)], [], labels), /^Outside reference: .* 125 HU \(borderline: 125 HU lies within .* between osteoporosis and osteopenia; reference > 160 HU\)\./);
});

test('a borderline finding passes the report schema, and a not-assessed one may not carry it', () => {
  const report = reportOf({ findings: [attenuation(163.2, 'borderline osteopenia/normal', ['osteopenia', 'normal'])], algorithms: [{ id: 'polyrad.spine', version: '1.0.0', status: 'succeeded' }] });
  assert.deepEqual(reportSchemaErrors(report), []);
  assert.equal(report.priority?.level, 'routine');
  const bad = { ...report, findings: [{ ...report.findings[0], assessment: 'not-assessed', value: null, category: undefined, reason: 'x' }] };
  assert.notDeepEqual(reportSchemaErrors(JSON.parse(JSON.stringify(bad))), []);
});
