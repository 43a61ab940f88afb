import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Hl7Server, type Hl7MessageEvent } from '@medplum/hl7';
import { ApiClient, createUser, signInAdmin, withTestAuth } from '../auth/auth.fixture.js';
import { loadConfig } from '../config/app-config.js';
import { createApp, type RunningApp } from '../main.js';
import type { AuditEntry } from '../registry/registry.types.js';
import { sampleReport, uniqueUid } from '../studies/report.fixture.js';
import { StudiesService } from '../studies/studies.service.js';
import type { StudyDelivery } from './delivery.repository.js';
import { deliveriesWhen } from './delivery-log.fixture.js';
import { DeliveryQueueService } from './delivery-queue.service.js';

/**
 * The delivery API against a running platform: who may configure a site's destinations and rules, read a
 * study's delivery log and re-send, and what a bad destination or rule is answered. The destination here
 * listens nowhere, so its delivery stays in the log as failed attempts.
 */
const work = mkdtempSync(join(tmpdir(), 'polyrad-delivery-routes-'));
after(() => rmSync(work, { recursive: true, force: true }));

type ErrorBody = { code: string; message: string };
const DESTINATIONS = '/api/sites/default/destinations';
const RULES = '/api/sites/default/delivery-rules';
const pacs = { id: 'pacs', kind: 'dicom-store', host: '127.0.0.1', port: 1, calledAeTitle: 'PACS' };

let running: RunningApp;
let root: ApiClient;
let admin: ApiClient;
let otherAdmin: ApiClient;
let reader: ApiClient;
let vendor: ApiClient;
const studyUid = uniqueUid();

before(async () => {
  const uiDir = join(work, 'ui');
  mkdirSync(uiDir);
  running = await createApp(
    withTestAuth(
      loadConfig({
        PORT: '0',
        DICOM_PORT: '0',
        POLYRAD_DATA_DIR: join(work, 'data'),
        POLYRAD_DELIVERY_ALLOWED_HOSTS: 'ehr.hospital.org,127.0.0.1:8042',
        // one attempt is enough here: the next is an hour away
        POLYRAD_DELIVERY_RETRY_S: '3600',
        POLYRAD_DELIVERY_RETRY_MAX_S: '3600',
      }),
    ),
    { uiDir },
  );
  root = await signInAdmin(running.url);
  admin = await createUser(root, { username: 'admin-default', role: 'admin', sites: ['default'] });
  otherAdmin = await createUser(root, { username: 'admin-b', role: 'admin', sites: ['site-b'] });
  reader = await createUser(root, { username: 'reader', role: 'radiologist', sites: ['default'] });
  vendor = await createUser(root, { username: 'acme-bot', role: 'vendor', vendorId: 'acme' });
});
after(async () => running?.close());

const expectCode = async (who: ApiClient, method: string, path: string, body: unknown, status: number, code: string): Promise<ErrorBody> => {
  const res = await who.request<ErrorBody>(method, path, body);
  assert.deepEqual([res.status, res.body?.code], [status, code], `${method} ${path}: ${JSON.stringify(res.body)}`);
  return res.body;
};

