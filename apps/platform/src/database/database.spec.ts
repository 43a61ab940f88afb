import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isPolyradError, type Report } from '@polyrad/sdk';
import { ReportsRepository } from '../studies/reports.repository.js';
import { sampleReport, uniqueUid } from '../studies/report.fixture.js';
import { StudiesService } from '../studies/studies.service.js';
import { StudyActivityService } from '../studies/study-activity.service.js';
import { type Database, openDatabase } from './database-connection.js';
import { DATA_DIR_CORRUPT, DATA_DIR_FULL, DATA_DIR_LOCKED, DATA_DIR_UNUSABLE, openFailure } from './embedded-postgres.js';
import { createTempPostgres, type TempPostgres } from './test-postgres.js';
import { loadConfig } from '../config/app-config.js';
import { UrgentNotifier } from '../studies/urgent.notifier.js';

function hasCode(code: string) {
  return (error: unknown) => isPolyradError(error) && error.code === code;
}

/** The same checks on both backends: the point of running PGlite behind the postgres driver. */
function backendSuite(kind: 'pglite' | 'postgres', open: () => Promise<{ db: Database; cleanup(): Promise<void> } | undefined>) {
  describe(`database on ${kind}`, () => {
    let opened: { db: Database; cleanup(): Promise<void> } | undefined;
    let studies: StudiesService;

    before(async () => {
      opened = await open();
      if (opened) studies = new StudiesService(new ReportsRepository(opened.db.dataSource), new UrgentNotifier(loadConfig({})), new StudyActivityService());
    });
    after(async () => opened?.cleanup());

    it('runs the migrations: tables, constraints and the migrations record exist', async (t) => {
      if (!opened) return t.skip('server unreachable');
      assert.equal(opened.db.kind, kind);
      const ds = opened.db.dataSource;
      const tables: Array<{ table_name: string }> = await ds.query(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
      );
      assert.deepEqual(
        tables.map((r) => r.table_name),
        ['algorithm_packages', 'audit_log', 'auth_sessions', 'deliveries', 'delivery_attempts', 'delivery_destinations', 'delivery_key_slices', 'delivery_rules', 'delivery_segmentations', 'delivery_sources', 'dicomweb_index', 'drift_alerts', 'instances', 'migrations', 'package_versions', 'pending_analyses', 'plugin_runs', 'quarantined_instances', 'report_feedback', 'reports', 'series', 'site_plugins', 'site_policies', 'site_shadows', 'studies', 'study_patient_identities', 'users', 'vendors'],
      );
      const ran: Array<{ name: string }> = await ds.query(`SELECT name FROM migrations`);
      assert.deepEqual(
        ran.map((r) => r.name),
        ['InitialSchema1700000000000', 'PluginRegistry1700000100000', 'ReceivedInstances1700000200000', 'UsersAndSessions1700000350000', 'DicomQuarantine1700000450000', 'PendingAnalyses1700000500000', 'MissingInstanceFiles1700000510000', 'DicomwebIndex1700000550000', 'DeliveryRouting1700000600000', 'ReportFeedback1700000620000', 'DeliveryReleases1700000660000', 'DeliveryKeySlices1700000680000', 'PluginLearning1700000730000'],
      );
      const types: Array<{ table_name: string; column_name: string; data_type: string }> = await ds.query(
        `SELECT table_name, column_name, data_type FROM information_schema.columns
          WHERE table_schema = 'public' AND column_name IN ('fingerprint', 'report')`,
      );
      assert.deepEqual(
        Object.fromEntries(types.map((r) => [`${r.table_name}.${r.column_name}`, r.data_type])),
        { 'series.fingerprint': 'jsonb', 'reports.report': 'json', 'deliveries.report': 'json' },
      );
      assert.equal(await ds.showMigrations(), false, 'no pending migrations');
    });

    it('stores a report and returns it unchanged, key order included', async (t) => {
      if (!opened) return t.skip('server unreachable');
      const report = sampleReport(uniqueUid());
      assert.deepEqual(await studies.storeReport(report).then((r) => r.version), 1);
      const latest = await studies.getLatestReport(report.study.studyInstanceUid);
      assert.equal(JSON.stringify(latest), JSON.stringify(report));
    });

    it('appends versions, upserts the study and series, and serves the newest', async (t) => {
      if (!opened) return t.skip('server unreachable');
      const uid = uniqueUid();
      const first = sampleReport(uid, 'first');
      await studies.storeReport(first);
      const second: Report = { ...sampleReport(uid, 'second'), study: { ...first.study, accessionNumber: 'ACC-43' } };
      second.series[0]!.fingerprint = { bodyPart: 'CHEST', changed: true };
      assert.equal((await studies.storeReport(second)).version, 2);
      // Concurrent saves of one study must still get distinct, consecutive versions.
      const versions = await Promise.all(['a', 'b', 'c'].map((x) => studies.storeReport(sampleReport(uid, x))));
      assert.deepEqual(versions.map((v) => v.version).sort(), [3, 4, 5]);

      const ds = opened.db.dataSource;
      const study: Array<{ accession_number: string; n: number }> = await ds.query(
        `SELECT s.accession_number, (SELECT count(*)::int FROM reports r WHERE r.study_id = s.id) AS n
           FROM studies s WHERE s.study_instance_uid = $1`,
        [uid],
      );
      assert.deepEqual(study, [{ accession_number: 'ACC-42', n: 5 }]);
      const series: Array<{ fingerprint: unknown }> = await ds.query(`SELECT fingerprint FROM series WHERE series_instance_uid = $1`, [
        `${uid}.1`,
      ]);
      assert.deepEqual(series, [{ fingerprint: sampleReport(uid).series[0]!.fingerprint }]);
      const latest = await studies.getLatestReport(uid);
      assert.ok(['a', 'b', 'c'].includes(latest.impression));
      const v2: Array<{ report: Report; status: string }> = await ds.query(
        `SELECT r.report, r.status FROM reports r JOIN studies s ON s.id = r.study_id WHERE s.study_instance_uid = $1 AND r.version = 2`,
        [uid],
      );
      assert.equal(v2[0]!.report.impression, 'second');
      assert.equal(v2[0]!.status, 'draft');
    });

    it('refuses unknown studies, malformed UIDs and invalid reports with stable codes', async (t) => {
      if (!opened) return t.skip('server unreachable');
      await assert.rejects(studies.getLatestReport(uniqueUid()), hasCode('STUDY_NOT_FOUND'));
      await assert.rejects(studies.getLatestReport('1.2.abc'), hasCode('INVALID_STUDY_UID'));
      await assert.rejects(studies.getLatestReport(`1.${'2'.repeat(64)}`), hasCode('INVALID_STUDY_UID'));
      const invalid = { ...sampleReport(uniqueUid()), status: 'final' } as unknown as Report;
      await assert.rejects(studies.storeReport(invalid), hasCode('REPORT_INVALID'));
      await assert.rejects(studies.storeReport(sampleReport('not-a-uid')), hasCode('INVALID_STUDY_UID'));
    });
  });
}

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'polyrad-db-'));
  tempDirs.push(dir);
  return dir;
}
after(() => tempDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

let pgliteDir = '';
backendSuite('pglite', async () => {
  pgliteDir = tempDir();
  const db = await openDatabase({ dataDir: pgliteDir });
  return { db, cleanup: () => db.close() };
});

let server: TempPostgres | undefined;
backendSuite('postgres', async () => {
  server = await createTempPostgres();
  if (!server) return undefined;
  const db = await openDatabase({ dataDir: tempDir(), databaseUrl: server.url });
  return {
    db,
    async cleanup() {
      await db.close();
      await server!.drop();
    },
  };
});

describe('embedded data directory', () => {
  it('refuses a second open while the first is running, keeps data across a crash (stale lock)', async () => {
    const dir = tempDir();
    const db = await openDatabase({ dataDir: dir });
    const report = sampleReport(uniqueUid());
    await new StudiesService(new ReportsRepository(db.dataSource), new UrgentNotifier(loadConfig({})), new StudyActivityService()).storeReport(report);
    try {
      await assert.rejects(openDatabase({ dataDir: dir }), (error: unknown) => {
        return hasCode(DATA_DIR_LOCKED)(error) && /already open in this process/.test((error as Error).message);
      });
    } finally {
      await db.close();
    }
    assert.equal(existsSync(join(dir, 'pg.lock')), false, 'lock released on close');
    // A process killed with -9 leaves its lock behind; a dead pid must not block the next start.
    writeFileSync(join(dir, 'pg.lock'), '2147483646\n');
    const reopened = await openDatabase({ dataDir: dir });
    try {
      const latest = await new StudiesService(new ReportsRepository(reopened.dataSource), new UrgentNotifier(loadConfig({})), new StudyActivityService()).getLatestReport(report.study.studyInstanceUid);
      assert.equal(JSON.stringify(latest), JSON.stringify(report));
    } finally {
      await reopened.close();
    }
  });

  it('opens after its previous server was SIGKILLed, at once, even when that server had our PID (node as PID 1 in a container)', async () => {
    const dir = tempDir();
    const opener = `import { openDatabase } from ${JSON.stringify(fileURLToPath(new URL('./database-connection.js', import.meta.url)))};
      await openDatabase({ dataDir: ${JSON.stringify(dir)} }); console.log('open');`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', opener], { stdio: ['ignore', 'pipe', 'inherit'] });
    await once(child.stdout, 'data');
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
    assert.match(readFileSync(join(dir, 'pg.lock'), 'utf8'), new RegExp(`^${child.pid}\\n`), 'the killed server left its lock');
    await (await openDatabase({ dataDir: dir })).close();
    // a lock naming this very process, which does not hold it, can only be left by a killed predecessor with the same PID
    writeFileSync(join(dir, 'pg.lock'), `${process.pid}\n`);
    const db = await openDatabase({ dataDir: dir });
    await db.close();
  });

  it('never takes the lock of a live server, but takes one whose PID now belongs to another program', async () => {
    const dir = tempDir();
    const other = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      writeFileSync(join(dir, 'pg.lock'), `${other.pid}\n`);
      await assert.rejects(openDatabase({ dataDir: dir }), (error: unknown) => hasCode(DATA_DIR_LOCKED)(error) && (error as Error).message.includes(`process ${other.pid}`));
      assert.equal(readFileSync(join(dir, 'pg.lock'), 'utf8'), `${other.pid}\n`, 'the live owner keeps its lock');
      // the same PID with another start time: the server that wrote it is gone and the PID was reused
      writeFileSync(join(dir, 'pg.lock'), `${other.pid}\n1\n`);
      await (await openDatabase({ dataDir: dir })).close();
    } finally {
      other.kill();
    }
  });

  it('names a full disk or a refused file system as such, not as a damaged database', () => {
    // what PGlite throws when its file system cannot write: no message, an emscripten errno
    const full = openFailure({ name: 'ErrnoError', errno: 51 }, '/data/pg', 4096);
    assert.equal(full.code, DATA_DIR_FULL);
    assert.match(full.message, /disk holding it is full/);
    assert.doesNotMatch(full.message, /object Object|backup/);
    assert.equal(openFailure({ name: 'ErrnoError', errno: 5 }, '/data/pg', 0).code, DATA_DIR_FULL, 'no free byte at all is a full disk whatever the errno');
    const refused = openFailure({ name: 'ErrnoError', errno: 2 }, '/data/pg', 1e9);
    assert.equal(refused.code, DATA_DIR_UNUSABLE);
    assert.match(refused.message, /permission denied/);
    assert.doesNotMatch(refused.message, /backup/);
  });

  it('reports a damaged database directory clearly and releases the lock', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'pg'));
    writeFileSync(join(dir, 'pg', 'PG_VERSION'), 'garbage\n');
    await assert.rejects(openDatabase({ dataDir: dir }), (error: unknown) => {
      return hasCode(DATA_DIR_CORRUPT)(error) && (error as { subject?: string }).subject === join(dir, 'pg');
    });
    assert.equal(existsSync(join(dir, 'pg.lock')), false);
  });

  it('names the server when DATABASE_URL does not answer', async () => {
    await assert.rejects(openDatabase({ dataDir: tempDir(), databaseUrl: 'postgres://u:secret@127.0.0.1:1/x' }), (error: unknown) => {
      return hasCode('DATABASE_UNAVAILABLE')(error) && !(error as Error).message.includes('secret') && /ECONNREFUSED/.test((error as Error).message);
    });
  });
});
