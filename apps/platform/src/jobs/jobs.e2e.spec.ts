import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import amqplib from 'amqplib';
import { writeCtSeries } from '@polyrad/dicom';
import { generateChestPhantom } from '@polyrad/phantom';
import type { Report } from '@polyrad/sdk';
import { ApiClient, createUser, signInAdmin, withTestAuth } from '../auth/auth.fixture.js';
import { loadConfig } from '../config/app-config.js';
import { stowInstances } from '../delivery/dicomweb-stow.destination.js';
import { createApp, type RunningApp } from '../main.js';
import { BrokerWorker } from '../pipeline/execution/broker/broker.worker.js';
import { LocalProcessExecutor } from '../pipeline/execution/local-process.executor.js';
import { assertTopology, ATTEMPT_HEADER, DEAD_AT_HEADER, queueNames, REASON_HEADER, type JobMessage } from '../pipeline/execution/broker/broker-topology.js';
import { createTestBroker, type TestBroker } from '../pipeline/execution/broker/test-broker.js';

/** Issue #19: the admin API over the broker's dead-letter queue, and who it refuses. */
const work = mkdtempSync(join(tmpdir(), 'polyrad-jobs-api-'));
// the sandboxed plugin workers mount the job store and plugin folders below it
chmodSync(work, 0o755);
let broker: TestBroker | undefined;
let running: RunningApp | undefined;
let local: RunningApp | undefined;
let admin: ApiClient;
const REASON = 'series.bin: array of 24 values does not match its geometry';

async function start(dir: string, env: Record<string, string>): Promise<RunningApp> {
  mkdirSync(join(work, dir, 'ui'), { recursive: true });
  return createApp(withTestAuth(loadConfig({ PORT: '0', DICOM_PORT: '0', POLYRAD_DATA_DIR: join(work, dir, 'data'), ...env })), { uiDir: join(work, dir, 'ui') });
}

/** Puts a job in the dead-letter queue as a worker does after its last attempt. */
async function deadLetter(jobId: string): Promise<void> {
  const connection = await amqplib.connect(broker!.settings.url);
  try {
    const channel = await connection.createConfirmChannel();
    await assertTopology(channel, broker!.settings);
    const message: JobMessage = { jobId, pluginId: 'polyrad.lung-nodules', pluginVersion: '0.1.0', seriesInstanceUid: '1.2.3' };
    channel.sendToQueue(queueNames(broker!.settings).dead, Buffer.from(JSON.stringify(message)), {
      persistent: true,
      headers: { [ATTEMPT_HEADER]: 3, [REASON_HEADER]: REASON, [DEAD_AT_HEADER]: '2026-12-07T21:00:00.000Z' },
    });
    await channel.waitForConfirms();
  } finally {
    await connection.close();
  }
}

async function queuedJobs(): Promise<number> {
  const connection = await amqplib.connect(broker!.settings.url);
  try {
    return (await (await connection.createChannel()).checkQueue(queueNames(broker!.settings).jobs)).messageCount;
  } finally {
    await connection.close();
  }
}

before(async () => {
  broker = await createTestBroker(join(work, 'store'));
  local = await start('local', {});
  if (!broker) return;
  const { settings } = broker;
  running = await start('broker', { POLYRAD_BROKER_URL: settings.url, POLYRAD_BROKER_QUEUE: settings.queue, POLYRAD_JOB_STORE: settings.storeDir, POLYRAD_BROKER_RETRY_S: '0.1', POLYRAD_QUIET_PERIOD_S: '1' });
  admin = await signInAdmin(running.url);
});

after(async () => {
  await running?.close();
  await local?.close();
  await broker?.remove();
  rmSync(work, { recursive: true, force: true });
});