describe('destinations and rules of a site', () => {
  it('an admin of the site creates, reads, changes and deletes destinations; the changes are audited', async () => {
    const created = await admin.post(DESTINATIONS, pacs);
    assert.deepEqual([created.status, created.body], [201, pacs]);
    await expectCode(admin, 'POST', DESTINATIONS, pacs, 409, 'DELIVERY_DESTINATION_EXISTS');
    const ehr = await admin.post(DESTINATIONS, { id: 'ehr', kind: 'fhir', url: 'https://EHR.hospital.org/fhir/', token: 'secret-token' });
    assert.deepEqual([ehr.status, ehr.body], [201, { id: 'ehr', kind: 'fhir', url: 'https://ehr.hospital.org/fhir', tokenSet: true }], 'the token is never read back');
    const changed = await admin.put(`${DESTINATIONS}/ehr`, { kind: 'dicomweb', url: 'http://127.0.0.1:8042/dicom-web' });
    assert.deepEqual([changed.status, changed.body], [200, { id: 'ehr', kind: 'dicomweb', url: 'http://127.0.0.1:8042/dicom-web' }]);
    assert.deepEqual((await admin.get(`${DESTINATIONS}/ehr`)).body, changed.body);
    assert.deepEqual((await admin.get<Array<{ id: string }>>(DESTINATIONS)).body.map((d) => d.id), ['ehr', 'pacs']);
    assert.equal((await admin.request('DELETE', `${DESTINATIONS}/ehr`)).status, 204);
    await expectCode(admin, 'GET', `${DESTINATIONS}/ehr`, undefined, 404, 'DELIVERY_DESTINATION_NOT_FOUND');
    await expectCode(admin, 'DELETE', `${DESTINATIONS}/ehr`, undefined, 404, 'DELIVERY_DESTINATION_NOT_FOUND');
    const audit = await admin.get<AuditEntry[]>('/api/audit?site=default');
    assert.deepEqual(
      audit.body.filter((e) => e.action.startsWith('delivery.')).map((e) => [e.actor, e.action, e.subject]),
      [
        ['admin-default', 'delivery.destination.delete', 'default/ehr'],
        ['admin-default', 'delivery.destination.update', 'default/ehr'],
        ['admin-default', 'delivery.destination.create', 'default/ehr'],
        ['admin-default', 'delivery.destination.create', 'default/pacs'],
      ],
    );
  });

  it('refuses a destination that is not valid, or a URL outside POLYRAD_DELIVERY_ALLOWED_HOSTS, with the reason', async () => {
    const bad: Array<[unknown, number, string, RegExp]> = [
      [{ ...pacs, id: 'x', calledAeTitle: 'A\\B' }, 400, 'DELIVERY_DESTINATION_INVALID', /AE title/],
      [{ ...pacs, id: 'x', calledAeTitle: 'SEVENTEEN-CHARSXX' }, 400, 'DELIVERY_DESTINATION_INVALID', /AE title/],
      [{ ...pacs, id: 'x', port: 70000 }, 400, 'DELIVERY_DESTINATION_INVALID', /port/],
      [{ ...pacs, id: 'x', host: 'pacs;rm -rf' }, 400, 'DELIVERY_DESTINATION_INVALID', /host/],
      [{ id: 'x', kind: 'hl7-mllp', host: 'ris', port: '2575' }, 400, 'DELIVERY_DESTINATION_INVALID', /port/],
      [{ id: 'x', kind: 'ftp', host: 'ris', port: 21 }, 400, 'DELIVERY_DESTINATION_INVALID', /kind/],
      [{ id: '../x', kind: 'hl7-mllp', host: 'ris', port: 2575 }, 400, 'DELIVERY_DESTINATION_INVALID', /destination id/],
      [{ id: 'x', kind: 'hl7-mllp', host: 'ris', port: 2575, url: 'http://ris' }, 400, 'DELIVERY_DESTINATION_INVALID', /not url/],
      [{ id: 'x', kind: 'fhir', url: 'http://169.254.169.254/latest' }, 422, 'DELIVERY_HOST_NOT_ALLOWED', /POLYRAD_DELIVERY_ALLOWED_HOSTS/],
      [{ id: 'x', kind: 'dicomweb', url: 'http://127.0.0.1:9999/dicom-web' }, 422, 'DELIVERY_HOST_NOT_ALLOWED', /127\.0\.0\.1:9999/],
      [{ id: 'x', kind: 'fhir', url: 'https://user:pw@ehr.hospital.org/fhir' }, 400, 'DELIVERY_DESTINATION_INVALID', /credentials/],
      [{ id: 'x', kind: 'fhir', url: 'file:///etc/passwd' }, 400, 'DELIVERY_DESTINATION_INVALID', /http/],
    ];
    for (const [body, status, code, reason] of bad) assert.match((await expectCode(admin, 'POST', DESTINATIONS, body, status, code)).message, reason);
    assert.deepEqual((await admin.get<Array<{ id: string }>>(DESTINATIONS)).body.map((d) => d.id), ['pacs'], 'nothing refused was stored');
  });

  it('rules name destinations of the site and outputs their protocol carries; a destination in use cannot be deleted', async () => {
    await expectCode(admin, 'PUT', RULES, { rules: [{ destination: 'archive', outputs: ['sr'] }] }, 400, 'DELIVERY_ROUTING_INVALID');
    await expectCode(admin, 'PUT', RULES, { rules: [{ destination: 'pacs', outputs: ['fhir'] }] }, 400, 'DELIVERY_ROUTING_INVALID');
    await expectCode(admin, 'PUT', RULES, { rules: [{ destination: 'pacs', outputs: ['sr'], priorities: ['soon'] }] }, 400, 'DELIVERY_ROUTING_INVALID');
    await expectCode(admin, 'PUT', RULES, { rules: [{ destination: 'pacs' }] }, 400, 'DELIVERY_ROUTING_INVALID');
    const rules = [{ destination: 'pacs', outputs: ['sr'], modalities: ['CT'] }];
    const saved = await admin.put(RULES, { rules });
    assert.deepEqual([saved.status, saved.body], [200, rules]);
    assert.deepEqual((await admin.get(RULES)).body, rules);
    await expectCode(admin, 'DELETE', `${DESTINATIONS}/pacs`, undefined, 409, 'DELIVERY_DESTINATION_IN_USE');
    await expectCode(admin, 'PUT', `${DESTINATIONS}/pacs`, { kind: 'hl7-mllp', host: 'ris', port: 2575 }, 400, 'DELIVERY_ROUTING_INVALID');
  });

  it('refuses callers without a token (401), radiologists, vendors and admins of other sites (403)', async () => {
    const routes: Array<[string, string, unknown?]> = [
      ['GET', DESTINATIONS],
      ['POST', DESTINATIONS, { ...pacs, id: 'evil' }],
      ['GET', `${DESTINATIONS}/pacs`],
      ['PUT', `${DESTINATIONS}/pacs`, pacs],
      ['DELETE', `${DESTINATIONS}/pacs`],
      ['GET', RULES],
      ['PUT', RULES, { rules: [] }],
    ];
    for (const [method, path, body] of routes) {
      await expectCode(new ApiClient(running.url), method, path, body, 401, 'UNAUTHENTICATED');
      for (const who of [reader, vendor, otherAdmin]) await expectCode(who, method, path, body, 403, 'FORBIDDEN');
    }
    assert.deepEqual((await admin.get(RULES)).body, [{ destination: 'pacs', outputs: ['sr'], modalities: ['CT'] }], 'nothing refused changed');
  });
});

