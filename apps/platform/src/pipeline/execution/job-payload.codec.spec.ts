import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Artifact, VolumeGeometry } from '@polyrad/sdk';
import { fixtureManifest } from './fixtures/fixture-manifest.js';
import { JOB_FILE, readArtifacts, readJob, writeArtifacts, writeJob } from './job-payload.codec.js';

const geometry: VolumeGeometry = { dimensions: [4, 3, 2], spacing: [1, 1, 2], origin: [0, 0, 0], direction: [[1, 0, 0], [0, 1, 0], [0, 0, 1]] };

function withDir(body: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'polyrad-codec-spec-'));
    try {
      await body(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test('a job round-trips through raw binary files and a small JSON descriptor', withDir(async (dir) => {
  const voxels = Int16Array.from({ length: 24 }, (_, n) => n * 1000 - 12000);
  const artifacts: Record<string, Artifact> = {
    'test.mask': { kind: 'mask', type: 'test.mask', version: '1.0.0', mask: { geometry, labels: Uint8Array.from({ length: 24 }, (_, n) => n % 3), labelNames: { 1: 'a', 2: 'b' } }, meta: { m: 1 } },
    'test.volume': { kind: 'volume', type: 'test.volume', version: '1.0.0', volume: { geometry, voxels: new Float32Array(24).fill(0.5), unit: 'mm' } },
    'test.json': { kind: 'json', type: 'test.json', version: '1.0.0', data: { answer: 42 } },
  };
  const job = { packageDir: '/plugins/x', manifest: fixtureManifest('good'), series: { seriesInstanceUid: '1.2', modality: 'CT', volume: { geometry, voxels, unit: 'HU' }, fingerprint: { Modality: 'CT' } }, artifacts, config: { k: 'v' } };
  await writeJob(dir, job);
  assert.ok(readFileSync(join(dir, JOB_FILE)).length < 4096, 'the descriptor stays small');
  assert.equal(readdirSync(dir).filter((f) => f.endsWith('.bin')).length, 3);
  const decoded = await readJob(dir);
  assert.deepEqual(decoded, job);
  assert.ok(decoded.series.volume.voxels instanceof Int16Array);
}));

test('descriptors pointing outside the job directory or at a file of the wrong size are refused', withDir(async (dir) => {
  const mask: Artifact = { kind: 'mask', type: 't', version: '1.0.0', mask: { geometry, labels: new Uint8Array(24), labelNames: {} } };
  const [ref] = await writeArtifacts(dir, [mask], 'output-');
  assert.equal(ref.kind, 'mask');
  if (ref.kind !== 'mask') return;
  await assert.rejects(readArtifacts(dir, [{ ...ref, mask: { ...ref.mask, file: '../../etc/passwd' } }]), { code: 'JOB_PAYLOAD_INVALID' });
  await assert.rejects(readArtifacts(dir, [{ ...ref, mask: { ...ref.mask, length: 25 } }]), { code: 'JOB_PAYLOAD_INVALID' });
  writeFileSync(join(dir, ref.mask.file), new Uint8Array(10));
  await assert.rejects(readArtifacts(dir, [ref]), /holds 10 bytes, expected 24/);
}));
