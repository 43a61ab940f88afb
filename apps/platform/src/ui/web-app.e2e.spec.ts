import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { writeCtSeries } from '@polyrad/dicom';
import { generateChestPhantom } from '@polyrad/phantom';
import type { Report } from '@polyrad/sdk';
import { type ApiClient, createUser, type NewTestUser, signIn as signInApi, signInAdmin, TEST_ADMIN_PASSWORD, withTestAuth } from '../auth/auth.fixture.js';
import { loadConfig } from '../config/app-config.js';
import type { StudyDelivery } from '../delivery/delivery.repository.js';
import { deliveriesWhen } from '../delivery/delivery-log.fixture.js';
import { startOrthanc, type OrthancPeer } from '../delivery/orthanc-peer.fixture.js';
import { skipWithout } from '../delivery/validator-tools.fixture.js';
import { dcmtkTool, runDcmtk } from '../ingest/dcmtk.fixture.js';
import { createApp, type RunningApp } from '../main.js';
import { generateVendorKeys } from '../plugins/plugin-package.js';
import type { PluginView } from '../registry/registry.types.js';
import { packExample } from '../registry/registry.fixture.js';
import { sampleReport, uniqueUid } from '../studies/report.fixture.js';
import { StudiesService } from '../studies/studies.service.js';
import { browserAvailable, launchBrowser, signInPage } from './browser.fixture.js';

/**
 * Issue #16: the web app in headless Chromium (Debian's, driven by playwright-core; no browser download)
 * against a real platform. Each role signs in through the login page and sees only its own screens.
 * POLYRAD_SCREENSHOTS=<dir> also saves the main screens there (docs/screenshots in the README).
 */
const haveBrowser = browserAvailable('web-app e2e');
const screenshots = process.env.POLYRAD_SCREENSHOTS ? resolve(process.env.POLYRAD_SCREENSHOTS) : undefined;

const work = mkdtempSync(join(tmpdir(), 'polyrad-webapp-'));
let running: RunningApp;
const ACCESS_TOKEN_TTL_S = 3;
let browser: Browser;
const users: Record<'reader' | 'vendor' | 'leaver', { username: string; password: string }> = {} as never;
let packagePath: string;
/** acme.lung-density 1.1.0, published through the API once the admin has configured 1.0.0 */
let nextVersion: unknown;
/** Browser console errors about the Content Security Policy: the app must need no exception to it. */
const cspViolations: string[] = [];
const urgentUid = uniqueUid();
/** The site's PACS (a real Orthanc) that the admin sets up in the browser; the signed report must reach it. */
const noOrthanc = skipWithout('Orthanc');
let orthanc: OrthancPeer | undefined;
/** A study a modality sends over DICOM (DCMTK storescu) while the radiologist watches the worklist. */
const storescu = dcmtkTool('storescu');
const liveUid = uniqueUid();
const routineUid = uniqueUid();

function richReport(uid: string): Report {
  const base = sampleReport(uid, 'Moderate centrilobular emphysema. Ascending aorta dilated (45 mm).');
  const series = base.findings[0]!.seriesInstanceUid;
  const by = (id: string) => ({ algorithm: { id, version: '1.0.0' }, seriesInstanceUid: series });
  return {
    ...base,
    study: { ...base.study, patientId: 'PAT-017', accessionNumber: 'ACC-1017' },
    priority: { level: 'urgent', reasons: ['Ascending aorta 45 mm (≥ 45 mm)'] },
    algorithms: [
      ...base.algorithms,
      { id: 'polyrad.aorta', version: '1.0.0', status: 'succeeded', durationMs: 2140 },
      { id: 'polyrad.coronary-calcium', version: '1.0.0', status: 'skipped', reason: 'no non-contrast series: calcium scoring needs images without contrast' },
      { id: 'polyrad.spine', version: '1.0.0', status: 'failed', reason: 'timed out after 120 s' },
    ],
    findings: [
      ...base.findings,
      { code: 'lung.left.volume', assessment: 'measured', value: 2710, unit: 'mL', reference: { min: 1500, max: 4000, text: '1.5-4 L', source: 'adult reference' }, ...by('polyrad.lung-segmentation') },
      { code: 'aorta.ascending.diameter', assessment: 'measured', value: 45, unit: 'mm', abnormal: true, reference: { max: 40, text: '< 40 mm', source: 'ESC 2024' }, category: 'dilated', ...by('polyrad.aorta') },
      { code: 'heart.cac.agatston', assessment: 'not-assessed', value: null, unit: '', reason: 'calcium scoring skipped: no non-contrast series', ...by('polyrad.coronary-calcium') },
      { code: 'spine.fracture', assessment: 'not-assessed', value: null, unit: '', reason: 'the spine algorithm failed (timed out after 120 s)', ...by('polyrad.spine') },
    ],
  };
}