describe('a study\'s delivery log and re-send', () => {
  before(async () => {
    const report = sampleReport(studyUid);
    const stored = await running.app.get(StudiesService).storeReport(report);
    await running.app.get(DeliveryQueueService).enqueue(report, stored, 'default', []);
  });

  it('admins and radiologists of the site read every attempt; an admin re-sends', async () => {
    const [failed] = await deliveriesWhen(admin, studyUid, (d) => d[0]?.log.length === 1);
    assert.deepEqual([failed.destination, failed.kind, failed.outputs, failed.reportVersion, failed.status, failed.attempts], ['pacs', 'dicom-store', ['sr'], 1, 'pending', 1]);
    assert.equal(failed.log[0].outcome, 'failed');
    assert.equal(failed.log[0].code, 'DELIVERY_UNREACHABLE');
    assert.equal(failed.log[0].retryInMs, 3_600_000);
    const read = await reader.get<StudyDelivery[]>(`/api/studies/${studyUid}/deliveries`);
    assert.deepEqual([read.status, read.body.map((d) => d.id)], [200, [failed.id]]);

    const resent = await admin.post<StudyDelivery>(`/api/studies/${studyUid}/deliveries/${failed.id}/resend`);
    assert.deepEqual([resent.status, resent.body.status], [202, 'pending']);
    // sent again at once rather than in an hour, and logged again
    const [again] = await deliveriesWhen(admin, studyUid, (d) => d[0]?.log.length === 2);
    assert.deepEqual([again.status, again.attempts, again.log[1].code], ['pending', 1, 'DELIVERY_UNREACHABLE']);
  });

  it('answers an unknown study or delivery with 404, a malformed UID with 400', async () => {
    await expectCode(admin, 'GET', `/api/studies/${uniqueUid()}/deliveries`, undefined, 404, 'STUDY_NOT_FOUND');
    await expectCode(admin, 'GET', '/api/studies/not-a-uid/deliveries', undefined, 400, 'INVALID_STUDY_UID');
    await expectCode(admin, 'POST', `/api/studies/${studyUid}/deliveries/999999/resend`, undefined, 404, 'DELIVERY_NOT_FOUND');
    await expectCode(admin, 'POST', `/api/studies/${studyUid}/deliveries/x/resend`, undefined, 404, 'DELIVERY_NOT_FOUND');
  });

  it('refuses callers without a token (401); vendors and other sites may not read, only admins re-send (403)', async () => {
    const [delivery] = (await admin.get<StudyDelivery[]>(`/api/studies/${studyUid}/deliveries`)).body;
    const log = `/api/studies/${studyUid}/deliveries`;
    const resend = `${log}/${delivery.id}/resend`;
    const anonymous = new ApiClient(running.url);
    await expectCode(anonymous, 'GET', log, undefined, 401, 'UNAUTHENTICATED');
    await expectCode(anonymous, 'POST', resend, undefined, 401, 'UNAUTHENTICATED');
    for (const who of [vendor, otherAdmin]) await expectCode(who, 'GET', log, undefined, 403, 'FORBIDDEN');
    for (const who of [reader, vendor, otherAdmin]) await expectCode(who, 'POST', resend, undefined, 403, 'FORBIDDEN');
  });
});