describe('GET /api/jobs/dead and POST /api/jobs/dead/:jobId/retry', () => {
  it('lists a dead-lettered job with its reason, and requeues it on retry', async (t) => {
    if (!broker) return t.skip('no broker');
    const jobId = randomUUID();
    await deadLetter(jobId);
    const listed = await admin.get<unknown[]>('/api/jobs/dead');
    assert.equal(listed.status, 200);
    assert.deepEqual(listed.body, [{ jobId, pluginId: 'polyrad.lung-nodules', pluginVersion: '0.1.0', seriesInstanceUid: '1.2.3', reason: REASON, attempts: 3, deadAt: '2026-12-07T21:00:00.000Z' }]);
    assert.equal(await queuedJobs(), 0);
    const retried = await admin.post(`/api/jobs/dead/${jobId}/retry`);
    assert.deepEqual([retried.status, retried.body], [202, { jobId, requeued: true }]);
    assert.equal(await queuedJobs(), 1);
    assert.deepEqual((await admin.get('/api/jobs/dead')).body, []);
  });

  it('retrying a dead job of a stored study analyses the study again: its report is rebuilt with the plugin\'s result', { timeout: 240_000 }, async (t) => {
    if (!broker) return t.skip('no broker');
    // the lung mask only: a report with findings, quick to analyse twice
    for (const plugin of (await admin.get<Array<{ id: string }>>('/api/plugins')).body.filter((p) => p.id !== 'polyrad.lung-segmentation')) {
      assert.equal((await admin.post(`/api/sites/default/plugins/${plugin.id}/disable`)).status, 200);
    }
    const studyDir = join(work, 'study');
    const phantom = generateChestPhantom({ seed: 11, dimensions: [48, 48, 32], spacing: [6.5, 6.5, 8] });
    const studyUid = `2.25.${BigInt(`0x${randomUUID().replace(/-/g, '')}`)}`;
    await writeCtSeries(phantom.volume, studyDir, { PatientID: 'JOBS-E2E', StudyDate: '20261207', StudyInstanceUID: studyUid });
    const reportWhen = async (uid: string, done: (r: Report) => boolean): Promise<Report> => {
      for (let tries = 0; ; tries++) {
        const res = await admin.get<Report>(`/api/studies/${uid}/report`);
        if (res.status === 200 && done(res.body)) return res.body;
        if (tries > 400) throw new Error(`no such report of ${uid}: ${JSON.stringify(res.body).slice(0, 500)}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    };
    // a worker that looks for jobs in the wrong folder: every job it takes is dead-lettered after its attempts
    const lost = new BrokerWorker({ ...broker.settings, storeDir: join(work, 'elsewhere') }, { executor: new LocalProcessExecutor(), concurrency: 1, log: () => undefined });
    await lost.start();
    let healthy: BrokerWorker | undefined;
    try {
      await stowInstances({ url: `${running!.url}/dicomweb`, token: admin.session!.accessToken }, readdirSync(studyDir).map((f) => readFileSync(join(studyDir, f))));
      const lungs = (r: Report) => r.algorithms.find((a) => a.id === 'polyrad.lung-segmentation');
      const first = await reportWhen(studyUid, () => true);
      assert.equal(lungs(first)?.status, 'failed');
      assert.match(lungs(first)?.reason ?? '', /dead-lettered: .*ENOENT.* \(after 3 attempts\)/);
      await lost.stop();

      healthy = new BrokerWorker(broker.settings, { executor: new LocalProcessExecutor({ concurrency: 1 }), concurrency: 1, log: () => undefined });
      await healthy.start();
      const deadOfStudy = async () => (await admin.get<Array<{ jobId: string; seriesInstanceUid: string }>>('/api/jobs/dead')).body.filter((d) => d.seriesInstanceUid === first.series[0].seriesInstanceUid);
      const [dead] = await deadOfStudy();
      assert.ok(dead, 'the job is dead-lettered');
      const retried = await admin.post(`/api/jobs/dead/${dead.jobId}/retry`);
      assert.deepEqual([retried.status, retried.body], [202, { jobId: dead.jobId, requeued: true, studyInstanceUid: studyUid }]);
      assert.deepEqual(await deadOfStudy(), [], 'the study\'s dead jobs are gone: its analysis queued them afresh');
      const rebuilt = await reportWhen(studyUid, (r) => lungs(r)?.status === 'succeeded');
      assert.equal(lungs(rebuilt)?.reason, undefined);
      assert.notEqual(rebuilt.generatedAt, first.generatedAt, 'a new report, not the first one again');
      assert.deepEqual(readdirSync(broker.settings.storeDir), [], 'nothing of either analysis is left in the job store');
    } finally {
      await lost.stop().catch(() => undefined);
      await healthy?.stop();
    }
  });

  it('answers 404 for a job that is not dead-lettered and 400 for what is not a job id', async (t) => {
    if (!broker) return t.skip('no broker');
    const missing = await admin.post(`/api/jobs/dead/${randomUUID()}/retry`);
    assert.deepEqual([missing.status, (missing.body as { code: string }).code], [404, 'DEAD_JOB_NOT_FOUND']);
    const bad = await admin.post('/api/jobs/dead/..%2F..%2Fetc/retry');
    assert.deepEqual([bad.status, (bad.body as { code: string }).code], [400, 'JOB_ID_INVALID']);
  });

  it('refuses a caller without a token (401), a radiologist and an admin of one site (403)', async (t) => {
    if (!broker) return t.skip('no broker');
    const reader = await createUser(admin, { username: 'reader', role: 'radiologist', sites: ['default'] });
    const siteAdmin = await createUser(admin, { username: 'site-admin', role: 'admin', sites: ['default'] });
    for (const [method, path] of [['GET', '/api/jobs/dead'], ['POST', `/api/jobs/dead/${randomUUID()}/retry`]]) {
      assert.equal((await new ApiClient(running!.url).request(method, path)).status, 401, `${method} ${path}`);
      for (const who of [reader, siteAdmin]) {
        const res = await who.request<{ code: string }>(method, path);
        assert.deepEqual([res.status, res.body.code], [403, 'FORBIDDEN'], `${method} ${path} as ${who.session?.user.username}`);
      }
    }
  });

  it('answers 409 BROKER_NOT_CONFIGURED where plugins run locally', async () => {
    const localAdmin = await signInAdmin(local!.url);
    const res = await localAdmin.get<{ code: string; message: string }>('/api/jobs/dead');
    assert.deepEqual([res.status, res.body.code], [409, 'BROKER_NOT_CONFIGURED']);
    assert.match(res.body.message, /POLYRAD_BROKER_URL/);
  });
});
