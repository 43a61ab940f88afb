import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineAlgorithm, notAssessed, type AlgorithmManifest, type AlgorithmOutputs, type Volume } from '../index.js';
import { testManifest } from '../manifest/manifest.fixture.js';
import { runPluginForTest } from './index.js';

const volume: Volume = {
  geometry: { dimensions: [4, 3, 2], spacing: [1, 1, 1], origin: [0, 0, 0], direction: [[1, 0, 0], [0, 1, 0], [0, 0, 1]] },
  voxels: Int16Array.from({ length: 24 }, (_, n) => n * 10 - 100),
  unit: 'HU',
};

function manifest(id: string, changes: Partial<AlgorithmManifest> = {}): AlgorithmManifest {
  return testManifest(id, { findings: [{ code: 'test.value', unit: 'HU' }], ...changes });
}

const plugin = (m: AlgorithmManifest, run: (inputs: Parameters<Parameters<typeof defineAlgorithm>[1]['run']>[0]) => AlgorithmOutputs) => defineAlgorithm(m, { run });
const reference = { text: 'test range', source: 'test' };

/** Produces a positive-voxel mask; its version is a parameter so consumers can be tested against ranges. */
const producer = (version = '1.2.0') =>
  plugin(manifest('test.producer', { produces: [{ type: 'test.mask.positive', version, kind: 'mask' }], findings: [] }), ({ series }) => ({
    artifacts: [{ kind: 'mask', type: 'test.mask.positive', version, mask: { geometry: series.volume.geometry, labels: Uint8Array.from(series.volume.voxels, (v) => (v > 0 ? 1 : 0)), labelNames: { 1: 'positive' } } }],
  }));

/** Counts the voxels of the consumed mask. */
const consumer = plugin(manifest('test.consumer', { consumes: [{ type: 'test.mask.positive', range: '^1' }] }), ({ artifacts }) => {
  const input = artifacts['test.mask.positive'];
  const count = input.kind === 'mask' ? input.mask.labels.reduce((sum, l) => sum + l, 0) : -1;
  return { findings: [{ code: 'test.value', value: count, unit: 'HU', reference }] };
});

test('a consumer gets its input from a plugin run first, matched by type and semver range', async () => {
  const result = await runPluginForTest(consumer, { volume, plugins: [producer()] });
  assert.deepEqual(result.problems, []);
  assert.equal(result.status, 'succeeded');
  // voxels are -100, -90, ... 130: 13 of them are above 0
  assert.deepEqual(result.findings, [{ code: 'test.value', value: 13, unit: 'HU', reference }]);

  const tooNew = await runPluginForTest(consumer, { volume, plugins: [producer('2.0.0')] });
  assert.equal(tooNew.status, 'skipped');
  assert.equal(tooNew.reason, 'no plugin or artifact provides test.mask.positive@^1');
});

test('a producer that reports its mask missing: the consumer is skipped with the reason and its findings are not assessed', async () => {
  const why = 'no voxel above 500 HU: nothing to label';
  const gated = plugin(manifest('test.gated', { produces: [{ type: 'test.mask.positive', version: '1.0.0', kind: 'mask' }], findings: [] }), () => ({
    missing: [{ type: 'test.mask.positive', reason: why }],
  }));
  const alone = await runPluginForTest(gated, { volume });
  assert.equal(alone.status, 'succeeded', alone.reason);
  assert.deepEqual(alone.missing, [{ type: 'test.mask.positive', reason: why }]);
  assert.deepEqual(alone.problems, []);

  const result = await runPluginForTest(consumer, { volume, plugins: [gated] });
  const because = `needs test.mask.positive: test.gated could not make it: ${why}`;
  assert.equal(result.status, 'skipped');
  assert.equal(result.reason, because);
  assert.deepEqual(result.findings, [notAssessed('test.value', 'HU', because)]);

  // an input it can do without: it runs, without the mask
  const optional = plugin(manifest('test.optional', { consumes: [{ type: 'test.mask.positive', range: '^1', optional: true }] }), ({ artifacts }) => ({
    findings: [{ code: 'test.value', value: artifacts['test.mask.positive'] ? 1 : 0, unit: 'HU' }],
  }));
  const without = await runPluginForTest(optional, { volume, plugins: [gated] });
  assert.equal(without.status, 'succeeded', without.reason);
  assert.deepEqual(without.findings, [{ code: 'test.value', value: 0, unit: 'HU' }]);
});

