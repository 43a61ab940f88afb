import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FindingOutcome, ReportFinding, ValidationReport } from './validation.types.js';
import { formatFindingTable, formatProblems, formatRealCase } from './validation-table.formatter.js';
import { scoreRealCase } from './real-case.scorer.js';
import { aortaDiameterTolerance } from './validation-tolerance.js';

test('the finding table gives per code the shares, error percentiles, within-tolerance share and wrong negatives', () => {
  const o = (x: Partial<FindingOutcome>): FindingOutcome => ({ caseId: 'c', code: 'aorta.ascending.diameter', status: 'measured', errorUnit: 'mm', ...x });
  const md = formatFindingTable([o({ error: 1, within: true }), o({ error: 5, within: false, wrongNegative: true }), o({ status: 'not-assessed' }), o({ status: 'not-assessed' })]);
  const row = md.split('\n').find((l) => l.includes('aorta.ascending.diameter'))!;
  assert.deepEqual(row.split('|').map((c) => c.trim()).slice(1, -1), ['`aorta.ascending.diameter`', '±3 mm', '4', '50 %', '50 %', '0 %', '3 mm', '4.8 mm', '50 % (1/2)', '1']);
});

const report = (findings: ReportFinding[]): ValidationReport => ({ algorithms: [{ id: 'polyrad.aorta', status: 'failed', reason: 'declared output not produced' }], findings });

test('a real scan: "Lung-RADS 1" against a reader-marked ground-glass nodule of 33 mm is shown as a wrong negative', () => {
  const r = report([{ code: 'lung.lungrads', assessment: 'measured', value: '1', category: 'negative' }]);
  const reference = { nodules: [{ center: [60, 20, -150] as [number, number, number], longAxisMm: 33, shortAxisMm: 30, type: 'non-solid' as const, readers: 4 }] };
  const score = scoreRealCase('scan', r, reference);
  const md = formatRealCase('scan', r, score, reference, []);
  assert.match(md, /`lung.lungrads` \| 1 \(negative\) \| WRONG NEGATIVE: Lung-RADS 1 but the reference implies at least 3/);
  assert.match(md, /reference lesion \| non-solid 33 mm at \(60, 20, -150\) \| MISSED/);
  assert.match(md, /polyrad.aorta \| failed \| declared output not produced/);
  assert.match(md, /`heart.volume` \| not reported \(neither a value nor a reason\)/);
  assert.match(formatProblems([score]), /WRONG NEGATIVE/);
});

test('a real scan with a reference diameter: a "normal" aorta against a 47 mm reference is a wrong normal statement', () => {
  const r = report([{ code: 'aorta.descending.diameter', assessment: 'measured', value: 29, category: 'normal', reference: { max: 30 } }]);
  const reference = { measurements: [{ code: 'aorta.descending.diameter', value: 47, tolerance: aortaDiameterTolerance, source: 'reference report' }] };
  const score = scoreRealCase('scan', r, reference);
  assert.equal(score.outcomes[0].wrongNegative, true);
  assert.equal(score.falsePositives, null, 'no lesion annotations: nodules not scored');
  assert.match(formatRealCase('scan', r, score, reference, []), /WRONG NEGATIVE/);
});
