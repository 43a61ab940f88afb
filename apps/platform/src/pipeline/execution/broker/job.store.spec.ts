import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isPolyradError } from '@polyrad/sdk';
import type { RunResult } from '../plugin-runner.js';
import { JobStore } from './job.store.js';

const root = mkdtempSync(join(tmpdir(), 'polyrad-job-store-'));
after(() => rmSync(root, { recursive: true, force: true }));

const geometry = { dimensions: [2, 2, 1] as [number, number, number], spacing: [1, 1, 1] as [number, number, number], origin: [0, 0, 0] as [number, number, number], direction: [[1, 0, 0], [0, 1, 0], [0, 0, 1]] as [[number, number, number], [number, number, number], [number, number, number]] };

function result(sum: number): RunResult {
  return {
    status: 'succeeded',
    durationMs: 12,
    artifacts: [{ kind: 'mask', type: 'test.mask', version: '1.0.0', mask: { geometry, labels: Uint8Array.from([0, 1, 1, 0]), labelNames: { 1: 'x' } } }],
    findings: [{ code: 'test.sum', value: sum, unit: 'HU' }],
    missing: [],
    warnings: [],
  };
}

describe('JobStore', () => {
  it('keeps the first result of a job and drops a second one (a job delivered twice)', async () => {
    const store = new JobStore(root);
    const jobId = randomUUID();
    assert.equal(await store.hasResult(jobId), false);
    assert.equal(await store.putResult(jobId, result(1)), true);
    assert.equal(await store.putResult(jobId, result(2)), false);
    const stored = await store.getResult(jobId);
    assert.equal(stored.findings[0].value, 1);
    assert.deepEqual(stored.artifacts[0].kind === 'mask' && [...stored.artifacts[0].mask.labels], [0, 1, 1, 0]);
    // nothing of the dropped attempt is left beside the result
    assert.deepEqual(readdirSync(join(root, jobId)), ['result']);
    await store.remove(jobId);
    assert.equal(readdirSync(root).includes(jobId), false);
  });

  it('refuses a job id that is not a UUID, so a message cannot point outside the store', () => {
    assert.throws(() => new JobStore(root).dirOf('../../etc'), (error: unknown) => isPolyradError(error) && error.code === 'JOB_ID_INVALID');
  });
});
