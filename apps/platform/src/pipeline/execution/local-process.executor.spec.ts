import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Artifact, RuntimeLimits, SeriesInput, VolumeGeometry, VoxelArray } from '@polyrad/sdk';
import { FIXTURE_INPUT_MASK_TYPE, FIXTURE_MASK_TYPE, FIXTURE_MISSING_REASON } from './fixtures/fixture-manifest.js';
import { fixturePackage } from './fixtures/fixture-package.js';
import { LocalProcessExecutor } from './local-process.executor.js';
import type { PluginJob } from './plugin-executor.js';

const UNSANDBOXED = { mode: 'off', allowUnsandboxed: true } as const;

let root: string;
let workDir: string;
let executor: LocalProcessExecutor;

before(() => {
  root = mkdtempSync(join(tmpdir(), 'polyrad-exec-spec-'));
  workDir = join(root, 'work');
  mkdirSync(workDir);
  // The unsandboxed mode and its process-tree kill; the fixtures are third-party code, so that must be allowed.
  // plugin-sandbox.spec.ts runs workers sandboxed.
  executor = new LocalProcessExecutor({ workDir, concurrency: 2, sandbox: UNSANDBOXED });
});

after(async () => {
  await executor.close();
  rmSync(root, { recursive: true, force: true });
});

const geometry: VolumeGeometry = { dimensions: [7, 5, 3], spacing: [0.7, 0.7, 2.5], origin: [-10, 20, -300], direction: [[1, 0, 0], [0, 1, 0], [0, 0, 1]] };
const count = 7 * 5 * 3;

function seriesOf(voxels: VoxelArray): SeriesInput {
  return { seriesInstanceUid: '1.2.3.4', modality: 'CT', volume: { geometry, voxels, unit: 'HU' }, fingerprint: { Modality: 'CT' } };
}

function job(fixture: string, options: { limits?: RuntimeLimits; config?: Record<string, unknown>; voxels?: VoxelArray; artifacts?: Record<string, Artifact>; log?: (m: string) => void } = {}): PluginJob {
  const entry = fixturePackage(root, fixture, { limits: options.limits });
  const voxels = options.voxels ?? Int16Array.from({ length: count }, (_, n) => n * 37 - 1500);
  return { packageDir: entry.packageDir, manifest: entry.manifest, series: seriesOf(voxels), artifacts: options.artifacts ?? {}, config: options.config ?? {}, log: options.log };
}

/**
 * A log for the hanging and memory-hog fixtures, which print their pid (and the hanging one its helper
 * process's) before they block or grow; the pids arrive once the worker is running plugin code.
 */
/**
 * Collects the pids a fixture prints. `settled` resolves with what was printed, or [] once the run ended
 * without printing (a worker killed before it got that far), so a test fails with a message, not a hang.
 */
function pidLog(): { log: (m: string) => void; pids: Promise<number[]>; settled: (run: Promise<unknown>) => Promise<number[]> } {
  let found: (pids: number[]) => void = () => undefined;
  const pids = new Promise<number[]>((resolve) => (found = resolve));
  const log = (m: string) => {
    const match = /\(stderr\): pid (\d+)(?: helper (\d+))?$/.exec(m);
    if (match) found(match.slice(1).filter(Boolean).map(Number));
  };
  const settled = async (run: Promise<unknown>) => {
    await run.catch(() => undefined);
    // the log line travels before the result, so a printed pid list has settled by now
    return Promise.race([pids, Promise.resolve([])]);
  };
  return { log, pids, settled };
}

/** Whether a process with this pid still runs: a zombie (dead, waiting to be reaped by init) does not. */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/**
 * The pids still running after a grace of up to 3 s: SIGKILL is delivered when the target is next
 * scheduled, so on a loaded machine a killed process can show as stopped or running for a moment.
 */
async function stillRunning(pids: number[]): Promise<number[]> {
  for (const deadline = Date.now() + 3000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
    if (!pids.some(alive)) return [];
  }
  return pids.filter(alive);
}

function finding(result: { findings: Array<{ code: string; value: unknown }> }, code: string): unknown {
  return result.findings.find((f) => f.code === code)?.value;
}

