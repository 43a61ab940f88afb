import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Report } from '@polyrad/sdk';
import { generateDicomUid, writeCtSeries } from '@polyrad/dicom';
import { generateChestPhantom } from '@polyrad/phantom';
import { type ApiClient, signInAdmin } from '../auth/auth.fixture.js';
import { type CrashServer, type CrashServerConfig, startCrashServer } from './crash-server.fixture.js';

const storescu = ['/usr/bin/storescu', '/usr/local/bin/storescu'].find(existsSync);
const skip = storescu ? false : 'DCMTK storescu not installed (apt-get install dcmtk); .ci/run installs it';

function send(port: number, dir: string): Promise<{ status: number | null; output: string }> {
  const child = spawn(storescu!, ['-aet', 'CT_SCANNER', '-aec', 'POLYRAD', '+sd', '+r', '127.0.0.1', String(port), dir], {
    env: { ...process.env, TCP_NODELAY: '1' },
    timeout: 120_000,
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, output })));
}

/** Asks for the report until it exists; the server analyses in the background once the study is quiet. */
async function reportOf(client: ApiClient, studyInstanceUid: string, server: CrashServer): Promise<Report> {
  for (let attempt = 0; attempt < 600; attempt++) {
    const res = await client.get<Report>(`/api/studies/${studyInstanceUid}/report`);
    if (res.status === 200) return res.body;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.fail(`no report for ${studyInstanceUid}; the server said:\n${server.output()}`);
}

describe('DICOM intake survives SIGKILL', { skip }, () => {
  let root: string;
  let server: CrashServer | undefined;
  const config = (quietPeriodMs: number): CrashServerConfig => ({ port: 0, dicomPort: 0, quietPeriodMs, dataDir: join(root, 'data') });

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'polyrad-crash-'));
  });
  after(async () => {
    await server?.stop();
    await rm(root, { recursive: true, force: true });
  });

  it('analyses a study received before a SIGKILL once the server is back, though nothing more of it arrives', async () => {
    const StudyInstanceUID = generateDicomUid();
    const phantom = generateChestPhantom({ seed: 7, dimensions: [64, 64, 24], spacing: [5, 5, 8] });
    await writeCtSeries(phantom.volume, join(root, 'study'), { PatientID: 'CRASH-1', StudyDate: '20260301', StudyInstanceUID, SeriesNumber: 2, seed: 1 });
    // the quiet period outlasts the test: only a resumed analysis can produce the report
    server = await startCrashServer(config(3_600_000));
    const sent = await send(server.dicomPort, join(root, 'study'));
    assert.equal(sent.status, 0, sent.output);
    await server.kill();

    server = await startCrashServer(config(100));
    const report = await reportOf(await signInAdmin(server.url), StudyInstanceUID, server);
    assert.equal(report.study.patientId, 'CRASH-1');
    assert.equal(report.series.length, 1);
  });
});