test('a producer that fails: the consumer is skipped naming it and its reason', async () => {
  const broken = plugin(manifest('test.broken', { produces: [{ type: 'test.mask.positive', version: '1.0.0', kind: 'mask' }], findings: [] }), () => {
    throw new Error('segmentation diverged');
  });
  const result = await runPluginForTest(consumer, { volume, plugins: [broken] });
  assert.equal(result.status, 'skipped');
  assert.equal(result.reason, 'needs test.mask.positive: test.broken failed: threw Error: segmentation diverged');
  assert.deepEqual(result.findings.map((f) => [f.code, f.assessment, f.value]), [['test.value', 'not-assessed', null]]);
});

test('outputs the platform would refuse are reported as problems, one per fault', async () => {
  const bad = plugin(manifest('test.bad', { produces: [{ type: 'test.json', version: '1.0.0', kind: 'json', schema: { type: 'object', required: ['n'], properties: { n: { type: 'number' } } } }] }), () => ({
    findings: [
      { code: 'test.undeclared', value: 1, unit: 'HU' },
      { code: 'test.value', value: 1, unit: 'mm' },
      { code: 'test.value', value: 2, unit: 'HU', reference: { text: 'no source' } as never },
      { code: 'test.value', value: Number.NaN, unit: 'HU' },
      // a plugin cannot pass its finding off as reviewed by a radiologist
      { code: 'test.value', value: 3, unit: 'HU', review: { action: 'accepted', reader: 'dr.fake', at: '2026-01-01T00:00:00Z' } },
    ],
    artifacts: [{ kind: 'json', type: 'test.json', version: '1.0.0', data: { n: 'three' } }],
  }));
  const result = await runPluginForTest(bad, { volume });
  assert.equal(result.status, 'failed');
  assert.deepEqual(result.findings, []);
  assert.deepEqual(result.problems, [
    'finding code test.undeclared is not declared in the manifest',
    'finding test.value has unit "mm" but the manifest declares "HU"',
    "finding test.value /reference must have required property 'source'",
    'finding test.value has a non-finite value',
    'finding test.value has a review: only a radiologist reviews a finding',
    'artifact test.json data/n must be number',
  ]);
});

test('series criteria, configuration schema and the time limit are applied as on the platform', async () => {
  const slow = plugin(manifest('test.slow', { limits: { timeoutMs: 100, memoryMb: 64 }, config: { type: 'object', properties: { level: { type: 'integer' } } } }), () => {
    const until = Date.now() + 150;
    while (Date.now() < until);
    return { findings: [] };
  });
  const mr = await runPluginForTest(slow, { volume, modality: 'MR' });
  assert.equal(mr.status, 'skipped');
  assert.equal(mr.match.matched, false);
  const badConfig = await runPluginForTest(slow, { volume, config: { level: 'high' } });
  assert.deepEqual(badConfig.problems, ['config /level must be integer']);
  const timedOut = await runPluginForTest(slow, { volume });
  assert.equal(timedOut.status, 'failed');
  assert.match(timedOut.reason ?? '', /over limits\.timeoutMs 100/);
});

test('a plugin folder is loaded like a package: manifest.json plus the built entry', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'polyrad-harness-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest('test.folder')));
  const missing = runPluginForTest(dir, { volume });
  await assert.rejects(missing, (e: Error & { code?: string }) => e.code === 'PACKAGE_FILE_MISSING');
  mkdirSync(join(dir, 'dist'));
  writeFileSync(join(dir, 'dist', 'index.js'), "export default { run: ({ series }) => ({ findings: [{ code: 'test.value', value: series.volume.voxels.length, unit: 'HU' }] }) };\n");
  const result = await runPluginForTest(dir, { volume });
  assert.deepEqual(result.findings, [{ code: 'test.value', value: 24, unit: 'HU' }]);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest('test.folder', { engines: { sdk: '^9.0.0' } })));
  await assert.rejects(runPluginForTest(dir, { volume }), /does not accept the running sdk/);
});
