import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { reportSchemaErrors, type Report } from '@polyrad/sdk';
import { ApiClient, createUser, signInAdmin, withTestAuth } from '../../auth/auth.fixture.js';
import { createApp, type RunningApp } from '../../main.js';
import { generateVendorKeys } from '../../plugins/plugin-package.js';
import { sampleReport, uniqueUid } from '../report.fixture.js';
import { StudiesService } from '../studies.service.js';
import type { PluginVersionMetrics } from './feedback-metrics.js';
import type { FeedbackView } from './feedback.repository.js';

/** A report with three findings of two plugins: lung.laa950 (emphysema), lung.nodule and aorta.ascending.diameter. */
function readingReport(uid: string): Report {
  const base = sampleReport(uid);
  const series = base.findings[0]!.seriesInstanceUid;
  return {
    ...base,
    algorithms: [...base.algorithms, { id: 'polyrad.nodules', version: '2.1.0', status: 'succeeded' }, { id: 'polyrad.aorta', version: '1.0.0', status: 'succeeded' }],
    findings: [
      ...base.findings,
      { code: 'lung.nodule', assessment: 'measured', value: 7.5, unit: 'mm', lungrads: '3', algorithm: { id: 'polyrad.nodules', version: '2.1.0' }, seriesInstanceUid: series },
      { code: 'aorta.ascending.diameter', assessment: 'measured', value: 41, unit: 'mm', category: 'normal', algorithm: { id: 'polyrad.aorta', version: '1.0.0' }, seriesInstanceUid: series },
    ],
  };
}

