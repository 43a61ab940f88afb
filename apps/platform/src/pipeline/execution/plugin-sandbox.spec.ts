import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RuntimeLimits, VolumeGeometry } from '@polyrad/sdk';
import { bundledCatalog } from '../planning/plugin-catalog.js';
import { EVIL_ATTEMPTS, FIXTURE_MASK_TYPE } from './fixtures/fixture-manifest.js';
import { fixturePackage } from './fixtures/fixture-package.js';
import { sandboxSkip } from './fixtures/sandbox-skip.js';
import { LocalProcessExecutor } from './local-process.executor.js';
import type { PluginJob } from './plugin-executor.js';
import { describeSandbox, detectSandbox, sandboxAtStart } from './plugin-sandbox.js';

const layers = detectSandbox();
const skip = sandboxSkip();

let root: string;
let workDir: string;
let executor: LocalProcessExecutor;
let platform: Server;
let platformConnections = 0;
const secrets = { otherJobFile: '', otherStudyFile: '', databaseDir: '' };

before(async () => {
  // private (0700), as a data dir should be: the sandbox must still mount the plugin folders and jobs below it
  root = mkdtempSync(join(tmpdir(), 'polyrad-sandbox-spec-'));
  workDir = join(root, 'work');
  mkdirSync(workDir);
  // what a plugin must never see: another job's folder beside its own, a study and the database in a data dir
  mkdirSync(join(workDir, 'polyrad-job-other'));
  secrets.otherJobFile = join(workDir, 'polyrad-job-other', 'input.raw');
  mkdirSync(join(root, 'data', 'studies', '1.2.3'), { recursive: true });
  secrets.otherStudyFile = join(root, 'data', 'studies', '1.2.3', 'image.dcm');
  secrets.databaseDir = join(root, 'data', 'pg');
  mkdirSync(secrets.databaseDir);
  for (const file of [secrets.otherJobFile, secrets.otherStudyFile, join(secrets.databaseDir, 'PG_VERSION')]) writeFileSync(file, 'secret', { mode: 0o644 });
  executor = new LocalProcessExecutor({ workDir, concurrency: 2, sandbox: { mode: 'required', allowUnsandboxed: false } });
  platform = createServer((socket) => {
    platformConnections += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => platform.listen(0, '127.0.0.1', resolve));
});

after(async () => {
  await executor?.close();
  await new Promise((resolve) => platform?.close(resolve));
  rmSync(root, { recursive: true, force: true });
});

const geometry: VolumeGeometry = { dimensions: [4, 3, 2], spacing: [1, 1, 1], origin: [0, 0, 0], direction: [[1, 0, 0], [0, 1, 0], [0, 0, 1]] };

function job(fixture: string, options: { limits?: RuntimeLimits; config?: Record<string, unknown>; packageDir?: string } = {}): PluginJob {
  const entry = fixturePackage(root, fixture, { limits: options.limits });
  const voxels = Int16Array.from({ length: 24 }, (_, n) => n * 100 - 1000);
  return {
    packageDir: options.packageDir ?? entry.packageDir,
    manifest: entry.manifest,
    series: { seriesInstanceUid: '1.2.3.4', modality: 'CT', volume: { geometry, voxels, unit: 'HU' }, fingerprint: { Modality: 'CT' } },
    artifacts: {},
    config: options.config ?? {},
  };
}

function finding(result: { findings: Array<{ code: string; value: unknown }> }, code: string): unknown {
  return result.findings.find((f) => f.code === code)?.value;
}

/** Processes whose command line holds `text` and that still run (a zombie waiting for init does not). */
function processesWith(text: string): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name) && Number(name) !== process.pid)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text) && !/^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
      } catch {
        return false; // gone meanwhile
      }
    })
    .map(Number);
}

/** Waits up to 5 s for every process holding `text` to be gone (a SIGKILL lands when the target is next scheduled). */
async function survivors(text: string): Promise<number[]> {
  for (const deadline = Date.now() + 5000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
    if (!processesWith(text).length) return [];
  }
  return processesWith(text);
}

