import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { type ApiClient, signInAdmin, withTestAuth } from './auth/auth.fixture.js';
import { DATABASE, type Database } from './database/database-connection.js';
import { createApp, type RunningApp } from './main.js';
import { PLATFORM_VERSION } from './platform-version.js';
import { sampleReport, uniqueUid } from './studies/report.fixture.js';
import { StudiesService } from './studies/studies.service.js';
import { DEFAULT_UI_DIR } from './ui/ui-static.js';

const MAIN_JS = fileURLToPath(new URL('./main.js', import.meta.url));

// One data dir for the whole file: a fresh PGlite runs initdb (seconds), a reopen is quick.
const root = mkdtempSync(join(tmpdir(), 'polyrad-http-'));
const dataDir = join(root, 'data');
after(() => rmSync(root, { recursive: true, force: true }));

describe('HTTP server', () => {
  const uiDir = join(root, 'ui');
  const config = withTestAuth({ port: 0, dicomPort: 0, quietPeriodMs: 1000, dataDir });
  let running: RunningApp | undefined;
  let admin: ApiClient;
  const report = sampleReport(uniqueUid());

  before(async () => {
    mkdirSync(uiDir);
    running = await createApp(config, { uiDir });
    admin = await signInAdmin(running.url);
  });
  after(async () => running?.close());

  /** Signed in as the initial admin unless `init` says otherwise. */
  const get = (path: string, init?: RequestInit) =>
    fetch(`${running!.url}${path}`, { ...init, headers: { authorization: `Bearer ${admin.session!.accessToken}`, ...init?.headers } });

  it('GET /health reports the embedded database', async () => {
    const res = await get('/health');
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'ok', database: 'pglite', version: PLATFORM_VERSION });
  });

  it('answers an unknown study with 404 { code, message }', async () => {
    const uid = uniqueUid();
    const res = await get(`/api/studies/${uid}/report`);
    assert.equal(res.status, 404);
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    assert.deepEqual(await res.json(), { code: 'STUDY_NOT_FOUND', message: `no study with StudyInstanceUID ${uid}` });
  });

  it('answers a malformed UID with 400 and a message that says what a UID looks like', async () => {
    for (const bad of ['hello', '1..2', `1.${'9'.repeat(70)}`, '1.2.3%20']) {
      const res = await get(`/api/studies/${bad}/report`);
      assert.equal(res.status, 400, bad);
      const body = (await res.json()) as { code: string; message: string };
      assert.equal(body.code, 'INVALID_STUDY_UID');
      assert.match(body.message, /is not a DICOM UID/);
    }
  });

  it('answers unknown API routes with JSON, never HTML or a stack', async () => {
    const res = await get('/api/nothing-here');
    assert.equal(res.status, 404);
    const body = (await res.json()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(body).sort(), ['code', 'message']);
    assert.equal(body.code, 'NOT_FOUND');
  });

  it('returns a stored report byte for byte, newest version first', async () => {
    const studies = running!.app.get(StudiesService);
    await studies.storeReport(sampleReport(report.study.studyInstanceUid, 'older draft'));
    assert.equal((await studies.storeReport(report)).version, 2);
    const res = await get(`/api/studies/${report.study.studyInstanceUid}/report`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), JSON.stringify(report));
  });

  it('says clearly when the UI has not been built, then serves it with an index.html fallback', async () => {
    const missing = await get('/');
    assert.equal(missing.status, 503);
    assert.match(await missing.text(), /web UI has not been built.*npm run build -w @polyrad\/marketplace-ui/s);

    writeFileSync(join(uiDir, 'index.html'), '<!doctype html><title>Polyrad</title><div id="root"></div>');
    for (const path of ['/', '/studies/1.2.840.1/report']) {
      const res = await get(path, { headers: { accept: 'text/html' } });
      assert.equal(res.status, 200, path);
      assert.match(await res.text(), /<title>Polyrad<\/title>/);
    }
    assert.equal((await get('/assets/missing.js')).status, 404);
    assert.equal((await get('/health/')).headers.get('content-type')?.includes('json'), true, '/health stays the API');
  });

  it('keeps its data and its sessions across a restart on the same data directory, and reports a dead database with 503', async () => {
    await running!.close();
    assert.equal(existsSync(join(dataDir, 'pg.lock')), false, 'lock released');
    running = await createApp(config, { uiDir });
    // the same access token: signing key and session outlive the restart
    const res = await get(`/api/studies/${report.study.studyInstanceUid}/report`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), JSON.stringify(report));

    await running.app.get<symbol, Database>(DATABASE).dataSource.destroy();
    const health = await get('/health');
    assert.equal(health.status, 503);
    const body = (await health.json()) as { status: string; reason: string };
    assert.equal(body.status, 'error');
    assert.match(body.reason, /^database: /);
  });
});

describe('the built marketplace UI', () => {
  it('is built into apps/marketplace-ui/dist with the Polyrad page', () => {
    if (!existsSync(join(DEFAULT_UI_DIR, 'index.html'))) {
      // `npm test` builds it first; a bare run of this file builds it here.
      const build = spawnSync('npm', ['run', 'build', '-w', '@polyrad/marketplace-ui'], {
        cwd: fileURLToPath(new URL('../../..', import.meta.url)),
        encoding: 'utf8',
      });
      assert.equal(build.status, 0, build.stderr);
    }
    const html = readFileSync(join(DEFAULT_UI_DIR, 'index.html'), 'utf8');
    assert.match(html, /<title>Polyrad<\/title>/);
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    assert.ok(script && existsSync(join(DEFAULT_UI_DIR, script)), 'the page references its built bundle');
    assert.match(readFileSync(join(DEFAULT_UI_DIR, script), 'utf8'), /\/api\/auth\/login/, 'the page signs in through the API');
  });
});

describe('npm start (dist/main.js)', () => {
  it('prints the plugin sandbox line and one line with the URL, and exits 0 on SIGTERM, releasing the data dir', async () => {
    {
      const child = spawn(process.execPath, [MAIN_JS], {
        env: { ...process.env, PORT: '0', DICOM_PORT: '0', POLYRAD_DATA_DIR: dataDir, DATABASE_URL: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (chunk) => (out += chunk));
      child.stderr.on('data', (chunk) => (out += chunk));
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      const deadline = Date.now() + 60_000;
      while (!/listening on (http:\/\/\S+)/.test(out) && Date.now() < deadline && child.exitCode === null) {
        await new Promise((r) => setTimeout(r, 100));
      }
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      assert.ok(url, `no URL printed: ${out}`);
      const lines = out.trim().split('\n');
      assert.equal(lines.length, 2, `two lines: ${out}`);
      assert.match(lines[0], /^Polyrad plugin sandbox: (on for every plugin|unavailable|off)/);
      assert.equal((await fetch(`${url}/health`)).status, 200);
      child.kill('SIGTERM');
      assert.equal(await exited, 0, out);
      assert.equal(existsSync(join(dataDir, 'pg.lock')), false);
    }
  });

  it('exits 1 with one line naming PORT when PORT is invalid', () => {
    const run = spawnSync(process.execPath, [MAIN_JS], { env: { ...process.env, PORT: 'eighty' }, encoding: 'utf8' });
    assert.equal(run.status, 1);
    assert.equal(run.stdout, '');
    assert.equal(run.stderr, 'polyrad: invalid configuration: PORT must be an integer from 0 to 65535, got "eighty"\n');
  });
});
