import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reportSchemaErrors, type ReportFinding } from '@polyrad/sdk';
import { buildReport, draftImpression } from './report.builder.js';

const base = { algorithm: { id: 'polyrad.emphysema', version: '1.0.0' }, seriesInstanceUid: '1.2.3' };
const findings: ReportFinding[] = [
  { ...base, code: 'lung.right.volume', value: 2900, unit: 'mL', reference: { min: 1500, max: 4500, text: '1500-4500 mL', source: 'x' } },
  { ...base, code: 'lung.laa950', value: 14.2, unit: '%', category: 'moderate', reference: { max: 5, text: '< 5 %', source: 'y' } },
];

test('the draft impression lists findings outside their reference first, with category and reference', () => {
  const text = draftImpression(findings, []);
  const lines = text.split('\n');
  assert.equal(lines[0], 'Outside reference: Emphysema (LAA-950, both lungs) 14.2 % (moderate; reference < 5 %).');
  assert.equal(lines[1], 'Within reference: Right lung volume 2900 mL (reference 1500-4500 mL).');
  assert.match(text, /Decision support only/);
});

test('failed algorithms are named in the impression and the built report is schema-valid', () => {
  const algorithms = [{ id: 'polyrad.lung-segmentation', version: '1.0.0', status: 'failed' as const, reason: 'timed out after 120 s' }];
  const report = buildReport({
    version: '0.1.0',
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
