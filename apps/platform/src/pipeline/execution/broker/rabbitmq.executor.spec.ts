import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import amqplib from 'amqplib';
import type { SeriesInput, Volume, VolumeGeometry } from '@polyrad/sdk';
import { writeCtSeries } from '@polyrad/dicom';
import { StudyPipeline } from '../../study.pipeline.js';
import { LocalProcessExecutor } from '../local-process.executor.js';
import { fixturePackage } from '../fixtures/fixture-package.js';
import type { PluginJob } from '../plugin-executor.js';
import { ATTEMPT_HEADER, queueNames, type JobMessage } from './broker-topology.js';
import { DeadLetterQueue } from './dead-letter.queue.js';
import { JobStore } from './job.store.js';
import { RabbitMqExecutor } from './rabbitmq.executor.js';
import type { BrokerSettings } from '../../../config/app-config.js';
import { canStartOwnBroker, OwnBroker } from './own-broker.fixture.js';
import { createTestBroker, type TestBroker } from './test-broker.js';

/**
 * Issue #19 against the real RabbitMQ: `polyrad worker` processes take jobs from a queue of this run's own,
 * and the platform side (RabbitMqExecutor) gets their results back through the shared job store.
 */
const POLYRAD_BIN = fileURLToPath(new URL('../../../../bin/polyrad.js', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'polyrad-broker-spec-'));
chmodSync(root, 0o755);
const storeDir = join(root, 'store');
let broker: TestBroker | undefined;

const geometry: VolumeGeometry = { dimensions: [4, 3, 2], spacing: [1, 1, 1], origin: [0, 0, 0], direction: [[1, 0, 0], [0, 1, 0], [0, 0, 1]] };

function slowJob(offset: number, delayMs: number): PluginJob {
  const entry = fixturePackage(root, 'slow');
  const voxels = Int16Array.from({ length: 24 }, (_, n) => n + offset);
  const series: SeriesInput = { seriesInstanceUid: `1.2.3.${offset}`, modality: 'CT', volume: { geometry, voxels, unit: 'HU' }, fingerprint: { Modality: 'CT' } };
  return { packageDir: entry.packageDir, manifest: entry.manifest, series, artifacts: {}, config: { delayMs } };
}

/** sum of n + offset for n in 0..23 */
const expectedSum = (offset: number) => 276 + 24 * offset;

interface Worker {
  child: ChildProcess;
  lines: string[];
  /** resolves with the first line (seen or coming) matching; rejects if the worker exits first */
  waitFor(pattern: RegExp): Promise<string>;
}

const workers: Worker[] = [];

