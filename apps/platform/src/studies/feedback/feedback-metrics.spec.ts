import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pluginMetrics } from './feedback-metrics.js';
import type { FeedbackView } from './feedback.repository.js';

let id = 0;
function row(change: Partial<FeedbackView>): FeedbackView {
  return {
    id: ++id,
    studyInstanceUid: '1.2.3',
    reportVersion: 1,
    action: 'accept',
    findingIndex: 0,
    findingCode: 'aorta.ascending.diameter',
    pluginId: 'polyrad.aorta',
    pluginVersion: '1.0.0',
    site: 'default',
    reader: 'dr.a',
    oldValue: 40,
    newValue: null,
    oldCategory: 'normal',
    newCategory: null,
    reason: null,
    note: null,
    at: '2026-01-01T00:00:00.000Z',
    ...change,
  };
}

test('versions and sites are kept apart, and only the latest decision on a finding counts', () => {
  const metrics = pluginMetrics([
    row({ action: 'reject', reason: 'false-positive' }),
    row({ action: 'accept' }), // the same finding: the reader changed their mind
    row({ findingIndex: 1, action: 'reject', reason: 'wrong-location' }),
    row({ studyInstanceUid: '1.2.4', action: 'accept', pluginVersion: '1.1.0' }),
    row({ studyInstanceUid: '1.2.5', action: 'reject', reason: 'other', site: 'north' }),
  ]);
  assert.deepEqual(
    metrics.map((m) => [m.pluginVersion, m.site, m.reviewed, m.acceptanceRate, m.rejectionReasons]),
    [
      ['1.0.0', 'default', 2, 0.5, { 'wrong-location': 1 }],
      ['1.0.0', 'north', 1, 0, { other: 1 }],
      ['1.1.0', 'default', 1, 1, {}],
    ],
  );
});

test('edit sizes: mean and 95th percentile of |reader - algorithm| over numeric edits; category changes; missed findings', () => {
  const edits = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 40].map((delta, i) =>
    row({ studyInstanceUid: `1.2.${i}`, action: 'edit', newValue: 40 - delta, newCategory: i === 0 ? 'dilated' : 'normal' }),
  );
  const [aorta] = pluginMetrics([
    ...edits,
    row({ studyInstanceUid: '1.2.99', action: 'edit', oldValue: '4A', newValue: '3', oldCategory: null, newCategory: null }),
    row({ action: 'add', findingIndex: null, newValue: 38 }),
    row({ action: 'add', findingIndex: null, pluginId: null, pluginVersion: null, findingCode: 'liver.lesion' }),
  ]);
  assert.equal(aorta!.edited, 21);
  assert.equal(aorta!.valueEdits, 20, 'a text value has no edit size');
  assert.equal(aorta!.meanEditSize, 11.5);
  assert.equal(aorta!.p95EditSize, 19);
  assert.equal(aorta!.categoryChanges, 1);
  assert.equal(aorta!.missedFindingsAdded, 1, 'a finding no plugin reports is not held against one');
  assert.equal(aorta!.acceptanceRate, 0);
});
