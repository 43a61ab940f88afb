import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeCtSeries } from '@polyrad/dicom';
import { generateChestPhantom } from '@polyrad/phantom';
import type { Report } from '@polyrad/sdk';
import { DataSource } from 'typeorm';
import { type ApiClient, createUser, signInAdmin, withTestAuth } from '../auth/auth.fixture.js';
import { loadConfig } from '../config/app-config.js';
import { createTempPostgres } from '../database/test-postgres.js';
import { deliveriesWhen } from '../delivery/delivery-log.fixture.js';
import { startOrthanc, type OrthancPeer } from '../delivery/orthanc-peer.fixture.js';
import { skipWithout } from '../delivery/validator-tools.fixture.js';
import { createApp, type RunningApp } from '../main.js';
import type { PluginView } from '../registry/registry.types.js';
import { dcmtkTool, runDcmtk } from './dcmtk.fixture.js';
import { ImageRetentionService } from './image-retention.service.js';
import { InstanceStore } from './instance.store.js';

const storescu = dcmtkTool('storescu');
const skip = skipWithout('Orthanc') || (storescu ? false : 'DCMTK storescu not installed');

// the same SQL runs on both backends
const postgres = await createTempPostgres();
after(async () => postgres?.drop());

/**
 * Issue #17, retention: received images are deleted only once their study's report is signed and the signed
 * report has reached every routed destination (a real Orthanc), never before; the report stays readable.
 */