test('a good plugin runs in a child process and its finding and mask come back intact', async () => {
  const voxels = Int16Array.from({ length: count }, (_, n) => n * 37 - 1500);
  const inputLabels = Uint8Array.from({ length: count }, (_, n) => (n % 4 === 0 ? 2 : 0));
  const logs: string[] = [];
  const result = await executor.execute(
    job('good', {
      voxels,
      artifacts: { [FIXTURE_INPUT_MASK_TYPE]: { kind: 'mask', type: FIXTURE_INPUT_MASK_TYPE, version: '1.0.0', mask: { geometry, labels: inputLabels, labelNames: { 2: 'input' } } } },
      log: (m) => logs.push(m),
    }),
  );
  assert.equal(result.status, 'succeeded', result.reason);
  assert.equal(finding(result, 'test.sum'), voxels.reduce((a, b) => a + b, 0));
  assert.equal(finding(result, 'test.labelled'), Math.ceil(count / 4));
  assert.equal(finding(result, 'test.dtype'), 'Int16Array');
  assert.deepEqual(result.warnings, ['test.good: fixture warning']);
  assert.ok(logs.includes('test.good: read 105 voxels'), logs.join('\n'));

  assert.equal(result.artifacts.length, 1);
  const [mask] = result.artifacts;
  assert.equal(mask.kind, 'mask');
  if (mask.kind !== 'mask') return;
  assert.equal(mask.type, FIXTURE_MASK_TYPE);
  assert.equal(mask.version, '1.0.0');
  assert.deepEqual(mask.meta, { threshold: 0, segmentDescription: 'voxels above 0' });
  assert.deepEqual(mask.mask.geometry, geometry);
  assert.deepEqual(mask.mask.labelNames, { 1: 'positive' });
  assert.ok(mask.mask.labels instanceof Uint8Array);
  assert.deepEqual(mask.mask.labels, Uint8Array.from(voxels, (v) => (v > 0 ? 1 : 0)));
});

test('a Float32 volume arrives as a Float32Array with the same values', async () => {
  const voxels = Float32Array.from({ length: count }, (_, n) => n / 8 - 3.25);
  const result = await executor.execute(job('good', { voxels }));
  assert.equal(result.status, 'succeeded', result.reason);
  assert.equal(finding(result, 'test.dtype'), 'Float32Array');
  assert.equal(finding(result, 'test.sum'), voxels.reduce((a, b) => a + b, 0));
  assert.equal(finding(result, 'test.labelled'), -1);
});

test('a plugin that cannot make its declared mask succeeds, and the missing output with its reason comes back intact', async () => {
  const result = await executor.execute(job('missing-mask'));
  assert.equal(result.status, 'succeeded', result.reason);
  assert.deepEqual(result.missing, [{ type: FIXTURE_MASK_TYPE, reason: FIXTURE_MISSING_REASON }]);
  assert.deepEqual(result.artifacts, []);
  assert.deepEqual(result.findings, [{ code: 'test.labelled', assessment: 'not-assessed', value: null, unit: 'voxels', reason: FIXTURE_MISSING_REASON }]);
});

test('a plugin that throws gives a failed run with its error message', async () => {
  const result = await executor.execute(job('throwing'));
  assert.equal(result.status, 'failed');
  assert.equal(result.reason, 'threw RangeError: fixture exploded on purpose');
  assert.deepEqual(result.findings, []);
});

test('invalid output (undeclared code, wrong version, mask off the grid) gives a failed run naming each problem', async () => {
  const result = await executor.execute(job('invalid-output'));
  assert.equal(result.status, 'failed');
  assert.match(result.reason ?? '', /^invalid output: /);
  assert.match(result.reason ?? '', /finding code test\.undeclared is not declared/);
  assert.match(result.reason ?? '', /test\.mask\.positive@2\.0\.0 differs from declared 1\.0\.0/);
  assert.match(result.reason ?? '', /mask test\.mask\.positive does not match the series grid/);
  assert.deepEqual(result.artifacts, []);
});

