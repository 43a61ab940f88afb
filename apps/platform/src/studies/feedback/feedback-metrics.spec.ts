import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type MetricsRun, pluginMetrics } from './feedback-metrics.js';
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
  assert.equal(aorta!.categoryChanges, 2, 'the reader category "dilated", and a value that is a category itself ("4A" -> "3")');
  assert.equal(aorta!.missedFindingsAdded, 1, 'a finding no plugin reports is not held against one');
  assert.equal(aorta!.acceptanceRate, 0);
});

test('runs give the failure rate, p50/p95 duration and the not-assessed rate; a version with runs but no feedback is listed', () => {
  const run = (change: Partial<MetricsRun>): MetricsRun => ({ site: 'default', pluginId: 'polyrad.aorta', pluginVersion: '1.0.0', status: 'succeeded', durationMs: 100, findings: [], ...change });
  const measured = { code: 'aorta.ascending.diameter', assessment: 'measured' as const, value: 40, unit: 'mm' };
  const notAssessed = { ...measured, assessment: 'not-assessed' as const, value: null };
  const durations = [900, 100, 300, 200, 400, 500, 600, 700, 800, 1000];
  const metrics = pluginMetrics(
    [row({ action: 'accept' })],
    [
      ...durations.map((durationMs, i) => run({ durationMs, status: i < 2 ? 'failed' : 'succeeded', findings: i < 2 ? [] : [i === 2 ? notAssessed : measured] })),
      run({ durationMs: null, pluginVersion: '1.1.0', findings: [measured, measured] }),
    ],
  );
  assert.deepEqual(
    metrics.map((m) => [m.pluginVersion, m.reviewed, m.runs, m.failed, m.failureRate, m.p50DurationMs, m.p95DurationMs, m.findings, m.notAssessed, m.notAssessedRate]),
    [
      ['1.0.0', 1, 10, 2, 0.2, 500, 1000, 8, 1, 0.125],
      ['1.1.0', 0, 1, 0, 0, null, null, 2, 0, 0],
    ],
  );
  assert.equal(metrics[1]!.acceptanceRate, null, 'no review yet');
});
