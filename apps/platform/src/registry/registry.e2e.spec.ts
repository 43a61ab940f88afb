import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Report } from '@polyrad/sdk';
import { writeCtSeries } from '@polyrad/dicom';
import { generateChestPhantom } from '@polyrad/phantom';
import { type ApiClient, createUser, signInAdmin, withTestAuth } from '../auth/auth.fixture.js';
import { loadConfig } from '../config/app-config.js';
import { createApp, type RunningApp } from '../main.js';
import { generateVendorKeys } from '../plugins/plugin-package.js';
import { ACME_PLUGIN_ID, packExample, type SignedPackage } from './registry.fixture.js';
import type { AuditEntry, PluginView, SiteEnablementView } from './registry.types.js';

/**
 * Issue #5, "Done when": a vendor and an admin against a running platform. The vendor registers its key and
 * publishes v1.0.0 and later v1.1.0 of the third-party example; the admin enables, pins, rolls forward and
 * disables it; every analysis report must say exactly which version of acme.lung-density ran.
 */
const work = mkdtempSync(join(tmpdir(), 'polyrad-registry-e2e-'));
after(() => rmSync(work, { recursive: true, force: true }));
// the one server folder clients may analyse; the data dir and everything else on the server are outside it
const importRoot = join(work, 'import');
mkdirSync(importRoot);

const SITE = 'default';
const ACME = `/api/sites/${SITE}/plugins/${ACME_PLUGIN_ID}`;
const VENDOR = 'acme-release-bot';
const ADMIN = 'dr.admin';