test('a plugin that hangs is killed at its timeout: its process tree is gone and a run beside it is unaffected', async () => {
  const hanging = pidLog();
  // a generous timeout, so a busy machine still starts the worker and its helper before it strikes
  const run = executor.execute(job('hanging', { limits: { timeoutMs: 5000, memoryMb: 256 }, log: hanging.log }));
  const [result, beside] = await Promise.all([run, executor.execute(job('good'))]);
  assert.equal(result.status, 'failed');
  assert.equal(result.reason, 'timed out after 5000 ms');
  assert.deepEqual(result.findings, []);
  const pids = await hanging.settled(run);
  assert.equal(pids.length, 2, 'worker and its helper printed their pids before the timeout');
  assert.deepEqual(await stillRunning(pids), [], 'the worker and the process it started are gone');
  assert.equal(beside.status, 'succeeded', beside.reason);
  assert.equal(finding(beside, 'test.dtype'), 'Int16Array');
});

test('a plugin that allocates typed arrays past its memory cap is killed, process and all', async () => {
  const hog = pidLog();
  // the timeout is far beyond what the fixture needs to pass the cap, so only the memory watch can end it
  const run = executor.execute(job('memory-hog', { limits: { timeoutMs: 120_000, memoryMb: 150 }, log: hog.log }));
  const result = await run;
  assert.equal(result.status, 'failed');
  assert.equal(result.reason, 'exceeded its memory limit of 150 MB');
  const pids = await hog.settled(run);
  assert.equal(pids.length, 1, 'the worker printed its pid');
  assert.deepEqual(await stillRunning(pids), [], 'the killed worker process is gone');
});

test('a plugin that ends its own process gives a failed run with the exit code or signal', async () => {
  const [exit, sigkill, uncaught] = await Promise.all(
    ['exit', 'sigkill', 'uncaught'].map((how) => executor.execute(job('self-killing', { config: { how } }))),
  );
  assert.equal(exit.status, 'failed');
  assert.match(exit.reason ?? '', /^worker process exited with code 3 before returning a result/);
  assert.equal(sigkill.status, 'failed');
  assert.match(sigkill.reason ?? '', /^worker process was killed by signal SIGKILL before returning a result/);
  assert.equal(uncaught.status, 'failed');
  assert.match(uncaught.reason ?? '', /^worker process exited with code 70 before returning a result: uncaught TypeError: stray timer blew up/);
});

test('workers see neither DATABASE_URL nor NODE_OPTIONS from the platform', async () => {
  const saved = { DATABASE_URL: process.env.DATABASE_URL, NODE_OPTIONS: process.env.NODE_OPTIONS };
  process.env.DATABASE_URL = 'postgres://polyrad:secret@localhost/polyrad';
  process.env.NODE_OPTIONS = '--max-old-space-size=64000';
  try {
    const result = await executor.execute(job('env-probe'));
    assert.equal(result.status, 'succeeded', result.reason);
    const names = String(finding(result, 'test.env')).split(',');
    assert.ok(!names.includes('DATABASE_URL'), names.join(','));
    assert.ok(!names.includes('NODE_OPTIONS'), names.join(','));
    assert.ok(names.includes('PATH'));
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
});

test('after all the bad runs the platform is alive, a good job still succeeds and no job directory is left', async () => {
  const result = await executor.execute(job('good'));
  assert.equal(result.status, 'succeeded', result.reason);
  assert.deepEqual(readdirSync(workDir), []);
});

test('closing the executor stops running workers and refuses new jobs', async () => {
  const own = new LocalProcessExecutor({ workDir, sandbox: UNSANDBOXED });
  const hanging = pidLog();
  const running = own.execute(job('hanging', { limits: { timeoutMs: 120_000, memoryMb: 256 }, log: hanging.log }));
  // waits for the worker to have started its helper; a run that ends first settles it empty
  const pids = await Promise.race([hanging.pids, hanging.settled(running)]);
  await own.close();
  const result = await running;
  assert.equal(result.status, 'failed');
  assert.match(result.reason ?? '', /executor was closed/);
  assert.equal(pids.length, 2, 'worker and its helper printed their pids');
  assert.deepEqual(await stillRunning(pids), [], 'the worker and the process it started are gone');
  await assert.rejects(own.execute(job('good')), { code: 'EXECUTOR_CLOSED' });
  assert.deepEqual(readdirSync(workDir), []);
});
