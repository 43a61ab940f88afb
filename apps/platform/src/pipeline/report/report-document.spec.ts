import { test } from 'node:test';
import assert from 'node:assert/strict';
import { borderlineChestCtReport, chestCtReport, comparedChestCtReport, realChestCtReport } from '../../delivery/delivery.fixture.js';
import { organOf, reportDocument } from './report-document.js';

test('findings are grouped by organ in a fixed order, unknown codes under "other"', () => {
  const doc = reportDocument(chestCtReport());
  assert.deepEqual(doc.organs.map((o) => o.organ), ['lungs', 'heart', 'aorta', 'spine', 'other']);
  assert.deepEqual(doc.organs.find((o) => o.organ === 'other')?.findings.map((f) => f.code), ['acme.liver.fat_fraction']);
  assert.equal(organOf('lung.right.laa950'), 'lungs');
  assert.equal(organOf('heart.cac.agatston'), 'heart');
  // every finding of report.json appears exactly once
  assert.equal(doc.organs.flatMap((o) => o.findings).length, chestCtReport().findings.length);
});

test('each finding keeps value, unit, reference, category and provenance; code-specific fields stay as details', () => {
  const doc = reportDocument(chestCtReport());
  const nodule = doc.findings.find((f) => f.code === 'lung.nodule');
  assert.ok(nodule);
  assert.equal(nodule.value, 17.2);
  assert.equal(nodule.unit, 'mm');
  assert.deepEqual(nodule.provenance, { algorithmId: 'polyrad.lung-nodules', algorithmVersion: '1.0.0', seriesInstanceUid: '1.2.826.0.1.3680043.10.1234.1.2', center: [-61.5, 12.25, -140] });
  assert.equal(nodule.details.type, 'solid');
  assert.equal(nodule.details.lungrads, '4B');
  const laa = doc.findings.find((f) => f.code === 'lung.laa950');
  assert.equal(laa?.category, 'moderate');
  assert.equal(laa?.reference?.max, 5);
  assert.equal(laa?.abnormal, true);
});

test('not-assessed findings carry their reason and no value; failed and skipped algorithms carry theirs', () => {
  const doc = reportDocument(chestCtReport());
  assert.deepEqual(doc.notAssessed.map((f) => [f.code, f.value, f.reason]), [
    ['aorta.descending.diameter', null, 'descending aorta measured over only 10 mm of its course (at least 15 mm needed)'],
  ]);
  assert.deepEqual(doc.unavailableAlgorithms.map((a) => [a.id, a.status]), [['polyrad.cardiothoracic-ratio', 'skipped'], ['acme.bone-age', 'failed']]);
  assert.match(doc.unavailableAlgorithms[1].reason, /out of memory/);
});

test('the impression puts urgent findings first, then abnormal ones, and the report is marked decision support', () => {
  const doc = reportDocument(chestCtReport());
  assert.equal(doc.priority, 'urgent');
  assert.deepEqual(doc.impression.attention.map((f) => f.code), [
    'lung.lungrads', 'aorta.ascending.diameter', // urgent, report order
    'lung.laa950', 'lung.nodule', 'spine.trabecular_attenuation', 'spine.fracture',
  ]);
  assert.match(doc.impression.lines[0], /^URGENT: /);
  assert.match(doc.disclaimer, /unverified until a radiologist reviews and signs/);
  assert.equal(doc.status, 'draft');
});

test('on the real chest CT report, measured and not-assessed findings add up to report.json', () => {
  const report = realChestCtReport();
  const doc = reportDocument(report);
  const measured = doc.findings.filter((f) => f.assessment === 'measured').map((f) => f.code);
  assert.deepEqual(measured, ['lung.right.volume', 'lung.left.volume', 'aorta.descending.diameter']);
  assert.equal(doc.notAssessed.length, report.findings.length - 3);
  assert.ok(doc.notAssessed.every((f) => f.reason && f.reason.length > 10));
  assert.deepEqual(doc.impression.attention, []);
});

test('a borderline finding is neither abnormal nor within reference: flagged indeterminate, not in the attention list', () => {
  const doc = reportDocument(borderlineChestCtReport());
  const finding = doc.findings.find((f) => f.code === 'spine.trabecular_attenuation')!;
  assert.deepEqual([finding.abnormal, finding.category, finding.indeterminate?.between], [false, 'borderline osteopenia/normal', ['osteopenia', 'normal']]);
  assert.equal(finding.details.indeterminate, undefined);
  assert.ok(!doc.impression.attention.includes(finding));
});

test('the comparison with a prior, once for every channel: prior value and date, change, doubling time with its range, growth; a new nodule has no prior, a comparison not assessed says why', () => {
  const report = comparedChestCtReport();
  const nodule = report.findings.find((f) => f.code === 'lung.nodule')!;
  // a second nodule, new since the prior; the descending aorta not measured on the prior
  report.findings.push({ ...nodule, value: 6.2, prior: undefined, change: 'new', volumeChangePercent: undefined, volumeDoublingDays: undefined, volumeDoublingDaysRange: undefined, intervalDays: undefined });
  Object.assign(report.findings.find((f) => f.code === 'aorta.descending.diameter')!, { comparison: 'not assessed: not measured on the prior' });
  const doc = reportDocument(report);
  assert.deepEqual(doc.comparison, { status: 'assessed', prior: { studyInstanceUid: '1.2.826.0.1.3680043.10.1234.0', studyDate: '20250310', accessionNumber: 'ACC-2025-007' }, intervalDays: 370 });
  const compared = doc.findings.filter((f) => f.comparison).map((f) => [f.code, f.comparison]);
  assert.deepEqual(compared, [
    [
      'lung.nodule',
      {
        change: 'growing',
        prior: { studyInstanceUid: '1.2.826.0.1.3680043.10.1234.0', studyDate: '20250310', value: 12.1, unit: 'mm', category: '4A' },
        intervalDays: 370,
        valueChange: 5.1,
        volumeChangePercent: nodule.volumeChangePercent,
        volumeDoubling: { days: nodule.volumeDoublingDays, range: nodule.volumeDoublingDaysRange },
      },
    ],
    [
      'aorta.ascending.diameter',
      { change: 'rapid growth', prior: { studyInstanceUid: '1.2.826.0.1.3680043.10.1234.0', studyDate: '20250310', value: 47.1, unit: 'mm', category: 'dilated' }, intervalDays: 370, valueChange: 5.2, growthMmPerYear: 5.1 },
    ],
    ['aorta.descending.diameter', { change: 'not assessed: not measured on the prior' }],
    ['lung.nodule', { change: 'new' }],
  ]);
  assert.equal(reportDocument(chestCtReport()).comparison, undefined);
});
