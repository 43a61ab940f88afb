import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readDicomHeader, writeCtSeries } from '@polyrad/dicom';
import type { Report, Vec3 } from '@polyrad/sdk';
import { generateChestPhantom, rescanVolume } from '@polyrad/phantom';
import { signInAdmin, withTestAuth } from '../auth/auth.fixture.js';
import { InstanceStore } from '../ingest/instance.store.js';
import { StudyDispatchService } from '../ingest/study-dispatch.service.js';
import { createApp, type RunningApp } from '../main.js';

/**
 * The server finds a study's prior among the patient's studies it already holds: both exams are taken
 * into the instance store as received instances, and each is dispatched as the intake does after its
 * quiet period (set long here, so nothing runs on its own).
 */
describe('prior lookup among stored studies', () => {
  const root = mkdtempSync(join(tmpdir(), 'polyrad-priors-'));
  let running: RunningApp | undefined;

  before(async () => {
    running = await createApp(withTestAuth({ port: 0, dicomPort: 0, quietPeriodMs: 600_000, dataDir: join(root, 'data') }));
  });
  after(async () => {
    await running?.close();
    rmSync(root, { recursive: true, force: true });
  });

  async function receive(dir: string): Promise<string> {
    const store = running!.app.get(InstanceStore);
    let study = '';
    for (const file of (await readdir(dir)).map((f) => join(dir, f))) {
      const header = await readDicomHeader(file, { requirePixelData: false });
      study = header.StudyInstanceUID;
      await store.store(await store.copyToIncoming(file), header, 'MODALITY');
    }
    return study;
  }

  it('a new study of the same patient is compared with the stored prior, reusing its stored results', async () => {
    const before = generateChestPhantom({ seed: 11, nodules: { specs: [{ diameterMm: 6 }, { diameterMm: 10 }] } });
    const later = generateChestPhantom({ seed: 11, nodules: { specs: [{ diameterMm: 9 }, { diameterMm: 10 }] } });
    const shift: Vec3 = [7.3, -12.1, 43.4];
    await writeCtSeries(before.volume, join(root, 'prior'), { PatientID: 'PRIOR-11', StudyDate: '20250101', AccessionNumber: 'A1' });
    await writeCtSeries(rescanVolume(later.volume, { shiftMm: shift, crop: { i: [10, 150], j: [5, 155], k: [2, 88] } }), join(root, 'now'), { PatientID: 'PRIOR-11', StudyDate: '20260101', AccessionNumber: 'A2' });
    const dispatch = running!.app.get(StudyDispatchService);
    const priorUid = await receive(join(root, 'prior'));
    await dispatch.dispatch(priorUid);
    const currentUid = await receive(join(root, 'now'));
    await dispatch.dispatch(currentUid);

    const admin = await signInAdmin(running!.url);
    const res = await admin.get<Report>(`/api/studies/${currentUid}/report`);
    assert.equal(res.status, 200);
    const comparison = res.body.comparison!;
    assert.equal(comparison.status, 'assessed', comparison.reason);
    assert.equal(comparison.prior.studyInstanceUid, priorUid);
    assert.equal(comparison.priorResults, 'stored');
    assert.ok(res.body.findings.some((f) => f.code === 'lung.nodule' && f.change === 'stable'), res.body.impression);
    // the prior's own report has no comparison: nothing earlier was stored
    const prior = await admin.get<Report>(`/api/studies/${priorUid}/report`);
    assert.equal(prior.body.comparison, undefined);
  });
});