before(async () => {
  if (!haveBrowser) return;
  // Access tokens outlive only a few steps, so the app's silent renewal through /api/auth/refresh runs in every
  // test; API checks from here sign in afresh (hence the raised per-user sign-in limit).
  const auth = { accessTokenTtlS: ACCESS_TOKEN_TTL_S, loginPerMinutePerUser: 1000 };
  running = await createApp(withTestAuth(loadConfig({ PORT: '0', DICOM_PORT: '0', POLYRAD_DATA_DIR: join(work, 'data'), POLYRAD_QUIET_PERIOD_S: '3' }), auth));
  const root = await signInAdmin(running.url);
  const keys = generateVendorKeys();
  assert.equal((await root.post('/api/vendors', { id: 'acme', name: 'ACME Imaging', publicKeyPem: keys.publicKeyPem })).status, 201);
  const wanted: Array<[keyof typeof users, NewTestUser]> = [
    ['reader', { username: 'reader', role: 'radiologist', sites: ['default'] }],
    ['leaver', { username: 'leaver', role: 'radiologist', sites: ['default'] }],
    ['vendor', { username: 'acme-publisher', role: 'vendor', vendorId: 'acme' }],
  ];
  // a fresh admin session per user: on a busy machine creating them can outlast one access token
  for (const [key, user] of wanted) users[key] = { username: user.username, password: (await createUser(await asRoot(), user)).password };
  // the example plugin with a per-site setting, so its page has a configuration form
  const withSetting = (manifest: Record<string, unknown>) => {
    manifest.config = {
      type: 'object',
      properties: { threshold: { type: 'number', title: 'Density threshold (HU)', minimum: -1000, maximum: 0, default: -950 } },
      additionalProperties: false,
    };
  };
  const packed = await packExample(join(work, 'pack'), '1.0.0', keys.privateKeyPem, withSetting);
  nextVersion = (await packExample(join(work, 'pack'), '1.1.0', keys.privateKeyPem, withSetting)).body;
  packagePath = join(work, 'acme.lung-density-1.0.0.polyrad.tgz');
  writeFileSync(packagePath, packed.bytes);
  writeFileSync(`${packagePath}.sig`, JSON.stringify(packed.signature));
  const studies = running.app.get(StudiesService);
  await studies.storeReport({ ...sampleReport(routineUid), generatedAt: new Date().toISOString() });
  await studies.storeReport(richReport(urgentUid));
  browser = await launchBrowser();
  if (!noOrthanc) orthanc = await startOrthanc();
});

after(async () => {
  await browser?.close();
  await running?.close();
  await orthanc?.stop();
  rmSync(work, { recursive: true, force: true });
});

/** A fresh API session of the initial admin (access tokens expire within seconds here). */
const asRoot = (): Promise<ApiClient> => signInAdmin(running.url);
const asUser = (key: keyof typeof users): Promise<ApiClient> => signInApi(running.url, users[key].username, users[key].password);

