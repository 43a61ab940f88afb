import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Report } from '@polyrad/sdk';
import { generateDicomUid, writeCtSeries } from '@polyrad/dicom';
import { generateChestPhantom } from '@polyrad/phantom';
import { type ApiClient, signInAdmin } from '../auth/auth.fixture.js';
import { openDatabase } from '../database/database-connection.js';
import { createTempPostgres, type TempPostgres } from '../database/test-postgres.js';
import { dcmtkTool, runDcmtk } from './dcmtk.fixture.js';
import { type CrashServer, type CrashServerConfig, startCrashServer } from './crash-server.fixture.js';

const storescu = dcmtkTool('storescu');
const skip = storescu ? false : 'DCMTK storescu not installed (apt-get install dcmtk); .ci/run installs it';

const send = (port: number, dir: string) => runDcmtk(storescu!, ['-aet', 'CT_SCANNER', '-aec', 'POLYRAD', '+sd', '+r', '127.0.0.1', String(port), dir]);

/** Asks for the report until it exists; the server analyses in the background once the study is quiet. */
async function reportOf(client: ApiClient, studyInstanceUid: string, server: CrashServer): Promise<Report> {
  for (let attempt = 0; attempt < 600; attempt++) {
    const res = await client.get<Report>(`/api/studies/${studyInstanceUid}/report`);
    if (res.status === 200) return res.body;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.fail(`no report for ${studyInstanceUid}; the server said:\n${server.output()}`);
}

for (const backend of ['pglite', 'postgres'] as const) describe(`DICOM intake survives SIGKILL (${backend})`, { skip }, () => {
  let root: string;
  let server: CrashServer | undefined;
  let temp: TempPostgres | undefined;
  const database = (): { databaseUrl?: string } => (temp ? { databaseUrl: temp.url } : {});
  const config = (quietPeriodMs: number): CrashServerConfig => ({ port: 0, dicomPort: 0, quietPeriodMs, dataDir: join(root, 'data'), ...database() });

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'polyrad-crash-'));
    if (backend === 'postgres') temp = await createTempPostgres();
  });
  after(async () => {
    await server?.stop();
    await temp?.drop();
    await rm(root, { recursive: true, force: true });
  });
  const unavailable = (): boolean => backend === 'postgres' && !temp;

  it('analyses a study received before a SIGKILL once the server is back, though nothing more of it arrives', async (t) => {
    if (unavailable()) return t.skip('PostgreSQL unreachable');
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

  it('makes the file store and the index agree again after a SIGKILL left them apart', async (t) => {
    if (unavailable()) return t.skip('PostgreSQL unreachable');
    await server?.kill();
    const store = join(root, 'data', 'dicom');
    const stored = async (): Promise<string[]> => {
      const files: string[] = [];
      for (const shard of (await readdir(store)).filter((s) => /^[0-9a-f]{2}$/.test(s))) files.push(...(await readdir(join(store, shard))).map((f) => join(store, shard, f)));
      return files;
    };
    // an indexed instance whose file is gone
    const [lost] = await stored();
    await rm(lost!);
    // a transfer cut short
    const partial = join(store, 'incoming', '999999-1-x-1.2.3.part');
    await writeFile(partial, 'half an instance');
    // a complete instance moved into the store whose row was never written: its study must still be analysed
    const OrphanStudy = generateDicomUid();
    const phantom = generateChestPhantom({ seed: 8, dimensions: [64, 64, 24], spacing: [5, 5, 8] });
    await writeCtSeries(phantom.volume, join(root, 'orphan'), { PatientID: 'CRASH-2', StudyDate: '20260302', StudyInstanceUID: OrphanStudy, SeriesNumber: 3, seed: 2 });
    const orphans: string[] = [];
    for (const name of await readdir(join(root, 'orphan'), { recursive: true })) {
      const source = join(root, 'orphan', name);
      if (!name.endsWith('.dcm')) continue;
      const sha256 = createHash('sha256').update(await readFile(source)).digest('hex');
      const target = join(store, sha256.slice(0, 2), `${sha256}.dcm`);
      await mkdir(join(store, sha256.slice(0, 2)), { recursive: true });
      await copyFile(source, target);
      orphans.push(target);
    }
    // and one that is not DICOM at all
    const junk = Buffer.from('not a DICOM file');
    const junkSha = createHash('sha256').update(junk).digest('hex');
    const junkPath = join(store, junkSha.slice(0, 2), `${junkSha}.dcm`);
    await mkdir(join(store, junkSha.slice(0, 2)), { recursive: true });
    await writeFile(junkPath, junk);

    server = await startCrashServer(config(100));
    const report = await reportOf(await signInAdmin(server.url), OrphanStudy, server);
    assert.equal(report.study.patientId, 'CRASH-2');
    await server.stop();
    server = undefined;

    assert.ok(!existsSync(partial), 'the partial transfer is removed');
    assert.ok(!existsSync(junkPath), 'the file that is not DICOM is removed');
    const index = await openDatabase({ dataDir: join(root, 'data'), ...database() });
    try {
      const rows: Array<{ path: string; missing: boolean }> = await index.dataSource.query(
        `SELECT "path", "file_missing_since" IS NOT NULL AS "missing" FROM "instances"`,
      );
      const byPath = new Map(rows.map((r) => [r.path, r.missing]));
      assert.equal(byPath.get(lost!), true, 'the row whose file is gone is flagged');
      for (const orphan of orphans) assert.equal(byPath.get(orphan), false, `${orphan} is indexed`);
      assert.equal(rows.filter((r) => r.missing).length, 1);
    } finally {
      await index.close();
    }
  });

  it('says in the report that a study was only partly received', async (t) => {
    if (unavailable()) return t.skip('PostgreSQL unreachable');
    // a quiet period the sending cannot pause for: the one analysis sees everything that arrives
    await server?.stop();
    server = await startCrashServer(config(5000));
    const StudyInstanceUID = generateDicomUid();
    const phantom = generateChestPhantom({ seed: 9, dimensions: [64, 64, 24], spacing: [5, 5, 8] });
    const written = await writeCtSeries(phantom.volume, join(root, 'partial'), { PatientID: 'CRASH-3', StudyDate: '20260303', StudyInstanceUID, SeriesNumber: 5, seed: 3 });
    // slices 10 to 13 never arrive (a full disk refused them, the modality gave up)
    for (const file of written.files.slice(10, 14)) await rm(file);
    const sent = await send(server.dicomPort, join(root, 'partial'));
    assert.equal(sent.status, 0, sent.output);
    const report = await reportOf(await signInAdmin(server.url), StudyInstanceUID, server);
    const partial = report.warnings.filter((w) => /only partly received/.test(w));
    assert.ok(partial.some((w) => /series 5 .*about 4 slices missing/.test(w)), report.warnings.join('\n'));
  });
});
