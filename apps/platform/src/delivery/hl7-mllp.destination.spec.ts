import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Hl7Message } from '@medplum/core';
import { Hl7Server, type Hl7MessageEvent } from '@medplum/hl7';
import { reportDocument } from '../pipeline/report/report-document.js';
import { chestCtReport } from './delivery.fixture.js';
import { DeliveryError } from './delivery.errors.js';
import { buildOruMessage } from './hl7-oru.builder.js';
import { sendHl7 } from './hl7-mllp.destination.js';
import { sourceStudyFromReport } from './source-study.js';

/** An MLLP listener that keeps what it receives and acknowledges it, or refuses it when told to. */
const received: string[] = [];
let refuse = false;
let server: Hl7Server;
let port: number;

before(async () => {
  server = new Hl7Server((connection) => {
    connection.addEventListener('message', ({ message }: Hl7MessageEvent) => {
      received.push(message.toString());
      connection.send(message.buildAck(refuse ? { ackCode: 'AR' } : undefined));
    });
  });
  server.start(0);
  await new Promise((resolve) => server.server?.once('listening', resolve));
  port = (server.server?.address() as AddressInfo).port;
});
after(() => server.stop({ forceDrainTimeoutMs: 100 }));

function oru(): Hl7Message {
  const report = chestCtReport();
  return buildOruMessage(reportDocument(report), sourceStudyFromReport(report), Buffer.from('%PDF-1.3'));
}

test('the ORU reaches an MLLP listener byte for byte and is acknowledged', async () => {
  received.length = 0;
  refuse = false;
  await sendHl7({ host: '127.0.0.1', port }, oru());
  assert.deepEqual(received, [oru().toString()]);
});

test('a negative ACK is a rejection, a closed port unreachable', async () => {
  refuse = true;
  await assert.rejects(sendHl7({ host: '127.0.0.1', port }, oru()), (e: unknown) => e instanceof DeliveryError && e.code === 'DELIVERY_REJECTED' && /AR/.test(e.message));
  await assert.rejects(sendHl7({ host: '127.0.0.1', port: 1, timeoutMs: 2000 }, oru()), (e: unknown) => e instanceof DeliveryError && e.code === 'DELIVERY_UNREACHABLE');
});