function startWorker(settings: BrokerSettings = broker!.settings): Worker {
  const child = spawn(process.execPath, [POLYRAD_BIN, 'worker', '--concurrency', '1'], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      POLYRAD_BROKER_URL: settings.url,
      POLYRAD_BROKER_QUEUE: settings.queue,
      POLYRAD_JOB_STORE: settings.storeDir,
      POLYRAD_BROKER_MAX_ATTEMPTS: String(settings.maxAttempts),
      POLYRAD_BROKER_RETRY_S: String(settings.retryDelayMs / 1000),
      // the fixtures are third-party code; the sandbox has specs of its own
      POLYRAD_SANDBOX: 'off',
      POLYRAD_ALLOW_UNSANDBOXED: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters: Array<{ pattern: RegExp; resolve: (line: string) => void; reject: (error: Error) => void }> = [];
  let partial = '';
  const take = (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      for (const waiter of waiters.filter((w) => w.pattern.test(line))) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  };
  child.stdout.setEncoding('utf8').on('data', take);
  child.stderr.setEncoding('utf8').on('data', take);
  child.on('exit', (code, signal) => waiters.splice(0).forEach((w) => w.reject(new Error(`worker exited (${signal ?? code}) before printing ${w.pattern}; it printed:\n${lines.join('\n')}`))));
  const worker: Worker = {
    child,
    lines,
    waitFor: (pattern) => {
      const seen = lines.find((line) => pattern.test(line));
      if (seen) return Promise.resolve(seen);
      if (child.exitCode !== null || child.signalCode !== null) return Promise.reject(new Error(`worker already exited; it printed:\n${lines.join('\n')}`));
      return new Promise((resolve, reject) => waiters.push({ pattern, resolve, reject }));
    },
  };
  workers.push(worker);
  return worker;
}

async function startWorkers(count: number, settings?: BrokerSettings): Promise<Worker[]> {
  const started = Array.from({ length: count }, () => startWorker(settings));
  await Promise.all(started.map((w) => w.waitFor(/taking jobs from/)));
  return started;
}

async function stopWorkers(): Promise<void> {
  await Promise.all(
    workers.splice(0).map(
      (w) =>
        new Promise<void>((resolve) => {
          if (w.child.exitCode !== null || w.child.signalCode !== null) return resolve();
          w.child.once('exit', () => resolve());
          w.child.kill('SIGTERM');
        }),
    ),
  );
}

const linesOf = (pool: Worker[], pattern: RegExp) => pool.flatMap((w) => w.lines.filter((line) => pattern.test(line)));

before(async () => {
  broker = await createTestBroker(storeDir);
});

after(async () => {
  await stopWorkers();
  await broker?.remove();
  rmSync(root, { recursive: true, force: true });
});

describe('plugin jobs through RabbitMQ', () => {
  it('three workers finish every job exactly once although one is SIGKILLed in the middle of a job', { timeout: 120_000 }, async (t) => {
    if (!broker) return t.skip('no broker');
    const pool = await startWorkers(3);
    const executor = new RabbitMqExecutor(broker.settings);
    try {
      const offsets = [0, 10, 20, 30, 40, 50];
      const runs = offsets.map((offset) => executor.execute(slowJob(offset, 1500)));
      // the first job any worker starts: that worker dies with it unacknowledged
      const victim = await Promise.race(pool.map((w) => w.waitFor(/started job /).then(() => w)));
      const jobId = /started job (\S+)/.exec(victim.lines.find((line) => /started job /.test(line))!)![1];
      victim.child.kill('SIGKILL');
      const results = await Promise.all(runs);
      assert.deepEqual(
        results.map((r) => [r.status, r.findings.find((f) => f.code === 'test.sum')?.value]),
        offsets.map((offset) => ['succeeded', expectedSum(offset)]),
        JSON.stringify(results.map((r) => r.reason)),
      );
      const survivors = pool.filter((w) => w !== victim);
      // the killed worker's job went to another worker, which ran and stored it
      assert.equal(linesOf(survivors, new RegExp(`started job ${jobId}`)).length, 1, survivors.map((w) => w.lines.join('\n')).join('\n--\n'));
      assert.equal(linesOf([victim], /stored job /).length, 0);
      // every job stored once, across all workers
      const stored = linesOf(pool, /stored job /).map((line) => /stored job (\S+):/.exec(line)![1]);
      assert.equal(stored.length, offsets.length, stored.join('\n'));
      assert.equal(new Set(stored).size, offsets.length);
      assert.ok(stored.includes(jobId));
      // the platform removed each job from the shared store once it had its result
      assert.deepEqual(readdirSync(storeDir), []);
    } finally {
      await executor.close();
      await stopWorkers();
    }
  });

  it('a study whose plugins chain on a mask gives the same report through two workers as with local worker processes', { timeout: 120_000 }, async (t) => {
    if (!broker) return t.skip('no broker');
    await startWorkers(2);
    const volume: Volume = {
      geometry: { dimensions: [8, 8, 6], spacing: [1, 1, 2], origin: [0, 0, 0], direction: [[1, 0, 0], [0, 1, 0], [0, 0, 1]] },
      voxels: Int16Array.from({ length: 8 * 8 * 6 }, (_, n) => (n % 97) * 25 - 1000),
      unit: 'HU',
    };
    const series = join(root, 'study');
    await writeCtSeries(volume, series, { PatientID: 'P-19', StudyDate: '20261207' });
    // good makes a mask from the volume; mask-consumer counts it: the mask goes worker -> store -> platform -> store -> worker
    const catalog = ['good', 'mask-consumer'].map((f) => fixturePackage(root, f));
    const viaBroker = await new StudyPipeline(() => new RabbitMqExecutor(broker!.settings)).analyze({ catalog, paths: [series] });
    const local = await new StudyPipeline(() => new LocalProcessExecutor({ sandbox: { mode: 'off', allowUnsandboxed: true } })).analyze({ catalog, paths: [series] });
    const summary = (r: typeof local) => ({ runs: r.report.algorithms.map((a) => [a.id, a.status]), findings: r.report.findings.map((f) => [f.code, f.value]) });
    assert.deepEqual(summary(viaBroker), summary(local));
    assert.deepEqual(summary(viaBroker).runs, [['test.good', 'succeeded'], ['test.mask-consumer', 'succeeded']]);
    const positive = volume.voxels.filter((v) => v > 0).length;
    assert.ok(viaBroker.report.findings.some((f) => f.code === 'test.labelled' && f.algorithm.id === 'test.mask-consumer' && f.value === positive));
    await stopWorkers();
  });

  it('a job delivered twice stores one result and runs once', { timeout: 60_000 }, async (t) => {
    if (!broker) return t.skip('no broker');
    const store = new JobStore(storeDir);
    const jobId = randomUUID();
    await store.putJob(jobId, slowJob(7, 10));
    const message: JobMessage = { jobId, pluginId: 'test.slow', pluginVersion: '1.0.0', seriesInstanceUid: '1.2.3.7' };
    const connection = await amqplib.connect(broker.settings.url);
    try {
      const channel = await connection.createConfirmChannel();
      // declared by the worker too; the same arguments make this a no-op
      const [pool] = [await startWorkers(1)];
      for (let n = 0; n < 2; n++) channel.sendToQueue(queueNames(broker.settings).jobs, Buffer.from(JSON.stringify(message)), { persistent: true, headers: { [ATTEMPT_HEADER]: 1 } });
      await channel.waitForConfirms();
      await pool[0].waitFor(new RegExp(`job ${jobId} \\(test.slow\\) already has a stored result`));
      assert.equal(linesOf(pool, new RegExp(`stored job ${jobId}`)).length, 1);
      assert.equal(linesOf(pool, new RegExp(`started job ${jobId}`)).length, 1);
      const result = await store.getResult(jobId);
      assert.equal(result.findings.find((f) => f.code === 'test.sum')?.value, expectedSum(7));
    } finally {
      await connection.close();
      await store.remove(jobId);
      await stopWorkers();
    }
  });

  it('a job no worker can read is dead-lettered with its reason after the configured attempts, and an admin can retry it', { timeout: 60_000 }, async (t) => {
    if (!broker) return t.skip('no broker');
    const pool = await startWorkers(2);
    const executor = new RabbitMqExecutor(broker.settings);
    const dead = new DeadLetterQueue(broker.settings);
    try {
      const job = slowJob(3, 10);
      // 24 voxels for a grid that says 4 x 3 x 3 = 36: the payload fails the worker's check every time
      const poison = { ...job, series: { ...job.series, volume: { ...job.series.volume, geometry: { ...geometry, dimensions: [4, 3, 3] as [number, number, number] } } } };
      const result = await executor.execute(poison);
      assert.equal(result.status, 'failed');
      assert.match(result.reason ?? '', /dead-lettered: series\.bin: array of 24 values does not match its geometry \(after 3 attempts\)/);
      const listed = await dead.list();
      assert.equal(listed.length, 1);
      const [entry] = listed;
      assert.equal(entry.pluginId, 'test.slow');
      assert.equal(entry.attempts, 3);
      assert.match(entry.reason, /does not match its geometry/);
      assert.equal(linesOf(pool, new RegExp(`started job ${entry.jobId}`)).length, 3);
      // listing left it in place
      assert.equal((await dead.list()).length, 1);

      // the admin repairs what was wrong (here: the payload) and retries; the job then runs and is stored once
      const jobFile = join(storeDir, entry.jobId!, 'job.json');
      const descriptor = JSON.parse(readFileSync(jobFile, 'utf8'));
      descriptor.series.volume.geometry.dimensions = [4, 3, 2];
      writeFileSync(jobFile, JSON.stringify(descriptor));
      assert.equal(await dead.retry(randomUUID()), false);
      assert.equal(await dead.retry(entry.jobId!), true);
      await Promise.race(pool.map((w) => w.waitFor(new RegExp(`stored job ${entry.jobId}: succeeded`))));
      const stored = await new JobStore(storeDir).getResult(entry.jobId!);
      assert.equal(stored.findings.find((f) => f.code === 'test.sum')?.value, expectedSum(3));
      assert.deepEqual(await dead.list(), []);
      await new JobStore(storeDir).remove(entry.jobId!);
    } finally {
      await executor.close();
      await stopWorkers();
    }
  });

  it('a broker restarted in the middle of a study: every job completes, each stored once', { timeout: 300_000, skip: !canStartOwnBroker() && 'rabbitmq-server is not installed' }, async () => {
    // a node of this test's own: the machine's broker is shared and must not be restarted
    const own = await OwnBroker.create(join(root, 'own-broker'));
    await own.start();
    const settings: BrokerSettings = { url: own.url, queue: 'polyrad.restart', storeDir, maxAttempts: 3, retryDelayMs: 100 };
    const executor = new RabbitMqExecutor(settings);
    try {
      const pool = await startWorkers(2, settings);
      const offsets = [100, 110, 120, 130, 140, 150];
      const runs = offsets.map((offset) => executor.execute(slowJob(offset, 1500)));
      await Promise.race(pool.map((w) => w.waitFor(/started job /)));
      await own.stop();
      await Promise.all(pool.map((w) => w.waitFor(/lost the broker/)));
      await own.start();
      const results = await Promise.all(runs);
      assert.deepEqual(
        results.map((r) => [r.status, r.findings.find((f) => f.code === 'test.sum')?.value]),
        offsets.map((offset) => ['succeeded', expectedSum(offset)]),
        JSON.stringify(results.map((r) => r.reason)),
      );
      // a job whose acknowledgement died with the broker is delivered again and finds its stored result
      const stored = linesOf(pool, /stored job /).map((line) => /stored job (\S+):/.exec(line)![1]);
      assert.equal(new Set(stored).size, offsets.length, pool.map((w) => w.lines.join('\n')).join('\n--\n'));
      assert.equal(stored.length, offsets.length, 'no job ran to a second stored result');
      assert.deepEqual(readdirSync(storeDir), []);
    } finally {
      await executor.close();
      await stopWorkers();
      await own.stop();
    }
  });

  it('fails the run with the reason, and leaves nothing in the store, when the broker does not answer', async () => {
    const unreachable = new RabbitMqExecutor({ url: 'amqp://guest:secret@127.0.0.1:1', queue: 'polyrad.unreachable', storeDir, maxAttempts: 3, retryDelayMs: 100 }, { connectTimeoutMs: 500 });
    try {
      const result = await unreachable.execute(slowJob(1, 10));
      assert.equal(result.status, 'failed');
      assert.equal(result.reason, 'could not queue the job: the broker at amqp://guest:***@127.0.0.1:1 did not answer within 0.5 s');
      assert.deepEqual(readdirSync(storeDir), []);
    } finally {
      await unreachable.close();
    }
  });
});
