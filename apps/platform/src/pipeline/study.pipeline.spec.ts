import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reportSchemaErrors, type Report, type Volume } from '@polyrad/sdk';
import { writeCtSeries } from '@polyrad/dicom';
import { FIXTURE_INPUT_MASK_TYPE, FIXTURE_MASK_TYPE, FIXTURE_MISSING_REASON, fixtureManifest } from './execution/fixtures/fixture-manifest.js';
import { fixturePackage } from './execution/fixtures/fixture-package.js';
import { StudyPipeline } from './study.pipeline.js';

/*
 * Safe failure as a platform rule, end to end with real worker processes: what a plugin could not make
 * or measure reaches report.json and the impression as "not assessed" with the reason, never as silence
 * or a negative statement.
 */

let root: string;
let series: string;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'polyrad-analysis-spec-'));
  // Fewer than 10 slices: no body-region detection, the fixtures' empty criteria match it as it is.
  const volume: Volume = {
    geometry: { dimensions: [8, 8, 6], spacing: [1, 1, 2], origin: [0, 0, 0], direction: [[1, 0, 0], [0, 1, 0], [0, 0, 1]] },
    voxels: Int16Array.from({ length: 8 * 8 * 6 }, (_, n) => (n % 97) * 25 - 1000),
    unit: 'HU',
  };
  series = join(root, 'series');
  await writeCtSeries(volume, series, { PatientID: 'P-11', StudyDate: '20260101' });
});

after(() => rmSync(root, { recursive: true, force: true }));

const analyze = async (...fixtures: Array<Parameters<typeof fixturePackage>[1] | [string, Parameters<typeof fixturePackage>[2]]>) =>
  (
    await new StudyPipeline().analyze({
      catalog: fixtures.map((f) => (typeof f === 'string' ? fixturePackage(root, f) : fixturePackage(root, f[0], f[1]))),
      paths: [series],
    })
  ).report;

const run = (report: Report, id: string) => report.algorithms.find((a) => a.id === id);
const findingsOf = (report: Report, id: string) => report.findings.filter((f) => f.algorithm.id === id);
/** The declared codes of every fixture, with their units (fixture-manifest.ts). */
const DECLARED = fixtureManifest('mask-consumer').findings.map((f) => [f.code, f.unit]);

function assertAllNotAssessed(report: Report, id: string, reason: string): void {
  const uid = report.series[0].seriesInstanceUid;
  assert.deepEqual(
    findingsOf(report, id).map((f) => [f.code, f.unit, f.assessment, f.value, f.reason, f.seriesInstanceUid, f.category, f.abnormal]),
    DECLARED.map(([code, unit]) => [code, unit, 'not-assessed', null, reason, uid, undefined, undefined]),
    `findings of ${id}`,
  );
}

test('a producer that reports its mask missing: the consumer is skipped with that reason and its findings are not assessed', async () => {
  const report = await analyze('missing-mask', 'mask-consumer');
  assert.deepEqual(reportSchemaErrors(report), []);
  assert.equal(run(report, 'test.missing-mask')?.status, 'succeeded');
  const because = `needs ${FIXTURE_MASK_TYPE}: test.missing-mask could not make it: ${FIXTURE_MISSING_REASON}`;
  assert.deepEqual(run(report, 'test.mask-consumer'), { id: 'test.mask-consumer', version: '1.0.0', seriesInstanceUid: report.series[0].seriesInstanceUid, status: 'skipped', reason: because });
  assertAllNotAssessed(report, 'test.mask-consumer', because);
  // the producer's own statement stays as it made it
  assert.deepEqual(
    findingsOf(report, 'test.missing-mask').map((f) => [f.code, f.assessment, f.value, f.reason]),
    [['test.labelled', 'not-assessed', null, FIXTURE_MISSING_REASON]],
  );

  const lines = report.impression.split('\n');
  // one line per reason, naming every finding it blocked
  assert.ok(lines.includes(`Not assessed: ${DECLARED.map(([code]) => code).join(', ')} — ${because}.`), report.impression);
  assert.ok(lines.includes(`Not assessed: test.labelled — ${FIXTURE_MISSING_REASON}.`), report.impression);
  assert.equal(lines.filter((l) => l.startsWith('Not assessed: ')).length, 2, report.impression);
  assert.doesNotMatch(report.impression, /Within reference|Other measurements|Outside reference/);
  assert.ok(lines.includes('No automated measurements were produced.'), report.impression);
  assert.equal(report.priority?.level, 'routine');
});