describe('reading: corrections, sign-off and feedback metrics', () => {
  const root = mkdtempSync(join(tmpdir(), 'polyrad-feedback-'));
  let running: RunningApp;
  let admin: ApiClient;
  let reader: ApiClient;
  let vendor: ApiClient;
  let elsewhere: ApiClient;
  const uid = uniqueUid();
  const report = (path = '') => `/api/studies/${uid}/report${path}`;

  before(async () => {
    running = await createApp(withTestAuth({ port: 0, dicomPort: 0, quietPeriodMs: 1000, dataDir: join(root, 'data') }));
    admin = await signInAdmin(running.url);
    reader = await createUser(admin, { username: 'dr.reader', role: 'radiologist', sites: ['default'] });
    elsewhere = await createUser(admin, { username: 'dr.north', role: 'radiologist', sites: ['north'] });
    assert.equal((await admin.post('/api/vendors', { id: 'acme', name: 'ACME', publicKeyPem: generateVendorKeys().publicKeyPem })).status, 201);
    vendor = await createUser(admin, { username: 'acme-bot', role: 'vendor', vendorId: 'acme' });
    await running.app.get(StudiesService).storeReport(readingReport(uid));
  });
  after(async () => {
    await running?.close();
    rmSync(root, { recursive: true, force: true });
  });

  const changes: Array<[string, string, unknown]> = [
    ['POST', '/findings/0/accept', { code: 'lung.laa950' }],
    ['POST', '/findings/0/reject', { code: 'lung.laa950', reason: 'false-positive' }],
    ['POST', '/findings/0/edit', { code: 'lung.laa950', value: 8 }],
    ['POST', '/findings', { code: 'lung.nodule', value: 5, unit: 'mm' }],
    ['PUT', '/impression', { text: 'x' }],
    ['POST', '/sign', undefined],
  ];

  it('refuses every correction and the sign-off without a token (401), to vendors, admins and radiologists of another site (403)', async () => {
    const anonymous = new ApiClient(running.url);
    for (const [method, path, body] of changes) {
      assert.equal((await anonymous.request(method, report(path), body)).status, 401, `${method} ${path} without a token`);
      for (const [who, client] of [['vendor', vendor], ['admin', admin], ['radiologist of north', elsewhere]] as const) {
        const answer = await client.request<{ code: string }>(method, report(path), body);
        assert.equal(answer.status, 403, `${method} ${path} as ${who}`);
        assert.equal(answer.body.code, 'FORBIDDEN');
      }
    }
    assert.equal((await anonymous.get(report('/feedback'))).status, 401);
    assert.equal((await vendor.get(report('/feedback'))).status, 403);
    assert.equal((await elsewhere.get(report('/feedback'))).status, 403);
    assert.equal((await anonymous.get('/api/metrics/plugins')).status, 401);
    assert.equal((await reader.get('/api/metrics/plugins')).status, 403);
    assert.equal((await vendor.get('/api/metrics/plugins')).status, 403);
    assert.deepEqual((await reader.get<FeedbackView[]>(report('/feedback'))).body, [], 'nothing refused was stored');
  });

  it('refuses a correction of another finding than the one named, an unknown reason and a text for a number', async () => {
    const mismatch = await reader.post<{ code: string }>(report('/findings/1/accept'), { code: 'lung.laa950' });
    assert.deepEqual([mismatch.status, mismatch.body.code], [409, 'FINDING_MISMATCH']);
    const reason = await reader.post<{ code: string; message: string }>(report('/findings/0/reject'), { code: 'lung.laa950', reason: 'dislike' });
    assert.deepEqual([reason.status, reason.body.code], [400, 'FEEDBACK_INVALID']);
    assert.match(reason.body.message, /false-positive/);
    const text = await reader.post<{ code: string }>(report('/findings/1/edit'), { code: 'lung.nodule', value: 'big' });
    assert.deepEqual([text.status, text.body.code], [400, 'FEEDBACK_INVALID']);
    const missing = await reader.post<{ code: string }>(report('/findings/9/accept'), { code: 'lung.nodule' });
    assert.deepEqual([missing.status, missing.body.code], [404, 'FINDING_NOT_FOUND']);
    assert.equal((await reader.post(`/api/studies/${uniqueUid()}/report/sign`)).status, 404);
    const decision = await reader.post<{ code: string }>(report('/findings/0/approve'), { code: 'lung.laa950' });
    assert.deepEqual([decision.status, decision.body.code], [404, 'FEEDBACK_DECISION_NOT_FOUND']);
  });

  it('stores each reader action as feedback and serves the corrected report, the algorithm values kept beside', async () => {
    assert.equal((await reader.post(report('/findings/0/reject'), { code: 'lung.laa950', reason: 'poor-image-quality', note: 'motion' })).status, 200);
    // the reader changes their mind: the latest decision is the one that counts
    assert.equal((await reader.post(report('/findings/0/accept'), { code: 'lung.laa950' })).status, 200);
    assert.equal((await reader.post(report('/findings/1/reject'), { code: 'lung.nodule', reason: 'false-positive', note: 'vessel' })).status, 200);
    assert.equal((await reader.post(report('/findings/2/edit'), { code: 'aorta.ascending.diameter', value: 44.5, category: 'dilated' })).status, 200);
    assert.equal((await reader.post(report('/findings'), { code: 'lung.nodule', value: 6, unit: 'mm', note: 'right lower lobe' })).status, 201);
    assert.equal((await reader.put(report('/impression'), { text: 'Dilated ascending aorta (44.5 mm).' })).status, 200);

    const corrected = (await reader.get<Report>(report())).body;
    assert.deepEqual(reportSchemaErrors(corrected), []);
    assert.equal(corrected.status, 'draft');
    assert.deepEqual(corrected.findings.map((f) => [f.code, f.value, f.review?.action, f.review?.reader]), [
      ['lung.laa950', 7.25, 'accepted', 'dr.reader'],
      ['lung.nodule', 7.5, 'rejected', 'dr.reader'],
      ['aorta.ascending.diameter', 41, 'edited', 'dr.reader'],
    ]);
    assert.deepEqual([corrected.findings[2]!.category, corrected.findings[2]!.review?.value, corrected.findings[2]!.review?.category], ['normal', 44.5, 'dilated']);
    assert.equal(corrected.findings[1]!.review?.reason, 'false-positive');
    assert.deepEqual(corrected.readerFindings?.map((f) => [f.code, f.value, f.unit, f.note]), [['lung.nodule', 6, 'mm', 'right lower lobe']]);
    assert.equal(corrected.impression, 'No acute findings.', 'the draft impression is kept');
    assert.equal(corrected.readerImpression, 'Dilated ascending aorta (44.5 mm).');

    const feedback = (await admin.get<FeedbackView[]>(report('/feedback'))).body;
    assert.deepEqual(
      feedback.map((f) => [f.action, f.findingIndex, f.findingCode, f.pluginId, f.pluginVersion, f.site, f.reader, f.oldValue, f.newValue, f.reason]),
      [
        ['reject', 0, 'lung.laa950', 'polyrad.emphysema', '1.0.0', 'default', 'dr.reader', 7.25, null, 'poor-image-quality'],
        ['accept', 0, 'lung.laa950', 'polyrad.emphysema', '1.0.0', 'default', 'dr.reader', 7.25, null, null],
        ['reject', 1, 'lung.nodule', 'polyrad.nodules', '2.1.0', 'default', 'dr.reader', 7.5, null, 'false-positive'],
        ['edit', 2, 'aorta.ascending.diameter', 'polyrad.aorta', '1.0.0', 'default', 'dr.reader', 41, 44.5, null],
        ['add', null, 'lung.nodule', 'polyrad.nodules', '2.1.0', 'default', 'dr.reader', null, 6, null],
        ['impression', null, null, null, null, 'default', 'dr.reader', 'No acute findings.', 'Dilated ascending aorta (44.5 mm).', null],
      ],
    );
    assert.deepEqual([feedback[3]!.oldCategory, feedback[3]!.newCategory], ['normal', 'dilated']);
    assert.ok(feedback.every((f) => !Number.isNaN(Date.parse(f.at))));
  });

  it('computes acceptance, rejection reasons, edit size and missed findings per plugin version and site', async () => {
    const metrics = (await admin.get<PluginVersionMetrics[]>('/api/metrics/plugins')).body;
    const of = (id: string) => metrics.find((m) => m.pluginId === id);
    assert.deepEqual(metrics.map((m) => `${m.pluginId}@${m.pluginVersion}/${m.site}`), ['polyrad.aorta@1.0.0/default', 'polyrad.emphysema@1.0.0/default', 'polyrad.nodules@2.1.0/default']);
    assert.deepEqual([of('polyrad.emphysema')!.reviewed, of('polyrad.emphysema')!.acceptanceRate, of('polyrad.emphysema')!.rejectionReasons], [1, 1, {}]);
    assert.deepEqual([of('polyrad.nodules')!.acceptanceRate, of('polyrad.nodules')!.rejectionReasons, of('polyrad.nodules')!.missedFindingsAdded], [0, { 'false-positive': 1 }, 1]);
    const aorta = of('polyrad.aorta')!;
    assert.deepEqual([aorta.edited, aorta.valueEdits, aorta.meanEditSize, aorta.p95EditSize, aorta.categoryChanges, aorta.acceptanceRate], [1, 1, 3.5, 3.5, 1, 0]);
    const northAdmin = await createUser(admin, { username: 'north-admin', role: 'admin', sites: ['north'] });
    assert.deepEqual((await northAdmin.get('/api/metrics/plugins')).body, [], "another site's admin sees none of default's feedback");
  });

  it('signs the report once (409 again); a correction after it is an amendment, stored as feedback', async () => {
    const signed = await reader.post<Report>(report('/sign'));
    assert.equal(signed.status, 200);
    const stored = (await reader.get<Report>(report())).body;
    assert.deepEqual(reportSchemaErrors(stored), []);
    assert.deepEqual([stored.status, stored.signedBy, stored.amendments], ['signed', 'dr.reader', undefined]);
    assert.ok(!Number.isNaN(Date.parse(stored.signedAt!)), 'signedAt is a time');
    assert.equal(stored.readerImpression, 'Dilated ascending aorta (44.5 mm).');
    const again = await reader.post<{ code: string }>(report('/sign'));
    assert.deepEqual([again.status, again.body.code], [409, 'REPORT_ALREADY_SIGNED']);

    const amended = await reader.post<Report>(report('/findings/1/edit'), { code: 'lung.nodule', value: 8 });
    assert.equal(amended.status, 200, JSON.stringify(amended.body));
    const after = (await reader.get<Report>(report())).body;
    assert.deepEqual(reportSchemaErrors(after), []);
    assert.deepEqual([after.status, after.signedBy, after.signedAt, after.amendments?.map((a) => a.reader)], ['signed', 'dr.reader', stored.signedAt, ['dr.reader']]);
    assert.equal(after.findings[1]!.review?.value, 8);
    const feedback = (await reader.get<FeedbackView[]>(report('/feedback'))).body;
    assert.deepEqual([feedback.length, feedback.at(-1)!.action, feedback.at(-1)!.newValue], [7, 'edit', 8], 'the amendment is feedback too; the refused sign-off is not');
  });
});
