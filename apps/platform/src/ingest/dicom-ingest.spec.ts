import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Report } from '@polyrad/sdk';
import { generateDicomUid, writeCtSeries } from '@polyrad/dicom';
import { generateChestPhantom } from '@polyrad/phantom';
import { type ApiClient, signInAdmin, withTestAuth } from '../auth/auth.fixture.js';
import { createApp, type RunningApp } from '../main.js';
import { dcmtkTool, runDcmtk } from './dcmtk.fixture.js';
import { DicomStoreScp } from './dicom-store.scp.js';

const storescu = dcmtkTool('storescu');
const skip = storescu ? false : 'DCMTK storescu not installed (apt-get install dcmtk); .ci/run installs it';
if (skip) console.log(`# skipped: ${skip}`);

const send = (port: number, dir: string, calledAe = 'POLYRAD') =>
  runDcmtk(storescu!, ['-aet', 'CT_SCANNER', '-aec', calledAe, '+sd', '+r', '127.0.0.1', String(port), dir]);

describe('DICOM C-STORE intake with study completeness', { skip }, () => {
  let root: string;
  let running: RunningApp;
  let reader: ApiClient;
  const StudyInstanceUID = generateDicomUid();

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'polyrad-ingest-'));
    running = await createApp(withTestAuth({ port: 0, dicomPort: 0, quietPeriodMs: 1500, dataDir: join(root, 'data') }));
    reader = await signInAdmin(running.url);
  });
  after(async () => {
    await running?.close();
    await rm(root, { recursive: true, force: true });
  });

  const idle = () => running.app.get(DicomStoreScp).tracker.idle();
  const report = async (): Promise<Report> => {
    const res = await reader.get<Report>(`/api/studies/${StudyInstanceUID}/report`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  };

  it('stores what a modality sends, analyses the study once it is quiet, and again when a series arrives later', async () => {
    const phantom = generateChestPhantom({ seed: 5, dimensions: [96, 96, 40], spacing: [3.4, 3.4, 5] });
    const meta = { PatientID: 'INGEST-1', StudyDate: '20260301', AccessionNumber: 'ACC-IN', StudyInstanceUID, seed: 1 };
    await writeCtSeries(phantom.volume, join(root, 'thin'), { ...meta, SeriesDescription: 'chest', SeriesNumber: 2 });
    const first = await send(running.dicomPort, join(root, 'thin'));
    assert.equal(first.status, 0, first.output);
    await idle();
    const v1 = await report();
    assert.equal(v1.series.length, 1);
    assert.equal(v1.study.accessionNumber, 'ACC-IN');
    assert.ok(v1.findings.some((f) => f.code === 'lung.laa950'), JSON.stringify(v1.algorithms));

    // every instance is on disk, content-addressed (named by the SHA-256 of its bytes, hashed as they arrived), once
    const shards = await readdir(join(root, 'data', 'dicom'));
    let files = 0;
    for (const shard of shards.filter((s) => /^[0-9a-f]{2}$/.test(s))) {
      for (const name of await readdir(join(root, 'data', 'dicom', shard))) {
        const sha256 = createHash('sha256').update(await readFile(join(root, 'data', 'dicom', shard, name))).digest('hex');
        assert.equal(name, `${sha256}.dcm`);
        assert.equal(shard, sha256.slice(0, 2));
        files++;
      }
    }
    assert.equal(files, 40);

    await writeCtSeries(phantom.volume, join(root, 'second'), { ...meta, SeriesDescription: 'chest 2', SeriesNumber: 3, seed: 2 });
    const second = await send(running.dicomPort, join(root, 'second'));
    assert.equal(second.status, 0, second.output);
    await idle();
    const v2 = await report();
    assert.equal(v2.series.length, 2, 're-dispatched with both series');
    const worklist = (await reader.get<Array<{ studyInstanceUid: string; reportVersion: number }>>('/api/worklist')).body;
    assert.equal(worklist.find((e) => e.studyInstanceUid === StudyInstanceUID)?.reportVersion, 2);
  });

  it('refuses an association addressed to another AE title', async () => {
    const wrong = await send(running.dicomPort, join(root, 'thin'), 'NOT_POLYRAD');
    assert.notEqual(wrong.status, 0);
    assert.match(wrong.output, /Called AE Title Not Recognized/i);
  });
});
