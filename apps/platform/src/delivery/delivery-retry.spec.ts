import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { reportDocument } from '../pipeline/report/report-document.js';
import { chestCtReport } from './delivery.fixture.js';
import { deliveryIdentifiers } from './delivery-identifiers.js';
import { DeliveryError } from './delivery.errors.js';
import { backoffDelay, deliverWithRetry, failedAttempt } from './delivery-retry.js';
import { storeInstance } from './dicom-store.destination.js';
import { startOrthanc, type OrthancPeer } from './orthanc-peer.fixture.js';
import { sourceStudyFromReport } from './source-study.js';
import { writeReportSr } from './sr-report.writer.js';
import { skipWithout } from './validator-tools.fixture.js';

const policy = { attempts: 6, initialDelayMs: 100, maxDelayMs: 800 };
const down = () => Promise.reject(new DeliveryError('DELIVERY_UNREACHABLE', 'connection refused', 'PACS@host:104'));

test('waits grow exponentially up to the cap, and the log keeps every attempt', async () => {
  const waits: number[] = [];
  const result = await deliverWithRetry(down, policy, async (ms) => waits.push(ms));
  assert.equal(result.delivered, false);
  assert.deepEqual(waits, [100, 200, 400, 800, 800]);
  assert.deepEqual(result.attempts.map((a) => [a.attempt, a.outcome, a.code, a.retryInMs]), [
    [1, 'failed', 'DELIVERY_UNREACHABLE', 100], [2, 'failed', 'DELIVERY_UNREACHABLE', 200], [3, 'failed', 'DELIVERY_UNREACHABLE', 400],
    [4, 'failed', 'DELIVERY_UNREACHABLE', 800], [5, 'failed', 'DELIVERY_UNREACHABLE', 800], [6, 'failed', 'DELIVERY_UNREACHABLE', undefined],
  ]);
  assert.equal(backoffDelay({ ...policy, factor: 3 }, 3), 800);
});

test('the background worker\'s step after a failed attempt: wait and retry, or give up on the last attempt and on final codes', () => {
  const unreachable = new DeliveryError('DELIVERY_UNREACHABLE', 'connection refused', 'PACS@host:104');
  assert.deepEqual(failedAttempt(unreachable, 3, policy), { code: 'DELIVERY_UNREACHABLE', message: 'connection refused', retryInMs: 400 });
  assert.deepEqual(failedAttempt(unreachable, 6, policy), { code: 'DELIVERY_UNREACHABLE', message: 'connection refused' });
  assert.equal(failedAttempt(new DeliveryError('DELIVERY_REJECTED', 'status 0xa700', 'PACS@host:104'), 1, policy).retryInMs, undefined);
  assert.equal(failedAttempt(unreachable, 1, policy, ['DELIVERY_UNREACHABLE']).retryInMs, undefined);
  assert.deepEqual(failedAttempt(new TypeError('boom'), 1, policy), { code: 'DELIVERY_FAILED', message: 'boom', retryInMs: 100 });
});

test('a refusal is not retried: the same content would be refused again', async () => {
  const waits: number[] = [];
  const result = await deliverWithRetry(() => Promise.reject(new DeliveryError('DELIVERY_REJECTED', 'AE title unknown', 'PACS@host:104')), policy, async (ms) => waits.push(ms));
  assert.equal(result.attempts.length, 1);
  assert.deepEqual(waits, []);
});

/** A port nothing listens on (yet). */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

test('a PACS that is down gets the SR once it is back', { skip: skipWithout('Orthanc') }, async () => {
  const report = chestCtReport();
  const sr = writeReportSr(reportDocument(report), sourceStudyFromReport(report));
  const port = await closedPort();
  let orthanc: OrthancPeer | undefined;
  try {
    // the PACS comes up during the second wait
    let waits = 0;
    const result = await deliverWithRetry(() => storeInstance({ host: '127.0.0.1', port, calledAeTitle: 'ORTHANC', timeoutMs: 3000 }, sr), policy, async () => {
      if (++waits === 2) orthanc = await startOrthanc({ dicomPort: port });
    });
    assert.equal(result.delivered, true, JSON.stringify(result.attempts));
    assert.deepEqual(result.attempts.map((a) => a.outcome), ['failed', 'failed', 'delivered']);
    assert.ok(orthanc);
    const instances = await orthanc.get<string[]>('/instances');
    assert.equal((await orthanc.get<Record<string, string>>(`/instances/${instances[0]}/simplified-tags`)).SOPInstanceUID, deliveryIdentifiers(report).srSopInstanceUid);
  } finally {
    await orthanc?.stop();
  }
});
