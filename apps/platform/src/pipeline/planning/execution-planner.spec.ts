import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchCriteria, type AlgorithmManifest, type MatchDecision } from '@polyrad/sdk';
import { planExecution } from './execution-planner.js';

function manifest(id: string, consumes: string[], produces: string[], modality = 'CT'): AlgorithmManifest {
  return {
    id, name: id, version: '1.0.0', description: id, vendor: { id: 'test', name: 'Test' }, engines: { sdk: '^0.1.0' },
    entry: 'dist/index.js', series: { criteria: [{ field: 'Modality', op: 'equals', value: modality }] },
    consumes: consumes.map((type) => ({ type, range: '^1' })),
    produces: produces.map((type) => ({ type, version: '1.2.0' })),
    findings: [], limits: { timeoutMs: 1000, memoryMb: 256 },
  };
}

function decide(manifests: AlgorithmManifest[], series: Record<string, Record<string, unknown>>): Map<string, MatchDecision[]> {
  return new Map(Object.entries(series).map(([uid, fp]) => [uid, manifests.map((m) => matchCriteria(m, m.series.criteria, fp))]));
}

test('consumers are ordered after their producers, whatever order the manifests come in', () => {
  const all = [manifest('test.emphysema', ['polyrad.mask.lungs'], []), manifest('test.lungs', [], ['polyrad.mask.lungs'])];
  const plan = planExecution(all, decide(all, { s1: { Modality: 'CT' } }), () => 0);
  assert.deepEqual(plan.runs.map((r) => r.manifest.id), ['test.lungs', 'test.emphysema']);
  assert.deepEqual(plan.runs[1].inputsFrom, { 'polyrad.mask.lungs': 0 });
  assert.deepEqual(plan.skipped, []);
});

test('a plugin whose input nobody produces, or whose version range no producer satisfies, is skipped with the reason', () => {
  const consumer = manifest('test.emphysema', ['polyrad.mask.lungs'], []);
  const plan = planExecution([consumer], decide([consumer], { s1: { Modality: 'CT' } }), () => 0);
  assert.equal(plan.runs.length, 0);
  assert.equal(plan.skipped[0].reason, 'no enabled plugin produces polyrad.mask.lungs@^1');
  const old = { ...manifest('test.lungs', [], []), produces: [{ type: 'polyrad.mask.lungs', version: '2.0.0' }] };
  assert.match(planExecution([consumer, old], decide([consumer, old], { s1: { Modality: 'CT' } }), () => 0).skipped[0].reason, /no enabled plugin produces/);
});

test('plugins that do not apply to any series are skipped with the match reason; cycles are refused', () => {
  const mr = manifest('test.brain', [], [], 'MR');
  assert.match(planExecution([mr], decide([mr], { s1: { Modality: 'CT' } }), () => 0).skipped[0].reason, /Modality equals "MR" \(found "CT"\)/);
  const a = manifest('test.a', ['test.y'], ['test.x']);
  const b = manifest('test.b', ['test.x'], ['test.y']);
  const plan = planExecution([a, b], decide([a, b], { s1: { Modality: 'CT' } }), () => 0);
  assert.equal(plan.runs.length, 0);
  assert.match(plan.skipped[0].reason, /dependency cycle through test\.a -> test\.b -> test\.a/);
});

test('each plugin runs on its best-ranked matching series, and its producers on the same series', () => {
  const all = [manifest('test.emphysema', ['polyrad.mask.lungs'], []), manifest('test.lungs', [], ['polyrad.mask.lungs'])];
  const rank: Record<string, number> = { thick: 1, thin: 2 };
  const plan = planExecution(all, decide(all, { thick: { Modality: 'CT' }, thin: { Modality: 'CT' } }), (s) => rank[s]);
  assert.deepEqual(plan.runs.map((r) => `${r.manifest.id}@${r.seriesInstanceUid}`), ['test.lungs@thin', 'test.emphysema@thin']);
});