test('the start-up statement names every active layer', { skip }, () => {
  const line = describeSandbox({ mode: 'auto', allowUnsandboxed: false }, layers);
  assert.match(line, /^plugin sandbox: on for every plugin \(bubblewrap: uid 65534, (user\/)?mount\/PID\/IPC\/UTS\/network namespaces, no network; /);
  assert.match(line, layers.cgroups ? /cgroup v[12] / : /no cgroups/);
  assert.match(line, layers.nodePermissions ? /node permissions on/ : /node permissions unavailable/);
});

test('a good plugin runs sandboxed: its findings, mask and log come back', { skip }, async () => {
  const result = await executor.execute(job('good'));
  assert.equal(result.status, 'succeeded', result.reason);
  assert.equal(finding(result, 'test.sum'), Array.from({ length: 24 }, (_, n) => n * 100 - 1000).reduce((a, b) => a + b, 0));
  assert.equal(result.artifacts[0]?.type, FIXTURE_MASK_TYPE);
  assert.deepEqual(result.warnings, ['test.good: fixture warning']);
});

test('a sandboxed worker sees only the variables the worker needs', { skip }, async () => {
  process.env.DATABASE_URL = 'postgres://polyrad:secret@localhost/polyrad';
  try {
    const result = await executor.execute(job('env-probe'));
    assert.equal(result.status, 'succeeded', result.reason);
    const names = String(finding(result, 'test.env')).split(',');
    assert.deepEqual(
      names.filter((name) => !['HOME', 'PATH', 'PWD', 'TMPDIR', 'NODE_CHANNEL_FD', 'NODE_CHANNEL_SERIALIZATION_MODE'].includes(name)),
      [],
    );
  } finally {
    delete process.env.DATABASE_URL;
  }
});

test('an evil plugin is refused every attempt, still completes, and nothing of it runs afterwards', { skip }, async () => {
  const marker = `polyrad-evil-${process.pid}-${Date.now()}`;
  const outsideDir = join(root, 'outside');
  mkdirSync(outsideDir, { mode: 0o777 });
  chmodSync(outsideDir, 0o777); // writable for anyone, so only the sandbox can stop the write
  process.env.DATABASE_URL = 'postgres://polyrad:secret@localhost/polyrad';
  let result;
  try {
    result = await executor.execute(
      job('evil', {
        limits: { timeoutMs: 60_000, memoryMb: 256 },
        config: { ...secrets, parentPid: process.pid, platformPort: (platform.address() as { port: number }).port, outsideDir, marker },
      }),
    );
  } finally {
    delete process.env.DATABASE_URL;
  }
  assert.equal(result.status, 'succeeded', result.reason);
  const outcomes = Object.fromEntries(EVIL_ATTEMPTS.map((attempt) => [attempt, String(finding(result, `evil.${attempt}`))]));
  for (const attempt of EVIL_ATTEMPTS) assert.match(outcomes[attempt], /^refused: /, `${attempt}: ${outcomes[attempt]}`);
  assert.equal(platformConnections, 0, 'no connection reached the platform port');
  assert.deepEqual(readdirSync(outsideDir), [], 'nothing was written outside the job folder');
  assert.deepEqual(await survivors(marker), [], 'no process the plugin started is left');
  assert.deepEqual(await survivors(workDir), [], 'no worker or sandbox process is left');
  assert.deepEqual(readdirSync(workDir), ['polyrad-job-other'], 'the job folder is removed, the other one untouched');
});

test('a sandboxed plugin that hangs is killed at its timeout with everything in its sandbox', { skip }, async () => {
  const marker = `polyrad-hang-${process.pid}-${Date.now()}`;
  const result = await executor.execute(
    job('evil', {
      limits: { timeoutMs: 8000, memoryMb: 256 },
      config: { ...secrets, parentPid: process.pid, platformPort: 1, outsideDir: root, marker, hang: true },
    }),
  );
  assert.equal(result.status, 'failed');
  assert.equal(result.reason, 'timed out after 8000 ms');
  assert.deepEqual(await survivors(workDir), [], 'no worker or sandbox process is left');
});

test('a sandboxed plugin that allocates past its memory cap is stopped', { skip }, async () => {
  const result = await executor.execute(job('memory-hog', { limits: { timeoutMs: 120_000, memoryMb: 150 } }));
  assert.equal(result.status, 'failed');
  assert.equal(result.reason, 'exceeded its memory limit of 150 MB');
  assert.deepEqual(await survivors(workDir), [], 'no worker or sandbox process is left');
});

test('without the sandbox a third-party plugin is refused unless an admin allowed it; bundled plugins still run', async () => {
  const off = new LocalProcessExecutor({ workDir, sandbox: { mode: 'off', allowUnsandboxed: false } });
  const allowed = new LocalProcessExecutor({ workDir, sandbox: { mode: 'off', allowUnsandboxed: true } });
  try {
    const refused = await off.execute(job('good'));
    assert.equal(refused.status, 'failed');
    assert.match(refused.reason ?? '', /^refused to run third-party plugin test\.good unsandboxed: the sandbox is off \(POLYRAD_SANDBOX=off\); an admin may allow it with POLYRAD_ALLOW_UNSANDBOXED=1$/);
    assert.equal((await allowed.execute(job('good'))).status, 'succeeded');
    // a bundled plugin on a tiny volume fails or finds nothing for its own reasons, but is not refused
    const [bundled] = bundledCatalog();
    const own = await off.execute({ ...job('good'), packageDir: bundled.packageDir, manifest: bundled.manifest });
    assert.doesNotMatch(own.reason ?? '', /refused/);
  } finally {
    await Promise.all([off.close(), allowed.close()]);
  }
});

test('the start-up statement says when third-party plugins are refused or run unsandboxed; a required sandbox that is missing stops the start', () => {
  const missing = { ...layers, bwrap: { ok: false as const, reason: 'bubblewrap (bwrap) is not installed' } };
  assert.equal(
    describeSandbox({ mode: 'auto', allowUnsandboxed: false }, missing),
    'plugin sandbox: unavailable (bubblewrap (bwrap) is not installed); bundled plugins run unsandboxed; third-party plugins are refused (set POLYRAD_ALLOW_UNSANDBOXED=1 to run them anyway)',
  );
  assert.match(describeSandbox({ mode: 'off', allowUnsandboxed: true }, layers), /^plugin sandbox: off .*third-party plugins run UNSANDBOXED/);
  assert.throws(() => sandboxAtStart({ mode: 'required', allowUnsandboxed: false }, missing), { code: 'SANDBOX_UNAVAILABLE', message: /REQUIRED but unavailable: bubblewrap \(bwrap\) is not installed; no plugin runs/ });
  assert.match(sandboxAtStart({ mode: 'auto', allowUnsandboxed: false }, missing), /^plugin sandbox: unavailable/);
});