describe('plugin lifecycle against a running platform', () => {
  let running: RunningApp;
  let studyDir: string;
  const keys = generateVendorKeys();
  let v100: SignedPackage;
  let v110: SignedPackage;

  /** The initial admin (all sites) registers the vendor, creates the users below and reads the whole audit log. */
  let root: ApiClient;
  /** A vendor user of acme (a release script), and an admin of the default site only. */
  let vendorBot: ApiClient;
  let siteAdmin: ApiClient;

  async function api<T>(method: string, path: string, body?: unknown, user: ApiClient = root): Promise<{ status: number; body: T }> {
    const { status, body: answer } = await user.request<T>(method, path, body);
    return { status, body: answer };
  }

  /** What the report says about the example plugin: version and status of each of its runs. */
  let lastReport: Report;
  async function analyzeAcme(): Promise<Array<{ version: string; status: string }>> {
    const { status, body } = await api<Report>('POST', '/api/studies/analyze', { paths: [studyDir], site: SITE }, siteAdmin);
    assert.equal(status, 201, JSON.stringify(body));
    const stored = await api<Report>('GET', `/api/studies/${body.study.studyInstanceUid}/report`);
    assert.deepEqual(stored.body, body, 'the returned report is the stored one');
    assert.equal(body.algorithms.find((a) => a.id === 'polyrad.lung-segmentation')?.status, 'succeeded', JSON.stringify(body.algorithms));
    lastReport = body;
    return body.algorithms.filter((a) => a.id === ACME_PLUGIN_ID).map((a) => ({ version: a.version, status: a.status }));
  }

  before(async () => {
    const uiDir = join(work, 'ui');
    mkdirSync(uiDir);
    running = await createApp(withTestAuth(loadConfig({ PORT: '0', DICOM_PORT: '0', POLYRAD_DATA_DIR: join(work, 'data'), POLYRAD_IMPORT_ROOTS: importRoot })), { uiDir });
    root = await signInAdmin(running.url);
    vendorBot = await createUser(root, { username: VENDOR, role: 'vendor', vendorId: 'acme' });
    siteAdmin = await createUser(root, { username: ADMIN, role: 'admin', sites: [SITE] });
    // A small chest: enough slices for lung segmentation, cheap to run four times.
    const phantom = generateChestPhantom({ seed: 11, dimensions: [48, 48, 32], spacing: [6.5, 6.5, 8] });
    studyDir = join(importRoot, 'study');
    await writeCtSeries(phantom.volume, studyDir, { PatientID: 'REG-E2E', StudyDate: '20260301', AccessionNumber: 'E2E1' });
    [v100, v110] = await Promise.all([packExample(join(work, 'work'), '1.0.0', keys.privateKeyPem), packExample(join(work, 'work'), '1.1.0', keys.privateKeyPem)]);
  });
  after(async () => running?.close());

  it('starts with the bundled plugins registered as the first-party vendor and enabled', async () => {
    const { status, body } = await api<PluginView[]>('GET', '/api/plugins');
    assert.equal(status, 200);
    const lungs = body.find((p) => p.id === 'polyrad.lung-segmentation');
    assert.deepEqual(lungs?.vendor, { id: 'polyrad', name: 'Polyrad', firstParty: true });
    assert.equal(lungs?.enablement?.enabled, true);
    // Only the lung mask is needed here; the other bundled plugins are switched off to keep the runs short.
    for (const plugin of body.filter((p) => p.id !== 'polyrad.lung-segmentation')) {
      const res = await api<SiteEnablementView>('POST', `/api/sites/${SITE}/plugins/${plugin.id}/disable`, undefined, siteAdmin);
      assert.equal(res.status, 200);
    }
  });

  it('vendor: registers its key, publishes v1.0.0; bad uploads get 4xx with a code and a reason', async () => {
    const vendor = await api('POST', '/api/vendors', { id: 'acme', name: 'ACME Imaging', publicKeyPem: keys.publicKeyPem });
    assert.equal(vendor.status, 201, JSON.stringify(vendor.body));
    const forged = { ...v100.body, signature: { ...v100.signature, signature: v110.signature.signature } };
    const rejected = await api<{ code: string; message: string }>('POST', '/api/plugins/packages', forged, vendorBot);
    assert.equal(rejected.status, 400);
    assert.equal(rejected.body.code, 'PLUGIN_SIGNATURE_INVALID');
    const unsigned = await api<{ code: string }>('POST', '/api/plugins/packages', { package: v100.body.package }, vendorBot);
    assert.deepEqual([unsigned.status, unsigned.body.code], [400, 'PLUGIN_SIGNATURE_MISSING']);
    const published = await api('POST', '/api/plugins/packages', v100.body, vendorBot);
    assert.deepEqual([published.status, published.body], [201, { id: ACME_PLUGIN_ID, version: '1.0.0', vendorId: 'acme' }]);
    const again = await api<{ code: string }>('POST', '/api/plugins/packages', v100.body, vendorBot);
    assert.deepEqual([again.status, again.body.code], [409, 'PLUGIN_VERSION_EXISTS']);
    const huge = await api<{ code: string; message: string }>('POST', '/api/plugins/packages', `{"package":"${'A'.repeat(51 * 1024 * 1024)}"}`, vendorBot);
    assert.deepEqual([huge.status, huge.body.code], [413, 'REQUEST_TOO_LARGE']);
    assert.match(huge.body.message, /exceeds the 50mb limit/);
  });

  it('admin: enable -> v1.0.0 runs; v1.1.0 published -> still 1.0.0 until approved; pin ^1 -> 1.1.0; disable -> skipped with the reason', async () => {
    const before = await analyzeAcme();
    assert.deepEqual(before, [{ version: '1.0.0', status: 'skipped' }], 'a published plugin not enabled is listed as skipped');
    assert.match(lastReport.algorithms.find((a) => a.id === ACME_PLUGIN_ID)?.reason ?? '', /published but not enabled at site .*: an admin of the site enables it/);

    const enabled = await api<SiteEnablementView>('POST', `${ACME}/enable`, {}, siteAdmin);
    // enabling approves the version the admin sees: it is pinned, so the vendor's next release waits
    assert.deepEqual([enabled.status, enabled.body.resolvedVersion, enabled.body.versionPin], [200, '1.0.0', '1.0.0']);
    assert.deepEqual(await analyzeAcme(), [{ version: '1.0.0', status: 'succeeded' }]);

    assert.equal((await api('POST', '/api/plugins/packages', v110.body, vendorBot)).status, 201);
    assert.deepEqual(await analyzeAcme(), [{ version: '1.0.0', status: 'succeeded' }], 'a new release does not run before the admin approves it');
    assert.ok(lastReport.warnings.some((w) => /acme\.lung-density 1\.1\.0 is published and awaits approval at site .*; 1\.0\.0 ran \(pinned to 1\.0\.0\)/.test(w)), JSON.stringify(lastReport.warnings));
    const pinned = await api<SiteEnablementView>('POST', `${ACME}/pin`, { version: '1.0.0' }, siteAdmin);
    assert.deepEqual([pinned.status, pinned.body.resolvedVersion], [200, '1.0.0']);
    assert.deepEqual(await analyzeAcme(), [{ version: '1.0.0', status: 'succeeded' }]);

    const forward = await api<SiteEnablementView>('POST', `${ACME}/pin`, { version: '^1' }, siteAdmin);
    assert.deepEqual([forward.status, forward.body.resolvedVersion], [200, '1.1.0']);
    assert.deepEqual(await analyzeAcme(), [{ version: '1.1.0', status: 'succeeded' }]);
    const back = await api<SiteEnablementView>('POST', `${ACME}/rollback`, undefined, siteAdmin);
    assert.deepEqual([back.status, back.body.resolvedVersion, back.body.versionPin], [200, '1.0.0', '1.0.0']);
    const ahead = await api<SiteEnablementView>('POST', `${ACME}/rollback`, undefined, siteAdmin);
    assert.equal(ahead.body.resolvedVersion, '1.1.0');

    const disabled = await api<SiteEnablementView>('POST', `${ACME}/disable`, undefined, siteAdmin);
    assert.deepEqual([disabled.status, disabled.body.enabled], [200, false]);
    assert.deepEqual(await analyzeAcme(), [{ version: '1.1.0', status: 'skipped' }]);
    assert.match(lastReport.algorithms.find((a) => a.id === ACME_PLUGIN_ID)?.reason ?? '', /disabled at site .* by /);

    const plugin = await api<PluginView>('GET', `/api/plugins/${ACME_PLUGIN_ID}`);
    assert.deepEqual(plugin.body.versions.map((v) => [v.version, v.manifest.version, v.signed]), [['1.1.0', '1.1.0', true], ['1.0.0', '1.0.0', true]]);
    assert.equal(plugin.body.enablement?.enabled, false);
  });

  it('the audit log lists every change with its actor, newest first', async () => {
    const { status, body } = await api<AuditEntry[]>('GET', `/api/audit?subject=${ACME_PLUGIN_ID}`);
    assert.equal(status, 200);
    assert.deepEqual(
      body.map((a) => `${a.actor} ${a.action} ${String(a.details.version)}`).reverse(),
      [
        `${VENDOR} plugin.publish 1.0.0`,
        `${ADMIN} plugin.enable 1.0.0`,
        `${VENDOR} plugin.publish 1.1.0`,
        `${ADMIN} plugin.pin 1.0.0`,
        `${ADMIN} plugin.pin 1.1.0`,
        `${ADMIN} plugin.rollback 1.0.0`,
        `${ADMIN} plugin.rollback 1.1.0`,
        `${ADMIN} plugin.disable null`,
      ],
    );
    const vendor = await api<AuditEntry[]>('GET', '/api/audit?subject=acme');
    assert.deepEqual(vendor.body.map((a) => [a.action, a.actor]), [['vendor.register', 'admin']]);
    // no token, whatever the old actor header says: refused, and nothing recorded
    const anonymous = await fetch(`${running.url}${ACME}/enable`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-polyrad-user': 'dr.admin' }, body: '{}' });
    assert.equal(anonymous.status, 401);
    const [latest] = (await api<AuditEntry[]>('GET', `/api/audit?subject=${ACME_PLUGIN_ID}&limit=1`)).body;
    assert.deepEqual([latest?.actor, latest?.action], [ADMIN, 'plugin.disable']);
  });

  it('configuration is checked against the plugin\'s config schema; unknown plugins and sites are refused', async () => {
    const config = await api<{ code: string; message: string }>('PUT', `${ACME}/config`, { config: { threshold: -900 } }, siteAdmin);
    assert.deepEqual([config.status, config.body.code], [400, 'PLUGIN_CONFIG_INVALID']);
    assert.match(config.body.message, /declares no configuration/);
    const cleared = await api<SiteEnablementView>('PUT', `${ACME}/config`, { config: {} }, siteAdmin);
    assert.deepEqual([cleared.status, cleared.body.config], [200, {}]);
    const unknown = await api<{ code: string }>('POST', `/api/sites/${SITE}/plugins/acme.nothing/enable`, {}, siteAdmin);
    assert.deepEqual([unknown.status, unknown.body.code], [404, 'PLUGIN_NOT_FOUND']);
    const range = await api<{ code: string }>('POST', `${ACME}/pin`, { version: 'latest please' }, siteAdmin);
    assert.deepEqual([range.status, range.body.code], [400, 'INVALID_VERSION_RANGE']);
  });

  it('analyze refuses bad input with 4xx and the reason', async () => {
    const relative = await api<{ code: string }>('POST', '/api/studies/analyze', { paths: ['study'] });
    assert.deepEqual([relative.status, relative.body.code], [400, 'ANALYSIS_INPUT_INVALID']);
    const shape = await api<{ code: string }>('POST', '/api/studies/analyze', { paths: 'x' });
    assert.deepEqual([shape.status, shape.body.code], [400, 'ANALYSIS_INPUT_INVALID']);
    const empty = mkdtempSync(join(importRoot, 'empty-'));
    const unusable = await api<{ code: string }>('POST', '/api/studies/analyze', { paths: [empty] });
    assert.deepEqual([unusable.status, unusable.body.code], [422, 'INPUT_UNUSABLE']);
    const site = await api<{ code: string }>('POST', '/api/studies/analyze', { paths: [studyDir], site: '../x' });
    assert.deepEqual([site.status, site.body.code], [400, 'INVALID_SITE_ID']);
  });

  it('analyze opens nothing outside the import folders, and a missing path looks the same as a forbidden one', async () => {
    const refused = async (path: string) => {
      const { status, body } = await api<{ code: string; message: string }>('POST', '/api/studies/analyze', { paths: [path] });
      return [status, body.code, body.message.replace(path, '<path>')];
    };
    const expected = [404, 'ANALYSIS_PATH_REFUSED', '<path> is not a readable file or folder under the import folders'];
    // a real DICOM folder outside the root (the study written there), a system file, a missing path, ../ out of the root
    const outside = join(work, 'outside');
    await writeCtSeries(generateChestPhantom({ seed: 12, dimensions: [24, 24, 12], spacing: [12, 12, 20] }).volume, outside, { PatientID: 'OTHER', StudyDate: '20260302', AccessionNumber: 'E2E2' });
    for (const path of [outside, '/etc/passwd', join(importRoot, 'nope'), join(importRoot, '..', 'outside'), join(work, 'data')]) {
      assert.deepEqual(await refused(path), expected, path);
    }
    // a link inside the root that leads out of it is refused as a whole path, and skipped inside a folder
    symlinkSync(outside, join(importRoot, 'link-out'));
    assert.deepEqual(await refused(join(importRoot, 'link-out')), expected);
    const mixed = join(importRoot, 'mixed');
    mkdirSync(mixed);
    symlinkSync(outside, join(mixed, 'link-out'));
    symlinkSync(mixed, join(mixed, 'loop'));
    const walked = await api<{ code: string; message: string }>('POST', '/api/studies/analyze', { paths: [mixed] });
    assert.deepEqual([walked.status, walked.body.code], [422, 'INPUT_UNUSABLE'], 'the loop ends and nothing behind the escaping link was analysed');
  });
});
