import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { volumePatches, type VolumeGeometry } from '@polyrad/sdk';
import { encodeTensor } from '@polyrad/sdk/onnx';
import { densePatchProbability } from '@polyrad/sdk/testing';
import { FIXTURE_MODEL_PATH } from './fixtures/fixture-manifest.js';
import { fixturePackage } from './fixtures/fixture-package.js';
import { sandboxSkip } from './fixtures/sandbox-skip.js';
import { LocalProcessExecutor } from './local-process.executor.js';
import { ModelHost } from './model-channel.js';
import type { PluginJob } from './plugin-executor.js';

const skip = sandboxSkip();

let root: string;
let workDir: string;
let executor: LocalProcessExecutor;
let host: ModelHost;

before(() => {
  root = mkdtempSync(join(tmpdir(), 'polyrad-model-spec-'));
  workDir = join(root, 'work');
  mkdirSync(workDir);
  executor = new LocalProcessExecutor({ workDir, concurrency: 1, sandbox: { mode: 'required', allowUnsandboxed: false } });
  host = new ModelHost();
});

after(async () => {
  await executor?.close();
  await host?.release();
  rmSync(root, { recursive: true, force: true });
});

const geometry: VolumeGeometry = { dimensions: [4, 4, 4], spacing: [1, 1, 1], origin: [0, 0, 0], direction: [[1, 0, 0], [0, 1, 0], [0, 0, 1]] };
const voxels = Int16Array.from({ length: 64 }, (_, n) => n * 10 - 600);

function job(log?: (m: string) => void): PluginJob & { log: (m: string) => void } {
  const entry = fixturePackage(root, 'onnx');
  return { packageDir: entry.packageDir, manifest: entry.manifest, series: { seriesInstanceUid: '1.2.3', modality: 'CT', volume: { geometry, voxels, unit: 'HU' }, fingerprint: { Modality: 'CT' } }, artifacts: {}, config: {}, log: log ?? (() => undefined) };
}

const finding = (result: { findings: Array<{ code: string; value: unknown }> }, code: string) => result.findings.find((f) => f.code === code)?.value;

test('a sandboxed plugin runs its model through context.model; the session is loaded once and reused; the addon stays refused inside', { skip }, async () => {
  const first: string[] = [];
  const second: string[] = [];
  const one = job((m) => first.push(m));
  const a = await executor.execute(one);
  const b = await executor.execute({ ...one, log: (m) => second.push(m) });
  for (const result of [a, b]) {
    assert.equal(result.status, 'succeeded', result.reason);
    assert.ok(Math.abs(Number(finding(result, 'test.probability')) - densePatchProbability(voxels)) < 1e-5, `probability ${finding(result, 'test.probability')}`);
    assert.equal(finding(result, 'test.patch_mean'), voxels.reduce((s, v) => s + v, 0) / 64);
    assert.match(String(finding(result, 'test.env')), /^refused: ERR_(DLOPEN_DISABLED|ACCESS_DENIED)/);
  }
  assert.equal(first.filter((m) => m.startsWith(`loaded model ${FIXTURE_MODEL_PATH}`)).length, 1, first.join('\n'));
  assert.deepEqual(second.filter((m) => m.startsWith('loaded model')), [], 'the second study reuses the session');
});

test('a model altered after its manifest was written is refused with both checksums, and the plugin run fails with it', { skip }, async () => {
  const altered = job();
  writeFileSync(join(altered.packageDir, FIXTURE_MODEL_PATH), Buffer.from('not the listed model'));
  const result = await executor.execute(altered);
  assert.equal(result.status, 'failed');
  assert.match(result.reason ?? '', /test\.onnx: models\/dense-patch\.onnx: sha256 [0-9a-f]{64} differs from the manifest's [0-9a-f]{64}/);
});

test('the host opens only models the manifest lists, inside the package, and refuses inputs that do not fit', async () => {
  const { packageDir, manifest } = job();
  const unlisted = await host.handle({ packageDir, manifest }, { type: 'model-open', id: 1, path: '../../etc/passwd' });
  assert.deepEqual([unlisted.type, 'code' in unlisted && unlisted.code], ['model-error', 'MODEL_LOAD_FAILED']);
  assert.match('message' in unlisted ? unlisted.message : '', /the manifest lists no model \.\.\/\.\.\/etc\/passwd \(it lists models\/dense-patch\.onnx\)/);

  const escaping = { ...manifest, models: [{ path: '../outside.onnx', sha256: manifest.models![0].sha256, provenance: 'x' }] };
  writeFileSync(join(packageDir, '..', 'outside.onnx'), 'x');
  const outside = await host.handle({ packageDir, manifest: escaping }, { type: 'model-open', id: 2, path: '../outside.onnx' });
  assert.match('message' in outside ? outside.message : '', /the model lies outside the plugin package/);

  const patches = volumePatches({ geometry, voxels, unit: 'HU' }, [[2, 2, 2]], 4);
  const ok = await host.handle({ packageDir, manifest }, { type: 'model-run', id: 3, path: FIXTURE_MODEL_PATH, feeds: { patches: encodeTensor(patches) } });
  assert.equal(ok.type, 'model-result');

  const wrongShape = await host.handle({ packageDir, manifest }, { type: 'model-run', id: 4, path: FIXTURE_MODEL_PATH, feeds: { patches: encodeTensor({ data: new Float32Array(63), dims: [1, 63] }) } });
  assert.deepEqual(['code' in wrongShape && wrongShape.code, 'message' in wrongShape && wrongShape.message], ['MODEL_INPUT_INVALID', 'input patches: axis 1 must be 64 ([N, 64]), got [1, 63]']);

  // a plugin with 1 MB of memory may not make the host decode 1.5 MB
  const small = { ...manifest, limits: { ...manifest.limits, memoryMb: 1 } };
  const huge = { type: 'float32' as const, dims: [1, 64], base64: 'A'.repeat(2 * 1024 * 1024) };
  const tooBig = await host.handle({ packageDir, manifest: small }, { type: 'model-run', id: 5, path: FIXTURE_MODEL_PATH, feeds: { patches: huge } });
  assert.match('message' in tooBig ? tooBig.message : '', /input patches: larger than the 1048576 bytes allowed/);
});
