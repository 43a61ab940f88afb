import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeCtSeries } from '@polyrad/dicom';
import { generateChestPhantom, rescanVolume } from '@polyrad/phantom';
import type { Report, Vec3 } from '@polyrad/sdk';
import { signInAdmin, withTestAuth } from '../auth/auth.fixture.js';
import { freePort, startOrthanc, type OrthancPeer } from '../delivery/orthanc-peer.fixture.js';
import { skipWithout } from '../delivery/validator-tools.fixture.js';
import { DicomStoreScp } from '../ingest/dicom-store.scp.js';
import { runDcmtk } from '../ingest/dcmtk.fixture.js';
import { InstanceStore } from '../ingest/instance.store.js';
import { createApp, type RunningApp } from '../main.js';

/**
 * Issue #18, "done when": a study sent over DICOM to a platform whose configured PACS (a real Orthanc)
 * holds the patient's earlier exam comes back with the comparison filled in: the platform finds the prior
 * by C-FIND, has it sent by C-MOVE to its own AE, analyses it with the same plugin versions and compares.
 * The retrieved prior is stored but never reported or delivered on its own. When the PACS holds no prior,
 * cannot be reached or cannot send it, the report says why the comparison was not assessed.
 */
const skip = skipWithout('Orthanc', 'storescu');
const work = mkdtempSync(join(tmpdir(), 'polyrad-pacs-prior-'));
after(() => rmSync(work, { recursive: true, force: true }));

// the same phantom patient a year apart: one nodule grew (6 -> 9 mm), one did not; the new exam on another table position
const then = generateChestPhantom({ seed: 11, nodules: { specs: [{ diameterMm: 6 }, { diameterMm: 10 }] } });
const now = generateChestPhantom({ seed: 11, nodules: { specs: [{ diameterMm: 9 }, { diameterMm: 10 }] } });
const shift: Vec3 = [7.3, -12.1, 43.4];
const nowVolume = rescanVolume(now.volume, { shiftMm: shift, crop: { i: [10, 150], j: [5, 155], k: [2, 88] } });

async function writeStudy(name: string, patientId: string, date: string, prior: boolean): Promise<{ dir: string; uid: string }> {
  const dir = join(work, name);
  const written = await writeCtSeries(prior ? then.volume : nowVolume, dir, { PatientID: patientId, StudyDate: date, AccessionNumber: name });
  return { dir, uid: written.StudyInstanceUID };
}

async function send(dir: string, calledAe: string, port: number): Promise<void> {
  const { status, output } = await runDcmtk('storescu', ['-aet', 'CT_SCANNER', '-aec', calledAe, '+sd', '+r', '127.0.0.1', String(port), dir]);
  assert.equal(status, 0, output);
}