describe('another protocol, another site', () => {
  const received: string[] = [];
  const ris = new Hl7Server((connection) => {
    connection.addEventListener('message', ({ message }: Hl7MessageEvent) => {
      received.push(message.toString());
      connection.send(message.buildAck());
    });
  });
  before(async () => {
    ris.start(0);
    await new Promise((resolve) => ris.server?.once('listening', resolve));
  });
  after(async () => ris.stop({ forceDrainTimeoutMs: 100 }));

  it('a RIS over MLLP receives the ORU of a report stored for its site, and the log says so', async () => {
    const port = (ris.server?.address() as AddressInfo).port;
    assert.equal((await root.post('/api/sites/site-b/destinations', { id: 'ris', kind: 'hl7-mllp', host: '127.0.0.1', port })).status, 201);
    assert.equal((await root.put('/api/sites/site-b/delivery-rules', { rules: [{ destination: 'ris', outputs: ['hl7'], statuses: ['draft'] }] })).status, 200);
    const uid = uniqueUid();
    const report = sampleReport(uid);
    const stored = await running.app.get(StudiesService).storeReport(report);
    await running.app.get(DeliveryQueueService).enqueue(report, stored, 'site-b', []);
    const [delivered] = await deliveriesWhen(root, uid, (d) => d[0]?.status === 'delivered');
    assert.deepEqual([delivered.site, delivered.destination, delivered.kind, delivered.outputs], ['site-b', 'ris', 'hl7-mllp', ['hl7']]);
    assert.equal(received.length, 1);
    assert.match(received[0], /^MSH\|.*\|ORU\^R01/);
    // the admin of the default site does not see site-b's deliveries
    await expectCode(admin, 'GET', `/api/studies/${uid}/deliveries`, undefined, 403, 'FORBIDDEN');
  });
});