function signIn(username: string, password: string): Promise<Page> {
  return signInPage(browser, running.url, username, password, (page) =>
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    }),
  );
}

async function shot(page: Page, name: string): Promise<void> {
  if (!screenshots) return;
  mkdirSync(screenshots, { recursive: true });
  await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
}

const navLabels = async (page: Page): Promise<string[]> => page.getByRole('navigation', { name: 'Main' }).getByRole('link').allInnerTexts();

describe('the web app in Chromium', { skip: !haveBrowser }, () => {
  it('refuses a wrong password on the login page, with the reason', async () => {
    const page = await browser.newPage();
    await page.goto(running.url);
    await shot(page, 'login');
    await page.getByLabel('Username').fill('admin');
    await page.locator('input[name="password"]').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Sign-in refused' }).waitFor();
    assert.equal(await page.getByTestId('signed-in-user').count(), 0);
    await page.close();
  });

  it('lets the admin find a bundled plugin, open its page, disable and re-enable it at a site', async () => {
    const page = await signIn('admin', TEST_ADMIN_PASSWORD);
    assert.deepEqual(await navLabels(page), ['Marketplace', 'Audit log', 'Reader feedback', 'Destinations', 'Delivery log', 'Shadow & drift']);
    await page.getByRole('article', { name: 'Lung segmentation' }).waitFor();
    await shot(page, 'admin-marketplace');
    await page.getByLabel('Search').fill('emphysema quantification');
    await page.getByRole('article', { name: 'Lung segmentation' }).waitFor({ state: 'detached' });
    await page.getByRole('link', { name: 'Emphysema quantification' }).click();
    await page.getByRole('heading', { name: 'Emphysema quantification' }).waitFor();
    await page.getByRole('region', { name: 'Operating range' }).getByText('Modality is CT').waitFor();
    await shot(page, 'admin-plugin');

    const enabledAt = async () => (await (await asRoot()).get<PluginView>('/api/plugins/polyrad.emphysema?site=default')).body.enablement?.enabled;
    await page.getByRole('button', { name: 'Disable at default' }).click();
    await page.getByTestId('enablement-state').getByText('Disabled').waitFor();
    assert.equal(await enabledAt(), false);
    await page.getByRole('button', { name: 'Enable at default' }).click();
    await page.getByTestId('enablement-state').getByText('Enabled; runs version 1.0.0').waitFor();
    assert.equal(await enabledAt(), true);

    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('table', { name: 'Audit entries' }).getByText('plugin.disable').first().waitFor();
    await shot(page, 'admin-audit');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await page.close();
  });

  it('lets the vendor publish from the browser and see the refusal of a duplicate, but not the admin screens', async () => {
    const { username, password } = users.vendor;
    const page = await signIn(username, password);
    assert.deepEqual(await navLabels(page), ['My plugins', 'Publish', 'Field metrics']);
    await page.getByText('You have not published a plugin yet').waitFor();
    await page.getByRole('link', { name: 'Publish', exact: true }).click();
    const upload = async () => {
      for (const [label, file] of [['Package (.polyrad.tgz)', packagePath], ['Signature (.sig)', `${packagePath}.sig`]] as const) {
        const chooser = page.waitForEvent('filechooser');
        await page.getByRole('button', { name: label }).click();
        await (await chooser).setFiles(file);
      }
      await page.getByRole('button', { name: 'Publish', exact: true }).click();
    };
    await upload();
    await page.getByRole('status').getByText('acme.lung-density version 1.0.0 is in the catalog').waitFor();
    await shot(page, 'vendor-publish');
    await upload();
    await page.getByRole('alert').getByText('PLUGIN_VERSION_EXISTS').waitFor();
    await page.getByRole('link', { name: 'My plugins' }).click();
    await page.getByRole('table', { name: 'Versions of ACME mean lung density' }).getByText('1.0.0').waitFor();
    await shot(page, 'vendor-plugins');

    await page.goto(`${running.url}/marketplace`);
    await page.getByTestId('signed-in-user').waitFor({ state: 'detached' });
    // a reload forgets the in-memory session: sign in again, then ask for the admin screen by its address
    await page.getByLabel('Username').fill(username);
    await page.locator('input[name="password"]').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('This page is not available to your role').waitFor();
    const api = await asUser('vendor');
    assert.equal((await api.get('/api/audit')).status, 403);
    assert.equal((await api.post('/api/sites/default/plugins/polyrad.emphysema/disable')).status, 403);
    await page.close();
  });

  it('gives the admin the configuration form of the published plugin, validated before it is sent', async () => {
    const page = await signIn('admin', TEST_ADMIN_PASSWORD);
    await page.getByRole('link', { name: 'ACME mean lung density' }).click();
    const threshold = page.getByLabel('Density threshold (HU)');
    await threshold.fill('50');
    await page.getByRole('button', { name: 'Save configuration' }).click();
    await page.getByText('50 is greater than 0').waitFor();
    assert.deepEqual((await (await asRoot()).get<PluginView>('/api/plugins/acme.lung-density?site=default')).body.enablement?.config ?? {}, {}, 'an invalid configuration is not sent');
    await threshold.fill('-920');
    await page.getByRole('button', { name: 'Save configuration' }).click();
    await page.getByText('Configuration saved.').waitFor();
    const plugin = (await (await asRoot()).get<PluginView>('/api/plugins/acme.lung-density?site=default')).body;
    assert.deepEqual(plugin.enablement?.config, { threshold: -920 });
    await shot(page, 'admin-plugin-config');
    await page.close();
  });

  it('warns the admin of an unmet input before enabling, shows the refusal, then pins a version and rolls back', async () => {
    const page = await signIn('admin', TEST_ADMIN_PASSWORD);
    const lungs = '/api/sites/default/plugins/polyrad.lung-segmentation';
    assert.equal((await (await asRoot()).post(`${lungs}/disable`)).status, 200);
    await page.getByRole('link', { name: 'ACME mean lung density' }).click();
    const warning = page.getByRole('status').filter({ hasText: 'Dependency not met' });
    await warning.getByText('needs polyrad.mask.lungs ^1, which no plugin enabled at default produces. Enable Lung segmentation first.').waitFor();
    await shot(page, 'admin-dependency-warning');
    await page.getByRole('button', { name: 'Enable at default' }).click();
    await page.getByRole('alert').filter({ hasText: 'The change was refused' }).getByText('PLUGIN_DEPENDENCY_UNSATISFIED', { exact: false }).waitFor();
    assert.equal((await (await asRoot()).post(`${lungs}/enable`)).status, 200);

    assert.equal((await (await asUser('vendor')).post('/api/plugins/packages', nextVersion)).status, 201);
    await page.getByRole('link', { name: '← Back to the marketplace' }).click();
    await page.getByRole('link', { name: 'ACME mean lung density' }).click();
    await warning.waitFor({ state: 'detached' });
    const state = page.getByTestId('enablement-state');
    await page.getByRole('button', { name: 'Enable at default' }).click();
    // enabling approves the newest version: pinned to it, so a later release waits for the admin
    await state.getByText('Enabled; runs version 1.1.0 (pinned to 1.1.0).').waitFor();
    await page.getByRole('combobox', { name: 'Version to run' }).click();
    await page.getByRole('option', { name: '1.0.0' }).click();
    await page.getByRole('button', { name: 'Pin', exact: true }).click();
    await state.getByText('Enabled; runs version 1.0.0 (pinned to 1.0.0).').waitFor();
    await page.getByRole('button', { name: 'Roll back' }).click();
    await state.getByText('Enabled; runs version 1.1.0 (pinned to 1.1.0).').waitFor();
    const plugin = (await (await asRoot()).get<PluginView>('/api/plugins/acme.lung-density?site=default')).body;
    assert.deepEqual([plugin.enablement?.enabled, plugin.enablement?.resolvedVersion], [true, '1.1.0']);
    await page.close();
  });

  it('lets the admin add a PACS destination and a routing rule for signed reports, showing each refusal with its reason', { skip: noOrthanc }, async () => {
    const pacs = orthanc!;
    const page = await signIn('admin', TEST_ADMIN_PASSWORD);
    await page.getByRole('link', { name: 'Destinations' }).click();
    await page.getByText('No destination yet').waitFor();
    const form = page.getByRole('form', { name: 'Add a destination' });
    const kind = async (label: string) => {
      await form.getByRole('combobox', { name: 'Kind' }).click();
      await page.getByRole('option', { name: label }).click();
    };
    // a URL outside the server's allow-list is refused, with the reason
    await form.getByLabel(/^Name/).fill('ehr');
    await kind('EHR (FHIR R4)');
    await form.getByLabel('URL').fill('https://ehr.example.org/fhir');
    await form.getByRole('button', { name: 'Add destination' }).click();
    await page.getByRole('alert').filter({ hasText: 'The destination was refused' }).getByText('is not an allowed delivery host', { exact: false }).waitFor();

    await form.getByLabel(/^Name/).fill('pacs');
    await kind('PACS (DICOM C-STORE)');
    await form.getByLabel('Host').fill('127.0.0.1');
    await form.getByLabel('Port').fill(String(pacs.dicomPort));
    await form.getByLabel('Called AE title').fill(pacs.aeTitle);
    await form.getByRole('button', { name: 'Add destination' }).click();
    await page.getByRole('table', { name: 'Destinations of the site' }).getByText(`${pacs.aeTitle} at 127.0.0.1:${pacs.dicomPort}`).waitFor();

    await page.getByRole('button', { name: 'Add a rule' }).click();
    const rule = page.getByRole('group', { name: 'Rule 1' });
    await rule.getByLabel('DICOM SR').check();
    await rule.getByLabel('Signed').check();
    await page.getByRole('button', { name: 'Save rules' }).click();
    await page.getByText('Saved: pacs gets DICOM SR for signed reports.').waitFor();
    await shot(page, 'admin-destinations');
    const saved = await (await asRoot()).get('/api/sites/default/delivery-rules');
    assert.deepEqual(saved.body, [{ destination: 'pacs', outputs: ['sr'], statuses: ['signed'] }]);
    // a rule offers only what the destination's protocol carries (a PACS: the SR)
    assert.equal(await rule.getByLabel('HL7 ORU').count(), 0);
    await page.getByRole('button', { name: 'Remove pacs' }).click();
    await page.getByRole('alert').filter({ hasText: 'The destination was not removed' }).getByText('DELIVERY_DESTINATION_IN_USE', { exact: false }).waitFor();
    await page.close();
  });

  it('shows the radiologist the worklist, urgent first, and a report by organ, but not the marketplace', async () => {
    const { username, password } = users.reader;
    const page = await signIn(username, password);
    assert.deepEqual(await navLabels(page), ['Worklist']);
    const rows = page.getByRole('table', { name: 'Studies' }).getByRole('row');
    await rows.nth(2).waitFor();
    assert.match(await rows.nth(1).innerText(), /urgent[\s\S]*PAT-017/i);
    assert.match(await rows.nth(2).innerText(), /routine[\s\S]*PAT-001/i);
    await shot(page, 'radiologist-worklist');
    await rows.nth(1).getByRole('link').click();
    for (const organ of ['Lungs', 'Aorta', 'Heart', 'Spine']) await page.getByRole('region', { name: organ, exact: true }).waitFor();
    await page.getByRole('region', { name: 'Heart', exact: true }).getByText('calcium scoring skipped: no non-contrast series').waitFor();
    await page.getByRole('table', { name: 'Algorithm runs' }).getByText('timed out after 120 s').waitFor();
    await shot(page, 'radiologist-report');

    await page.getByRole('link', { name: 'Worklist', exact: true }).click();
    // the admin screen by its address, without a reload (which would end the in-memory session)
    await page.evaluate("history.pushState(null, '', '/marketplace'); dispatchEvent(new PopStateEvent('popstate'))");
    await page.getByText('This page is not available to your role').waitFor();
    const api = await asUser('reader');
    assert.equal((await api.get('/api/audit')).status, 403);
    assert.equal((await api.post('/api/plugins/packages', {})).status, 403);
    await page.close();
  });

  it('lets the radiologist correct findings, add a missed one, rewrite the impression and sign; the report then shows as signed', async () => {
    const page = await signIn(users.reader.username, users.reader.password);
    const studies = page.getByRole('table', { name: 'Studies' }).getByRole('row');
    await studies.nth(1).getByRole('link').click();

    const aorta = page.getByRole('row', { name: 'aorta.ascending.diameter' });
    await aorta.getByRole('button', { name: 'Edit aorta.ascending.diameter' }).click();
    const edit = page.getByRole('dialog', { name: 'Edit aorta.ascending.diameter' });
    await edit.getByLabel('Corrected value (mm)').fill('43.5');
    await edit.getByLabel('Category (optional)').fill('normal');
    await edit.getByRole('button', { name: 'Save correction' }).click();
    await aorta.getByText('Edited: 43.5 mm, normal').waitFor();
    await aorta.getByText('Algorithm: 45, dilated').waitFor();

    const volume = page.getByRole('row', { name: 'lung.left.volume' });
    await volume.getByRole('button', { name: 'Reject lung.left.volume' }).click();
    const reject = page.getByRole('dialog', { name: 'Reject lung.left.volume' });
    await reject.getByLabel('Reason').selectOption('wrong-measurement');
    await reject.getByLabel('Note (optional)').fill('includes the trachea');
    await reject.getByRole('button', { name: 'Reject finding' }).click();
    await volume.getByText('Wrong measurement: includes the trachea').waitFor();

    const emphysema = page.getByRole('row', { name: 'lung.laa950' });
    await emphysema.getByRole('button', { name: 'Accept lung.laa950' }).click();
    await emphysema.getByText('Accepted').waitFor();

    const add = page.getByRole('form', { name: 'Add a missed finding' });
    await add.getByLabel('Finding code').fill('lung.nodule');
    await add.getByLabel('Value').fill('6');
    await add.getByLabel('Unit').fill('mm');
    await add.getByLabel('Note').fill('right lower lobe');
    await add.getByRole('button', { name: 'Add finding' }).click();
    await page.getByRole('table', { name: 'Added findings' }).getByText('right lower lobe').waitFor();

    await page.getByLabel('Your impression').fill('Moderate centrilobular emphysema. Ascending aorta 43.5 mm on re-measurement.');
    await page.getByRole('button', { name: 'Save impression' }).click();
    await page.getByRole('status').filter({ hasText: 'Impression saved.' }).waitFor();
    await shot(page, 'radiologist-corrections');

    await page.getByRole('button', { name: 'Sign report' }).click();
    await page.getByRole('dialog', { name: 'Sign this report?' }).getByRole('button', { name: 'Sign', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Signed by reader on' }).waitFor();
    assert.equal(await page.getByRole('button', { name: /^(Accept|Reject|Edit) / }).count(), 0, 'a signed report offers no corrections');
    assert.equal(await page.getByLabel('Your impression').count(), 0);
    await shot(page, 'radiologist-signed-report');
    await page.getByRole('link', { name: 'Worklist', exact: true }).click();
    await studies.nth(1).getByText('Signed').waitFor();

    const api = await asUser('reader');
    const stored = (await api.get<Report>(`/api/studies/${urgentUid}/report`)).body;
    assert.deepEqual([stored.status, stored.signedBy], ['signed', 'reader']);
    const storedAorta = stored.findings.find((f) => f.code === 'aorta.ascending.diameter')!;
    assert.deepEqual([storedAorta.value, storedAorta.category, storedAorta.review?.value, storedAorta.review?.category], [45, 'dilated', 43.5, 'normal']);
    const feedback = (await api.get<Array<{ action: string; findingCode: string | null; pluginId: string | null; reader: string; reason: string | null }>>(`/api/studies/${urgentUid}/report/feedback`)).body;
    assert.deepEqual(
      feedback.map((f) => [f.action, f.findingCode, f.pluginId, f.reader, f.reason]),
      [
        ['edit', 'aorta.ascending.diameter', 'polyrad.aorta', 'reader', null],
        ['reject', 'lung.left.volume', 'polyrad.lung-segmentation', 'reader', 'wrong-measurement'],
        ['accept', 'lung.laa950', 'polyrad.emphysema', 'reader', null],
        ['add', 'lung.nodule', null, 'reader', null],
        ['impression', null, null, 'reader', null],
      ],
    );
    await page.close();
  });

  it('delivers the signed report to the PACS as VERIFIED, shows it in the reader\'s delivery log, and lets the admin re-send it', { skip: noOrthanc }, async () => {
    const pacs = orthanc!;
    const delivered = await deliveriesWhen(asRoot, urgentUid, (d) => d.some((x) => x.status === 'delivered'));
    assert.deepEqual(delivered.map((d: StudyDelivery) => [d.destination, d.release, d.outputs]), [['pacs', 1, ['sr']]]);
    const srs = await Promise.all((await pacs.get<string[]>('/instances')).map((id) => pacs.get<Record<string, unknown>>(`/instances/${id}/simplified-tags`)));
    assert.deepEqual(
      srs.filter((i) => i.StudyInstanceUID === urgentUid).map((i) => [i.Modality, i.VerificationFlag, i.CompletionFlag]),
      [['SR', 'VERIFIED', 'COMPLETE']],
    );

    const reader = await signIn(users.reader.username, users.reader.password);
    await reader.getByRole('table', { name: 'Studies' }).getByRole('row').nth(1).getByRole('link').click();
    const log = reader.getByRole('region', { name: 'Delivery' }).getByRole('table', { name: 'Deliveries' });
    await log.getByRole('row').filter({ hasText: 'pacs' }).getByText('delivered', { exact: true }).waitFor();
    assert.match(await log.innerText(), /version 1, final/);
    assert.equal(await reader.getByRole('button', { name: /^Re-send/ }).count(), 0, 'a radiologist cannot re-send');
    await reader.close();

    const page = await signIn('admin', TEST_ADMIN_PASSWORD);
    await page.getByRole('link', { name: 'Delivery log' }).click();
    await page.getByRole('combobox', { name: 'Study' }).click();
    await page.getByRole('option', { name: urgentUid, exact: false }).click();
    await page.getByRole('button', { name: 'Re-send to pacs (release 1)' }).click();
    // sent again from a fresh count: one new attempt, delivered (the log keeps the first)
    const resent = await deliveriesWhen(asRoot, urgentUid, (d) => d[0]!.log.length === 2 && d[0]!.status === 'delivered');
    assert.deepEqual(resent[0]!.log.map((a) => a.outcome), ['delivered', 'delivered']);
    // the page follows a pending delivery until it is done
    await page.getByRole('table', { name: 'Deliveries' }).getByText('delivered', { exact: true }).waitFor();
    await shot(page, 'admin-delivery-log');
    await page.close();
  });

  it('shows a study sent over DICOM arriving, waiting for completeness and analysing, live, then opens its report', { skip: storescu ? false : 'DCMTK storescu not installed' }, async () => {
    const page = await signIn(users.reader.username, users.reader.password);
    await page.getByRole('table', { name: 'Studies' }).waitFor();
    const phantom = generateChestPhantom({ seed: 5, dimensions: [96, 96, 40], spacing: [3.4, 3.4, 5] });
    const meta = { PatientID: 'LIVE-1', StudyDate: '20260301', AccessionNumber: 'ACC-LIVE', StudyInstanceUID: liveUid, SeriesDescription: 'chest', SeriesNumber: 2, seed: 1 };
    await writeCtSeries(phantom.volume, join(work, 'live'), meta);
    const sent = await runDcmtk(storescu!, ['-aet', 'CT_SCANNER', '-aec', 'POLYRAD', '+sd', '+r', '127.0.0.1', String(running.dicomPort), join(work, 'live')]);
    assert.equal(sent.status, 0, sent.output);
    // no reload, no click: the stream moves the study through its states
    const arriving = page.getByRole('table', { name: 'Arriving studies' }).getByRole('row').filter({ hasText: liveUid });
    await arriving.getByText('Waiting for completeness (40 instances', { exact: false }).waitFor();
    await shot(page, 'radiologist-worklist-live');
    await arriving.getByText(/Analysing: \d+ of \d+ algorithm runs done/).waitFor();
    const row = page.getByRole('table', { name: 'Studies' }).getByRole('row').filter({ hasText: 'LIVE-1' });
    await row.getByText('To read').waitFor({ timeout: 120_000 });
    assert.equal(await page.getByRole('table', { name: 'Arriving studies' }).count(), 0);
    await row.getByRole('link').click();
    await page.getByRole('region', { name: 'Lungs', exact: true }).getByText('lung.laa950').first().waitFor();
    await page.close();
  });

  it("shows the admin the readers' feedback per plugin version and site", async () => {
    const page = await signIn('admin', TEST_ADMIN_PASSWORD);
    await page.getByRole('link', { name: 'Reader feedback' }).click();
    const table = page.getByRole('table', { name: 'Feedback per plugin version' });
    const row = (plugin: string) => table.getByRole('row').filter({ hasText: plugin });
    // the reviewed fixture report's aorta 1.0.0, not the bundled version the live study ran
    const aorta = row('polyrad.aorta').filter({ hasText: '1.0.0' });
    await aorta.getByText('1 (1.5 / 1.5)').waitFor();
    assert.match(await aorta.innerText(), /1\.0\.0\s+default\s+1\s+0 %\s+none/);
    assert.match(await row('polyrad.lung-segmentation').innerText(), /Wrong measurement: 1/);
    assert.match(await row('polyrad.emphysema').innerText(), /100 %/);
    await shot(page, 'admin-feedback');
    await page.close();
  });

  it('renews an expired access token silently, and sends a user whose session ended back to the login page with a message', async () => {
    const { username, password } = users.leaver;
    const page = await signIn(username, password);
    await page.getByRole('table', { name: 'Studies' }).waitFor();
    // past the access token's lifetime the app renews the session without asking
    await page.waitForTimeout((ACCESS_TOKEN_TTL_S + 1) * 1000);
    await page.getByRole('link', { name: 'Open report (version 1)' }).first().click();
    await page.getByRole('region', { name: 'Impression' }).waitFor();
    await page.getByRole('link', { name: 'Worklist', exact: true }).click();
    assert.equal((await (await asRoot()).post(`/api/users/${username}/disable`)).status, 200);
    await page.getByRole('link', { name: 'Open report (version 1)' }).first().click();
    await page.getByText('Your session has expired. Sign in again to continue.').waitFor();
    assert.equal(await page.getByTestId('signed-in-user').count(), 0);
    await page.close();
  });

  it('needed no exception to the Content Security Policy', () => {
    assert.deepEqual(cspViolations, []);
  });
});