/** A platform asking `pacsPort` (AE ORTHANC) for priors; a study sent to it by C-STORE, its stored report once every study is quiet. */
async function platform(pacsPort: number): Promise<{ running: RunningApp; report(dir: string, uid: string): Promise<Report> }> {
  const running = await createApp(
    withTestAuth({ port: 0, dicomPort: 0, quietPeriodMs: 1000, dataDir: mkdtempSync(join(work, 'data-')), priorPacs: { aeTitle: 'ORTHANC', host: '127.0.0.1', port: pacsPort, timeoutMs: 20_000 } }),
  );
  return {
    running,
    async report(dir, uid) {
      await send(dir, 'POLYRAD', running.dicomPort);
      await running.app.get(DicomStoreScp).tracker.idle();
      const res = await (await signInAdmin(running.url)).get<Report>(`/api/studies/${uid}/report`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body;
    },
  };
}

describe('prior retrieved from a configured PACS', { skip }, () => {
  let orthanc: OrthancPeer;
  let site: Awaited<ReturnType<typeof platform>>;
  let prior: { dir: string; uid: string };

  before(async () => {
    const pacsPort = await freePort();
    site = await platform(pacsPort);
    orthanc = await startOrthanc({ dicomPort: pacsPort, modalities: { polyrad: ['POLYRAD', '127.0.0.1', site.running.dicomPort] } });
    prior = await writeStudy('prior', 'PACS-11', '20250101', true);
    await send(prior.dir, 'ORTHANC', orthanc.dicomPort);
  });
  after(async () => {
    await site?.running.close();
    await orthanc?.stop();
  });

  it('a new study comes back compared with the prior only the PACS held, analysed with the same versions', async () => {
    const current = await writeStudy('now', 'PACS-11', '20260101', false);
    const report = await site.report(current.dir, current.uid);
    const comparison = report.comparison!;
    assert.equal(comparison.status, 'assessed', comparison.reason);
    assert.equal(comparison.prior.studyInstanceUid, prior.uid);
    assert.equal(comparison.prior.studyDate, '20250101');
    assert.equal(comparison.priorResults, 'retrieved from PACS');
    assert.deepEqual(comparison.prior.algorithms, comparison.current.algorithms);
    const nodules = report.findings.filter((f) => f.code === 'lung.nodule');
    assert.ok(nodules.some((f) => f.change === 'stable'), report.impression);
    const tracked = nodules.filter((f) => typeof f.trackingUid === 'string' && (f.prior as { studyDate?: string } | undefined)?.studyDate === '20250101');
    assert.ok(tracked.length >= 2, JSON.stringify(nodules));
    // the prior is stored (moved to the platform's AE) but has no report of its own: not analysed alone, nothing to deliver
    assert.ok((await site.running.app.get(InstanceStore).studyFiles(prior.uid)).length > 0);
    const admin = await signInAdmin(site.running.url);
    assert.equal((await admin.get(`/api/studies/${prior.uid}/report`)).status, 404);
  });

  it('a patient the PACS holds no earlier CT of: comparison not assessed, saying so', async () => {
    const current = await writeStudy('other-patient', 'PACS-NONE', '20260101', false);
    const report = await site.report(current.dir, current.uid);
    assert.equal(report.comparison?.status, 'not-assessed');
    assert.match(report.comparison!.reason!, /no earlier CT of this patient \(PatientID PACS-NONE\) is stored in Polyrad or held by the prior PACS ORTHANC/);
    assert.ok(report.findings.some((f) => f.code === 'lung.nodule'), 'the analysis itself is not held back');
  });
});

describe('prior PACS that cannot send or cannot be reached', { skip }, () => {
  let orthanc: OrthancPeer;
  let site: Awaited<ReturnType<typeof platform>>;

  before(async () => {
    const pacsPort = await freePort();
    site = await platform(pacsPort);
    // the PACS knows the platform's AE at a port where nothing listens: it answers C-FIND, its C-MOVE fails
    orthanc = await startOrthanc({ dicomPort: pacsPort, modalities: { polyrad: ['POLYRAD', '127.0.0.1', await freePort()] } });
    const prior = await writeStudy('prior-2', 'PACS-12', '20250101', true);
    await send(prior.dir, 'ORTHANC', orthanc.dicomPort);
  });
  after(async () => {
    await site?.running.close();
    await orthanc?.stop();
  });

  it('C-MOVE fails: comparison not assessed with the reason, the report is there', async () => {
    const current = await writeStudy('now-2', 'PACS-12', '20260101', false);
    const report = await site.report(current.dir, current.uid);
    assert.equal(report.comparison?.status, 'not-assessed');
    assert.equal(report.comparison!.prior.studyDate, '20250101');
    assert.match(report.comparison!.reason!, /could not be retrieved from the prior PACS: prior PACS ORTHANC@127\.0\.0\.1:\d+: the C-MOVE of study .* failed/);
    assert.match(report.impression, /not assessed/i);
    assert.ok(report.findings.some((f) => f.code === 'lung.nodule'));
  });

  it('PACS down: comparison not assessed with the reason, the report is there', async () => {
    await orthanc.stop();
    const current = await writeStudy('now-3', 'PACS-13', '20260101', false);
    const report = await site.report(current.dir, current.uid);
    assert.equal(report.comparison?.status, 'not-assessed');
    assert.match(report.comparison!.reason!, /the prior PACS could not be asked: prior PACS ORTHANC@127\.0\.0\.1:\d+: not reachable for C-FIND/);
    assert.ok(report.findings.some((f) => f.code === 'lung.nodule'));
  });
});