test('a failed plugin\'s findings are not assessed with its failure, and its consumer is skipped naming it', async () => {
  const report = await analyze('throwing', 'invalid-output', 'mask-consumer');
  assert.deepEqual(reportSchemaErrors(report), []);
  assert.equal(run(report, 'test.throwing')?.status, 'failed');
  assertAllNotAssessed(report, 'test.throwing', 'algorithm failed: threw RangeError: fixture exploded on purpose');

  const invalid = run(report, 'test.invalid-output');
  assert.equal(invalid?.status, 'failed');
  assert.match(invalid?.reason ?? '', /^invalid output: /);
  const because = `needs ${FIXTURE_MASK_TYPE}: test.invalid-output failed: ${invalid?.reason}`;
  assert.equal(run(report, 'test.mask-consumer')?.reason, because);
  assertAllNotAssessed(report, 'test.mask-consumer', because);

  assert.match(report.impression, new RegExp(`^Not assessed: ${DECLARED.map(([code]) => code.replace('.', '\\.')).join(', ')} — algorithm failed: threw RangeError: fixture exploded on purpose\\.$`, 'm'));
  assert.match(report.impression, /^Not assessed \(algorithm failed\): test\.throwing \(threw RangeError: fixture exploded on purpose\); test\.invalid-output/m);
});

test('applicable but unplannable: not assessed; not applicable to any series: no findings, only the algorithm entry', async () => {
  const report = await analyze(
    'good',
    ['mask-consumer', { changes: { id: 'test.orphan', consumes: [{ type: 'test.mask.nobody', range: '^1' }] } }],
    ['good', { changes: { id: 'test.mr-only', produces: [], consumes: [], series: { criteria: [{ field: 'Modality', op: 'equals', value: 'MR', required: true }] } } }],
  );
  assert.deepEqual(reportSchemaErrors(report), []);
  const because = 'no enabled plugin produces test.mask.nobody@^1';
  assert.deepEqual(run(report, 'test.orphan'), { id: 'test.orphan', version: '1.0.0', status: 'skipped', reason: because, seriesInstanceUid: report.series[0].seriesInstanceUid });
  assertAllNotAssessed(report, 'test.orphan', because);

  assert.equal(run(report, 'test.mr-only')?.status, 'skipped');
  assert.deepEqual(findingsOf(report, 'test.mr-only'), []);

  // what the good plugin measured is stated as measured; it shows no reference, so it is never "within reference"
  assert.equal(run(report, 'test.good')?.status, 'succeeded');
  assert.deepEqual(new Set(findingsOf(report, 'test.good').map((f) => f.assessment)), new Set(['measured']));
  assert.match(report.impression, /^Other measurements: test\.sum /m);
  assert.doesNotMatch(report.impression, /Within reference/);
});

test('an optional input that could not be made does not block its consumer: it runs without it, and the report says so', async () => {
  const report = await analyze('good', ['throwing', { changes: { produces: [{ type: FIXTURE_INPUT_MASK_TYPE, version: '1.0.0', kind: 'mask' }] } }]);
  assert.deepEqual(reportSchemaErrors(report), []);
  assert.equal(run(report, 'test.good')?.status, 'succeeded');
  // the fixture reports -1 labelled voxels when it got no input mask
  assert.equal(findingsOf(report, 'test.good').find((f) => f.code === 'test.labelled')?.value, -1);
  assert.ok(
    report.warnings.includes(`test.good: ran without its optional input: needs ${FIXTURE_INPUT_MASK_TYPE}: test.throwing failed: threw RangeError: fixture exploded on purpose`),
    report.warnings.join('\n'),
  );
});

test('progress: every run queued at first, a consumer waits while its producer runs, each ends done with its status', async () => {
  const snapshots: Array<{ uid: string; runs: Array<[string, string, string?]> }> = [];
  const report = (
    await new StudyPipeline().analyze({
      catalog: ['missing-mask', 'mask-consumer'].map((f) => fixturePackage(root, f)),
      paths: [series],
      progress: (uid, runs) => snapshots.push({ uid, runs: runs.map((r) => [r.pluginId, r.state, r.status]) }),
    })
  ).report;
  assert.ok(snapshots.every((s) => s.uid === report.study.studyInstanceUid));
  assert.deepEqual(
    snapshots.map((s) => s.runs),
    [
      [['test.missing-mask', 'queued'], ['test.mask-consumer', 'queued']],
      [['test.missing-mask', 'running'], ['test.mask-consumer', 'queued']],
      [['test.missing-mask', 'done', 'succeeded'], ['test.mask-consumer', 'queued']],
      [['test.missing-mask', 'done', 'succeeded'], ['test.mask-consumer', 'done', 'skipped']],
    ].map((runs) => runs.map(([id, state, status]) => (status ? [id, state, status] : [id, state, undefined]))),
  );
});


test('the masks of the runs that succeeded come with the report (for the DICOM SEG), each with its plugin, series and the segment description its plugin gave', async () => {
  const { report, masks } = await new StudyPipeline().analyze({ catalog: [fixturePackage(root, 'good'), fixturePackage(root, 'missing-mask')], paths: [series] });
  assert.deepEqual(
    masks.map((m) => [m.type, m.algorithmId, m.algorithmVersion, m.seriesInstanceUid, m.mask.geometry.dimensions, m.description]),
    [[FIXTURE_MASK_TYPE, 'test.good', '1.0.0', report.series[0].seriesInstanceUid, [8, 8, 6], 'voxels above 0']],
    'the plugin that could not make its mask adds none',
  );
});
