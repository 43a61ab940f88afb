import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CaseScore, FindingOutcome, NoduleOutcome } from './validation.types.js';
import { isHonest, noduleSensitivity, percentile, summariseFindings } from './validation-statistics.js';

test('percentile interpolates between order statistics (R type 7) and ignores input order', () => {
  assert.equal(percentile([3, 1, 2], 50), 2);
  assert.equal(percentile([1, 2, 3, 4], 50), 2.5);
  assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21], 95), 20);
  assert.equal(percentile([10, 0], 95), 9.5);
  assert.equal(percentile([7], 95), 7);
  assert.equal(percentile([], 50), undefined);
});

const outcome = (o: Partial<FindingOutcome>): FindingOutcome => ({ caseId: 'c', code: 'heart.volume', status: 'measured', ...o });

test('summary per code: shares of measured/not assessed/missing, errors of measured findings only, wrong negatives', () => {
  const [s] = summariseFindings([
    outcome({ error: 2, errorUnit: '%', within: true }),
    outcome({ error: 30, errorUnit: '%', within: false, wrongNegative: true }),
    outcome({ status: 'not-assessed', note: 'heart outside the lungs' }),
    outcome({ status: 'missing' }),
  ]);
  assert.equal(s.n, 4);
  assert.equal(s.measured, 2);
  assert.equal(s.notAssessed, 1);
  assert.equal(s.missing, 1);
  assert.equal(s.within, 1);
  assert.equal(s.medianError, 16);
  assert.equal(s.wrongNegatives, 1);
  assert.equal(s.errorUnit, '%');
});

test('nodule sensitivity by type and size band counts found, missed and declined separately', () => {
  const ref = (longAxisMm: number, type: 'solid' | 'non-solid') => ({ center: [0, 0, 0] as [number, number, number], longAxisMm, type });
  const nodules: NoduleOutcome[] = [
    { caseId: 'a', reference: ref(7, 'solid'), status: 'found' },
    { caseId: 'a', reference: ref(7.9, 'solid'), status: 'missed' },
    { caseId: 'b', reference: ref(33, 'non-solid'), status: 'not-assessed' },
  ];
  assert.deepEqual(noduleSensitivity(nodules), [
    { type: 'solid', band: '6–8 mm', n: 2, found: 1, missed: 1, notAssessed: 0 },
    { type: 'non-solid', band: '> 30 mm', n: 1, found: 0, missed: 0, notAssessed: 1 },
  ]);
});

test('honest only without measured findings out of tolerance and without wrong negatives; "not assessed" is honest', () => {
  const score = (outcomes: FindingOutcome[]): CaseScore => ({ caseId: 'c', outcomes, nodules: [], falsePositives: 0, failures: [] });
  assert.equal(isHonest([score([outcome({ within: true }), outcome({ status: 'not-assessed' })])]), true);
  assert.equal(isHonest([score([outcome({ within: false })])]), false);
  assert.equal(isHonest([score([outcome({ status: 'not-assessed', wrongNegative: true })])]), false);
});
