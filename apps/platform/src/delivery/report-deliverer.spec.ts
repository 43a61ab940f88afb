import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { Hl7Server, type Hl7MessageEvent } from '@medplum/hl7';
import { chestCtReport } from './delivery.fixture.js';
import { deliveryIdentifiers } from './delivery-identifiers.js';
import type { Destination, RoutingRule } from './delivery-routing.js';
import { startFhirServer, type FhirTestServer } from './fhir-server.fixture.js';
import { startOrthanc, type OrthancPeer } from './orthanc-peer.fixture.js';
import { deliverReport } from './report-deliverer.js';
import { renderReport } from './report-renderer.js';
import { sourceStudyFromReport } from './source-study.js';
import { skipWithout } from './validator-tools.fixture.js';

const skip = skipWithout('Orthanc');
let orthanc: OrthancPeer | undefined;
let fhir: FhirTestServer;
let ris: Hl7Server;
const risReceived: string[] = [];

before(async () => {
  if (skip) return;
  orthanc = await startOrthanc();
  fhir = await startFhirServer();
  ris = new Hl7Server((connection) => {
    connection.addEventListener('message', ({ message }: Hl7MessageEvent) => {
      risReceived.push(message.toString());
      connection.send(message.buildAck());
    });
  });
  ris.start(0);
  await new Promise((resolve) => ris.server?.once('listening', resolve));
});
after(async () => {
  await orthanc?.stop();
  await fhir?.stop();
  await ris?.stop({ forceDrainTimeoutMs: 100 });
});

test('an urgent chest CT reaches the PACS, the RIS and the EHR by its rules; a destination that is down delays no one', { skip }, async () => {
  assert.ok(orthanc);
  const report = chestCtReport();
  const rendered = await renderReport(report, sourceStudyFromReport(report));
  const destinations: Destination[] = [
    { id: 'pacs', kind: 'dicom-store', host: '127.0.0.1', port: orthanc.dicomPort, calledAeTitle: orthanc.aeTitle },
    { id: 'pacs-web', kind: 'dicomweb', url: orthanc.dicomWebUrl },
    { id: 'ris', kind: 'hl7-mllp', host: '127.0.0.1', port: (ris.server?.address() as AddressInfo).port },
    { id: 'ehr', kind: 'fhir', url: fhir.url },
    { id: 'archive-down', kind: 'dicom-store', host: '127.0.0.1', port: 1, calledAeTitle: 'ARCHIVE' },
  ];
  const rules: RoutingRule[] = [
    { destination: 'pacs', outputs: ['sr'], modalities: ['CT'] },
    { destination: 'pacs-web', outputs: ['sr'], modalities: ['MR'] },
    { destination: 'ris', outputs: ['hl7'] },
    { destination: 'ehr', outputs: ['fhir'], priorities: ['urgent'] },
    { destination: 'archive-down', outputs: ['sr'] },
  ];
  const log = await deliverReport(rendered, destinations, rules, { policy: { attempts: 2, initialDelayMs: 1, maxDelayMs: 1 }, wait: async () => undefined });
  assert.deepEqual(log.map((e) => [e.destination, e.delivered, e.attempts.length]), [['pacs', true, 1], ['ris', true, 1], ['ehr', true, 1], ['archive-down', false, 2]]);
  assert.equal(log[3].attempts[0].code, 'DELIVERY_UNREACHABLE');
  const srUid = deliveryIdentifiers(report).srSopInstanceUid;
  const [instance] = await orthanc.get<string[]>('/instances');
  assert.equal((await orthanc.get<Record<string, string>>(`/instances/${instance}/simplified-tags`)).SOPInstanceUID, srUid);
  assert.deepEqual(risReceived, [rendered.hl7.toString()]);
  const found = (await (await fetch(`${fhir.url}/DiagnosticReport?identifier=${encodeURIComponent(`urn:dicom:uid|urn:oid:${srUid}`)}`)).json()) as { entry?: unknown[] };
  assert.equal(found.entry?.length, 1);
});