for (const backend of ['PGlite', ...(postgres ? ['PostgreSQL'] : [])]) {
describe(`image retention (POLYRAD_RETENTION_DAYS) on ${backend}`, { skip }, () => {
  let root: string;
  let orthanc: OrthancPeer;
  let running: RunningApp;
  let admin: ApiClient;
  let reader: ApiClient;
  let retention: ImageRetentionService;
  let store: InstanceStore;

  /** Sends a small chest phantom study with storescu and waits for its (draft) report. */
  async function receive(name: string, seed: number): Promise<string> {
    const phantom = generateChestPhantom({ seed, dimensions: [48, 48, 32], spacing: [6.5, 6.5, 8] });
    const written = await writeCtSeries(phantom.volume, join(root, name), { PatientID: `RET-${seed}`, StudyDate: '20260301', AccessionNumber: `RET${seed}` });
    const sent = await runDcmtk(storescu!, ['-aec', 'POLYRAD', '127.0.0.1', String(running.dicomPort), ...written.files]);
    assert.equal(sent.status, 0, sent.output);
    for (let i = 0; ; i++) {
      const res = await admin.get<Report>(`/api/studies/${written.StudyInstanceUID}/report`);
      if (res.status === 200) break;
      if (i > 1200) assert.fail(`no report for ${name}: ${res.status} ${JSON.stringify(res.body)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return written.StudyInstanceUID;
  }
  const heldFiles = (study: string): Promise<string[]> => store.studyFiles(study);

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'polyrad-retention-'));
    orthanc = await startOrthanc();
    const config = withTestAuth(
      loadConfig({
        PORT: '0',
        DICOM_PORT: '0',
        POLYRAD_DATA_DIR: join(root, 'data'),
        ...(backend === 'PostgreSQL' ? { DATABASE_URL: postgres!.url } : {}),
        POLYRAD_QUIET_PERIOD_S: '0.5',
        // deleted as soon as the signed report is delivered everywhere
        POLYRAD_RETENTION_DAYS: '0',
        POLYRAD_DELIVERY_RETRY_S: '0.2',
        POLYRAD_DELIVERY_RETRY_MAX_S: '0.5',
        POLYRAD_DELIVERY_MAX_ATTEMPTS: '1000',
      }),
    );
    running = await createApp(config);
    admin = await signInAdmin(running.url);
    reader = await createUser(admin, { username: 'dr.retention', role: 'radiologist', sites: ['default'] });
    retention = running.app.get(ImageRetentionService);
    store = running.app.get(InstanceStore);
    const plugins = await admin.get<PluginView[]>('/api/plugins');
    for (const plugin of plugins.body.filter((p) => p.id !== 'polyrad.lung-segmentation')) {
      assert.equal((await admin.post(`/api/sites/default/plugins/${plugin.id}/disable`)).status, 200);
    }
    const pacs = await admin.post('/api/sites/default/destinations', { id: 'pacs', kind: 'dicom-store', host: '127.0.0.1', port: orthanc.dicomPort, calledAeTitle: orthanc.aeTitle });
    assert.equal(pacs.status, 201, JSON.stringify(pacs.body));
    // only the signed report goes out: the draft is never delivered
    const rules = await admin.put('/api/sites/default/delivery-rules', { rules: [{ destination: 'pacs', outputs: ['sr'], statuses: ['signed'] }] });
    assert.equal(rules.status, 200, JSON.stringify(rules.body));
  });
  after(async () => {
    await running?.close();
    await orthanc?.stop();
    await rm(root, { recursive: true, force: true });
  });

  it('keeps unsigned and undelivered studies; deletes a signed study once delivered, audited, with its report still readable', async () => {
    const kept = await receive('unsigned', 21);
    const study = await receive('signed', 22);
    const files = await heldFiles(study);
    assert.equal(files.length, 32);

    // analysed but not signed: nothing goes
    assert.deepEqual((await retention.sweep()).deleted, []);
    assert.equal((await heldFiles(study)).length, 32);

    // signed while the PACS is down: the final report is not delivered, so nothing goes
    const { dicomPort } = orthanc;
    await orthanc.stop();
    const signed = await reader.post<Report>(`/api/studies/${study}/report/sign`);
    assert.equal(signed.status, 200, JSON.stringify(signed.body));
    await deliveriesWhen(admin, study, (d) => d.some((x) => x.release === 1 && x.log.length >= 1));
    const undelivered = await retention.sweep();
    assert.deepEqual(undelivered.deleted, []);
    assert.deepEqual(undelivered.kept, [{ studyInstanceUid: study, reason: 'the signed report is not yet delivered to pacs' }]);
    assert.ok(files.every((f) => existsSync(f)));

    // delivered, but the retention period (counted from the signature) has not passed at `now`
    orthanc = await startOrthanc({ dicomPort });
    await deliveriesWhen(admin, study, (d) => d.some((x) => x.release === 1 && x.status === 'delivered'));
    const early = await retention.sweep(new Date(Date.parse(signed.body.signedAt!) - 60_000));
    assert.deepEqual(early.deleted, []);
    assert.match(early.kept[0]?.reason ?? '', /^retained until /);

    const swept = await retention.sweep();
    assert.deepEqual(swept.deleted, [study]);
    assert.ok(files.every((f) => !existsSync(f)), 'the received files are gone');
    assert.deepEqual(await heldFiles(study), []);
    assert.equal((await heldFiles(kept)).length, 32, 'the unsigned study keeps its images');

    const report = await reader.get<Report>(`/api/studies/${study}/report`);
    assert.equal(report.status, 200);
    assert.deepEqual([report.body.status, report.body.signedBy], ['signed', 'dr.retention']);
    const wado = await fetch(`${running.url}/dicomweb/studies/${study}`, { headers: { authorization: `Bearer ${admin.session!.accessToken}` } });
    assert.equal(wado.status, 404);
    const audit: Array<{ actor: string; details: { files: number; deliveredTo: string[]; reportVersion: number } }> = await running.app
      .get(DataSource)
      .query(`SELECT "actor", "details" FROM "audit_log" WHERE "action" = 'retention.images.delete' AND "subject" = $1`, [study]);
    assert.equal(audit.length, 1);
    assert.deepEqual([audit[0].actor, audit[0].details.files, audit[0].details.deliveredTo], ['retention', 32, ['pacs']]);

    // nothing more to delete: a second sweep does nothing
    assert.deepEqual((await retention.sweep()).deleted, []);
  });
});
}
