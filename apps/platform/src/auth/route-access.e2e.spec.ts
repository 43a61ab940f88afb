import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../config/app-config.js';
import { createApp, type RunningApp } from '../main.js';
import { generateVendorKeys } from '../plugins/plugin-package.js';
import { ACME_PLUGIN_ID, packExample, type SignedPackage } from '../registry/registry.fixture.js';
import type { AuditEntry, PluginView } from '../registry/registry.types.js';
import { sampleReport, uniqueUid } from '../studies/report.fixture.js';
import { StudiesService } from '../studies/studies.service.js';
import { ApiClient, createUser, signInAdmin, withTestAuth } from './auth.fixture.js';

/**
 * Issue #12: every route refuses a caller without a valid token (401) and a caller whose role or scope
 * may not (403), per route group. Users: the initial admin (all sites), an admin of `default` and one of
 * `site-b`, a radiologist of `default`, and vendor users of acme and globex.
 */
const work = mkdtempSync(join(tmpdir(), 'polyrad-access-'));
after(() => rmSync(work, { recursive: true, force: true }));

const LUNGS = 'polyrad.lung-segmentation';
type ErrorBody = { code: string; message: string };

let running: RunningApp;
let root: ApiClient;
let adminA: ApiClient;
let adminB: ApiClient;
let reader: ApiClient;
let acme: ApiClient;
let globex: ApiClient;
let acmePackage: SignedPackage;
const studyUid = uniqueUid();

before(async () => {
  const uiDir = join(work, 'ui');
  mkdirSync(uiDir);
  running = await createApp(withTestAuth(loadConfig({ PORT: '0', DICOM_PORT: '0', POLYRAD_DATA_DIR: join(work, 'data') })), { uiDir });
  root = await signInAdmin(running.url);
  const keys = generateVendorKeys();
  assert.equal((await root.post('/api/vendors', { id: 'acme', name: 'ACME Imaging', publicKeyPem: keys.publicKeyPem })).status, 201);
  acmePackage = await packExample(join(work, 'pack'), '1.0.0', keys.privateKeyPem);
  adminA = await createUser(root, { username: 'admin-a', role: 'admin', sites: ['default'] });
  adminB = await createUser(root, { username: 'admin-b', role: 'admin', sites: ['site-b'] });
  reader = await createUser(root, { username: 'reader', role: 'radiologist', sites: ['default'] });
  acme = await createUser(root, { username: 'acme-bot', role: 'vendor', vendorId: 'acme' });
  globex = await createUser(root, { username: 'globex-bot', role: 'vendor', vendorId: 'globex' });
  await running.app.get(StudiesService).storeReport(sampleReport(studyUid));
});
after(async () => running?.close());

const expect403 = async (who: ApiClient, method: string, path: string, body?: unknown): Promise<ErrorBody> => {
  const res = await who.request<ErrorBody>(method, path, body);
  assert.deepEqual([res.status, res.body.code], [403, 'FORBIDDEN'], `${method} ${path} as ${who.session?.user.username}: ${JSON.stringify(res.body)}`);
  return res.body;
};

