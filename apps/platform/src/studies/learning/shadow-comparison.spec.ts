import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FeedbackView } from '../feedback/feedback.repository.js';
import type { StoredRun } from './learning.repository.js';
import type { RunFinding } from './run-records.js';
import { compareShadow } from './shadow-comparison.js';

let id = 0;
function run(studyInstanceUid: string, shadow: boolean, findings: RunFinding[], change: Partial<StoredRun> = {}): StoredRun {
  return {
    id: ++id,
    site: 'default',
    studyInstanceUid,
    reportVersion: 1,
    pluginId: 'polyrad.nodules',
    pluginVersion: shadow ? '2.0.0' : '1.0.0',
    shadow,
    status: 'succeeded',
    reason: null,
    durationMs: 1000,
    seriesInstanceUid: '1.2.3.1',
    seen: {},
    findings,
    diagnostics: null,
    at: '2026-01-01T00:00:00.000Z',
    ...change,
  };
}

const nodule = (value: number, center: [number, number, number], category: string, index?: number): RunFinding => ({
  code: 'lung.nodule',
  assessment: 'measured',
  value,
  unit: 'mm',
  category,
  center,
  ...(index === undefined ? {} : { index }),
});
const lungrads = (value: string, index?: number): RunFinding => ({ code: 'lung.lungrads', assessment: 'measured', value, unit: '', ...(index === undefined ? {} : { index }) });

function edit(studyInstanceUid: string, findingIndex: number, newValue: number | string, newCategory: string | null = null): FeedbackView {
  return {
    id: ++id,
    studyInstanceUid,
    reportVersion: 1,
    action: 'edit',
    findingIndex,
    findingCode: 'lung.nodule',
    pluginId: 'polyrad.nodules',
    pluginVersion: '1.0.0',
    site: 'default',
    reader: 'dr.a',
    oldValue: null,
    newValue,
    oldCategory: null,
    newCategory,
    reason: null,
    note: null,
    at: '2026-01-01T00:00:00.000Z',
  };
}

test('pairs findings of the same analysis by code and nearest centre, and measures agreement and both versions against the reader', () => {
  const active = [
    run('1.1', false, [nodule(6, [10, 10, 10], '2', 0), nodule(9, [50, 50, 50], '3', 1), lungrads('3', 2)]),
    run('1.2', false, [nodule(5, [0, 0, 0], '2', 0), lungrads('2', 1)]),
    // an analysis without a shadow run is not compared
    run('1.3', false, [nodule(30, [0, 0, 0], '4B', 0)]),
  ];
  const shadow = [
    // listed the other way round: pairing goes by place, not order
    run('1.1', true, [nodule(10, [51, 50, 50], '4A'), nodule(6.5, [11, 10, 10], '2'), lungrads('4A')]),
    // misses the nodule, finds another one far away
    run('1.2', true, [nodule(7, [100, 0, 0], '3'), lungrads('3')]),
  ];
  const feedback = [edit('1.1', 1, 10, '4A'), edit('1.1', 0, 6.5, '2'), { ...edit('1.3', 0, 1), action: 'reject' as const }];
  const c = compareShadow({ site: 'default', pluginId: 'polyrad.nodules', shadowVersion: '2.0.0' }, active, shadow, feedback);

  assert.equal(c.studies, 2);
  assert.equal(c.activeVersion, '1.0.0');
  assert.deepEqual(
    c.pairs.map((p) => [p.studyInstanceUid, p.code, p.active?.value ?? null, p.shadow?.value ?? null, p.sameCategory, p.valueDifference]),
    [
      ['1.1', 'lung.nodule', 6, 6.5, true, 0.5],
      ['1.1', 'lung.nodule', 9, 10, false, 1],
      ['1.1', 'lung.lungrads', '3', '4A', false, null],
      ['1.2', 'lung.nodule', 5, null, null, null],
      ['1.2', 'lung.lungrads', '2', '3', false, null],
      ['1.2', 'lung.nodule', null, 7, null, null],
    ],
  );
  assert.deepEqual(c.agreement, { matched: 4, onlyActive: 1, onlyShadow: 1, categoryAgreement: 0.25, meanAbsValueDifference: 0.75 });
  // the reader measured 6.5 (category 2) and 10 (4A): the shadow version got both, the active one was off by 0.5 and 1
  assert.deepEqual(c.againstReader, { reviewed: 2, rejectedByReader: 0, activeMeanAbsError: 0.75, shadowMeanAbsError: 0, activeCategoryAgreement: 0.5, shadowCategoryAgreement: 1 });
});

test('failures on compared analyses are counted per side; another shadow version is not mixed in', () => {
  const active = [run('2.1', false, [], { status: 'failed' }), run('2.2', false, [lungrads('1', 0)])];
  const shadow = [run('2.1', true, [lungrads('1')]), run('2.2', true, [], { status: 'failed' }), run('2.2', true, [lungrads('1')], { pluginVersion: '3.0.0' })];
  const c = compareShadow({ site: 'default', pluginId: 'polyrad.nodules', shadowVersion: '2.0.0' }, active, shadow, []);
  assert.deepEqual([c.studies, c.failures, c.agreement.matched, c.agreement.onlyActive, c.agreement.onlyShadow], [2, { active: 1, shadow: 1 }, 0, 1, 1]);
  assert.deepEqual(c.againstReader, { reviewed: 0, rejectedByReader: 0, activeMeanAbsError: null, shadowMeanAbsError: null, activeCategoryAgreement: null, shadowCategoryAgreement: null });
});