describe('every route but /health and sign-in needs a token', () => {
  const routes: Array<[string, string, unknown?]> = [
    ['GET', '/api/plugins'],
    ['GET', `/api/plugins/${LUNGS}`],
    ['POST', '/api/vendors', { id: 'evil', name: 'Evil', publicKeyPem: 'x' }],
    ['POST', '/api/plugins/packages', {}],
    ['POST', `/api/sites/default/plugins/${LUNGS}/enable`, {}],
    ['POST', `/api/sites/default/plugins/${LUNGS}/disable`],
    ['POST', `/api/sites/default/plugins/${LUNGS}/pin`, { version: '*' }],
    ['POST', `/api/sites/default/plugins/${LUNGS}/rollback`],
    ['PUT', `/api/sites/default/plugins/${LUNGS}/config`, { config: {} }],
    ['GET', '/api/audit'],
    ['GET', '/api/worklist'],
    ['GET', '/api/worklist/events'],
    ['GET', `/api/studies/${studyUid}/report`],
    ['GET', `/api/studies/${studyUid}/progress`],
    ['GET', '/api/jobs/dead'],
    ['POST', `/api/jobs/dead/00000000-0000-4000-8000-000000000000/retry`],
    ['POST', '/api/studies/analyze', { paths: ['/etc'] }],
    ['GET', '/api/users'],
    ['POST', '/api/users', { username: 'evil', password: 'evil-password-1', role: 'admin', sites: ['*'] }],
    ['POST', '/api/users/admin/disable'],
    ['PUT', '/api/users/admin/password', { password: 'taken-over-password' }],
    ['GET', '/api/auth/me'],
    ['POST', '/api/auth/logout'],
  ];

  it('401 without a token, and with a token that is not one (the old X-Polyrad-User header counts for nothing)', async () => {
    const forged = new ApiClient(running.url, { ...root.session!, accessToken: `${root.session!.accessToken.slice(0, -4)}AAAA` });
    for (const [method, path, body] of routes) {
      const res = await fetch(`${running.url}${path}`, {
        method,
        headers: { 'x-polyrad-user': 'admin', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      assert.equal(res.status, 401, `${method} ${path}`);
      assert.equal(((await res.json()) as ErrorBody).code, 'UNAUTHENTICATED');
      assert.equal((await forged.request(method, path, body)).status, 401, `${method} ${path} with a forged token`);
    }
    assert.equal((await fetch(`${running.url}/health`)).status, 200);
  });

  it('refuses a large body from an unknown caller before reading it (401, not the parser\'s 413)', async () => {
    const huge = `{"package":"${'A'.repeat(51 * 1024 * 1024)}"}`;
    for (const headers of [{}, { authorization: 'Bearer not.a.token' }] as Array<Record<string, string>>) {
      const res = await fetch(`${running.url}/api/plugins/packages`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: huge });
      assert.deepEqual([res.status, ((await res.json()) as ErrorBody).code], [401, 'UNAUTHENTICATED']);
    }
    const signedIn = await acme.request<ErrorBody>('POST', '/api/plugins/packages', huge);
    assert.deepEqual([signedIn.status, signedIn.body.code], [413, 'REQUEST_TOO_LARGE']);
  });
});

describe('registry routes', () => {
  it('POST /api/vendors: an all-sites admin only', async () => {
    const body = { id: 'other', name: 'Other', publicKeyPem: generateVendorKeys().publicKeyPem };
    for (const who of [adminA, reader, acme]) await expect403(who, 'POST', '/api/vendors', body);
    assert.equal((await root.post('/api/vendors', body)).status, 201);
  });

  it('POST /api/plugins/packages: vendor users only, for their own vendor id', async () => {
    for (const who of [root, adminA, reader]) await expect403(who, 'POST', '/api/plugins/packages', acmePackage.body);
    const other = await globex.post<ErrorBody>('/api/plugins/packages', acmePackage.body);
    assert.deepEqual([other.status, other.body.code], [403, 'PLUGIN_VENDOR_MISMATCH']);
    assert.match(other.body.message, /you publish for vendor globex; this package is signed as vendor acme/);
    const published = await acme.post('/api/plugins/packages', acmePackage.body);
    assert.deepEqual([published.status, published.body], [201, { id: ACME_PLUGIN_ID, version: '1.0.0', vendorId: 'acme' }]);
  });

  it('site settings: an admin with that site in scope only; a radiologist or a vendor never', async () => {
    const disable = `/api/sites/default/plugins/${LUNGS}/disable`;
    for (const who of [reader, acme, adminB]) await expect403(who, 'POST', disable);
    await expect403(adminA, 'POST', `/api/sites/site-b/plugins/${LUNGS}/enable`, {});
    await expect403(adminA, 'PUT', `/api/sites/site-b/plugins/${LUNGS}/config`, { config: {} });
    await expect403(adminB, 'POST', `/api/sites/default/plugins/${LUNGS}/pin`, { version: '*' });
    await expect403(reader, 'POST', `/api/sites/default/plugins/${LUNGS}/rollback`);
    assert.equal((await root.get<PluginView>(`/api/plugins/${LUNGS}`)).body.enablement?.enabled, true, 'nothing changed');
    const disabled = await adminA.post<{ enabled: boolean; updatedBy: string }>(disable);
    assert.deepEqual([disabled.status, disabled.body.enabled, disabled.body.updatedBy], [200, false, 'admin-a']);
    assert.equal((await adminA.post(`/api/sites/default/plugins/${LUNGS}/enable`, {})).status, 200);
    assert.equal((await adminB.post(`/api/sites/site-b/plugins/${LUNGS}/enable`, {})).status, 200);
  });

  it('GET /api/plugins: admins and radiologists for a site in scope; a vendor sees only its own plugins, with no site settings', async () => {
    assert.equal((await reader.get('/api/plugins')).status, 200);
    await expect403(reader, 'GET', '/api/plugins?site=site-b');
    await expect403(adminA, 'GET', `/api/plugins/${LUNGS}?site=site-b`);
    const own = await acme.get<PluginView[]>('/api/plugins?site=default');
    assert.equal(own.status, 200);
    assert.deepEqual(own.body.map((p) => [p.id, p.enablement]), [[ACME_PLUGIN_ID, null]]);
    assert.deepEqual((await globex.get<PluginView[]>('/api/plugins')).body, []);
    assert.equal((await acme.get(`/api/plugins/${ACME_PLUGIN_ID}`)).status, 200);
    const others = await acme.get<ErrorBody>(`/api/plugins/${LUNGS}`);
    assert.deepEqual([others.status, others.body.code], [404, 'PLUGIN_NOT_FOUND']);
  });
});

describe('audit route', () => {
  it('records the signed-in username as the actor, whatever headers claim', async () => {
    const res = await fetch(`${running.url}/api/sites/default/plugins/${LUNGS}/disable`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminA.session!.accessToken}`, 'x-polyrad-user': '<script>alert(1)</script>' },
    });
    assert.equal(res.status, 200);
    const [latest] = (await root.get<AuditEntry[]>(`/api/audit?subject=${LUNGS}&limit=1`)).body;
    assert.deepEqual([latest?.actor, latest?.action, latest?.details.site], ['admin-a', 'plugin.disable', 'default']);
    assert.equal((await adminA.post(`/api/sites/default/plugins/${LUNGS}/enable`, {})).status, 200);
  });

  it('admins only, each seeing the entries of their own sites; an all-sites admin sees all', async () => {
    for (const who of [reader, acme]) await expect403(who, 'GET', '/api/audit');
    const sitesOf = (entries: AuditEntry[]) => [...new Set(entries.map((e) => String(e.details.site)))].sort();
    assert.deepEqual(sitesOf((await adminA.get<AuditEntry[]>('/api/audit?limit=1000')).body), ['default']);
    assert.deepEqual(sitesOf((await adminB.get<AuditEntry[]>('/api/audit?limit=1000')).body), ['site-b']);
    await expect403(adminA, 'GET', '/api/audit?site=site-b');
    const all = (await root.get<AuditEntry[]>('/api/audit?limit=1000')).body;
    assert.ok(all.some((e) => e.action === 'plugin.publish' && e.actor === 'acme-bot'), 'vendor actions, which belong to no site');
    assert.deepEqual(sitesOf(all.filter((e) => e.details.site !== undefined)), ['default', 'site-b']);
  });
});

describe('study routes', () => {
  it('worklist and report: admins and radiologists of the study\'s site; a vendor reads no patient data', async () => {
    for (const who of [reader, adminA, root]) {
      assert.equal((await who.get(`/api/studies/${studyUid}/report`)).status, 200);
      assert.equal((await who.get('/api/worklist')).status, 200);
      // allowed, and this server has not analysed the study (its report was stored directly)
      assert.equal((await who.get(`/api/studies/${studyUid}/progress`)).status, 404);
      // the live worklist: an event stream that opens with every study this server is handling
      const abort = new AbortController();
      const events = await fetch(`${running.url}/api/worklist/events`, { headers: { authorization: `Bearer ${who.session!.accessToken}` }, signal: abort.signal });
      assert.deepEqual([events.status, events.headers.get('content-type')?.split(';')[0]], [200, 'text/event-stream']);
      const first = new TextDecoder().decode((await events.body!.getReader().read()).value);
      assert.match(first, /^event: snapshot\n/m);
      assert.match(first, new RegExp(`"studyInstanceUid":"${studyUid.replaceAll('.', '\\.')}","stage":"reported"`));
      abort.abort();
    }
    const readerB = await createUser(root, { username: 'reader-b', role: 'radiologist', sites: ['site-b'] });
    for (const who of [acme, globex, adminB, readerB]) {
      const body = await expect403(who, 'GET', `/api/studies/${studyUid}/report`);
      assert.ok(!JSON.stringify(body).includes('PAT-001'));
      await expect403(who, 'GET', '/api/worklist');
      await expect403(who, 'GET', `/api/studies/${studyUid}/progress`);
      await expect403(who, 'GET', '/api/worklist/events');
    }
  });

  it('POST /api/studies/analyze: admins of the site only', async () => {
    for (const who of [reader, acme, adminB]) await expect403(who, 'POST', '/api/studies/analyze', { paths: ['/etc'] });
    await expect403(adminA, 'POST', '/api/studies/analyze', { paths: ['/etc'], site: 'site-b' });
  });
});

describe('cross-site requests', () => {
  it('refuses a text/plain POST (415) and a POST from a foreign origin (403), even with a valid token; nothing changes', async () => {
    const disable = `${running.url}/api/sites/default/plugins/${LUNGS}/disable`;
    const auth = { authorization: `Bearer ${adminA.session!.accessToken}` };
    const plain = await fetch(disable, { method: 'POST', headers: { ...auth, 'content-type': 'text/plain' }, body: '{}' });
    assert.deepEqual([plain.status, ((await plain.json()) as ErrorBody).code], [415, 'UNSUPPORTED_MEDIA_TYPE']);
    const form = await fetch(disable, { method: 'POST', headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1' });
    assert.equal(form.status, 415);
    const foreign = await fetch(disable, { method: 'POST', headers: { ...auth, origin: 'https://evil.example' } });
    assert.deepEqual([foreign.status, ((await foreign.json()) as ErrorBody).code], [403, 'CROSS_ORIGIN_REFUSED']);
    assert.equal(foreign.headers.get('access-control-allow-origin'), null);
    assert.equal((await root.get<PluginView>(`/api/plugins/${LUNGS}`)).body.enablement?.enabled, true, 'still enabled');
  });
});
