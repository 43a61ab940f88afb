import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { Report } from '@polyrad/sdk';
import { writeCtSeries } from '@polyrad/dicom';
import { generateChestPhantom } from '@polyrad/phantom';
import { type ApiClient, createUser, signInAdmin, TEST_ADMIN_PASSWORD, withTestAuth } from '../auth/auth.fixture.js';
import { loadConfig } from '../config/app-config.js';
import { createApp, type RunningApp } from '../main.js';
import { generateVendorKeys } from '../plugins/plugin-package.js';
import { ACME_PLUGIN_ID, packExample } from '../registry/registry.fixture.js';
import type { AuditEntry, PluginView } from '../registry/registry.types.js';
import { browserAvailable, launchBrowser, signInPage } from './browser.fixture.js';

/**
 * Issue 20, "Done when", in headless Chromium (Debian's, driven by playwright-core) against a real platform that
 * analyses real DICOM: readers correct findings on two studies, the admin's dashboard shows the rates, a shadow
 * version runs without touching the reports and is promoted, and a study outside a plugin's declared range raises
 * a drift alert the admin sees.
 */
const haveBrowser = browserAvailable('learning web e2e');

const work = mkdtempSync(join(tmpdir(), 'polyrad-learning-web-'));
const importRoot = join(work, 'import');
const SITE = 'default';
const ACME = `/api/sites/${SITE}/plugins/${ACME_PLUGIN_ID}`;
let running: RunningApp;
let browser: Browser;
let reader: { username: string; password: string };
const studyDirs: string[] = [];
const reports: Report[] = [];
/** how far the reader moved the mean lung density of the first study, HU */
let editSize: number;

before(async () => {
  if (!haveBrowser) return;
  mkdirSync(importRoot);
  running = await createApp(withTestAuth(loadConfig({ PORT: '0', DICOM_PORT: '0', POLYRAD_DATA_DIR: join(work, 'data'), POLYRAD_IMPORT_ROOTS: importRoot }), { loginPerMinutePerUser: 1000 }));
  const root = await signInAdmin(running.url);
  const keys = generateVendorKeys();
  assert.equal((await root.post('/api/vendors', { id: 'acme', name: 'ACME Imaging', publicKeyPem: keys.publicKeyPem })).status, 201);
  const vendor = await createUser(root, { username: 'acme-bot', role: 'vendor', vendorId: 'acme' });
  const created = await createUser(root, { username: 'dr.web', role: 'radiologist', sites: [SITE] });
  reader = { username: 'dr.web', password: created.password };
  const versions = await Promise.all([
    packExample(join(work, 'pack'), '1.0.0', keys.privateKeyPem),
    packExample(join(work, 'pack'), '1.1.0', keys.privateKeyPem),
    packExample(join(work, 'pack'), '1.2.0', keys.privateKeyPem, (m) => {
      (m.series as { criteria: unknown[] }).criteria.push({ field: 'SliceThickness', op: 'range', max: 5, required: true, description: 'thin slices' });
    }),
  ]);
  for (const p of versions) assert.equal((await vendor.post('/api/plugins/packages', p.body)).status, 201);
  // the lung mask and the example only, to keep the analyses short
  for (const plugin of (await root.get<PluginView[]>('/api/plugins')).body.filter((p) => p.vendor.firstParty && p.id !== 'polyrad.lung-segmentation')) {
    assert.equal((await root.post(`/api/sites/${SITE}/plugins/${plugin.id}/disable`)).status, 200);
  }
  assert.equal((await root.post(`${ACME}/enable`, { version: '1.0.0' })).status, 200);
  for (const [i, seed] of [31, 32].entries()) {
    const dir = join(importRoot, `study-${i}`);
    await writeCtSeries(generateChestPhantom({ seed, dimensions: [48, 48, 32], spacing: [6.5, 6.5, 8] }).volume, dir, { PatientID: `WEB-${i}`, StudyDate: '20260302', AccessionNumber: `W${i}` });
    studyDirs.push(dir);
  }
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await running?.close();
  rmSync(work, { recursive: true, force: true });
});

const asRoot = (): Promise<ApiClient> => signInAdmin(running.url);

async function analyze(dir: string): Promise<Report> {
  const res = await (await asRoot()).post<Report>('/api/studies/analyze', { paths: [dir], site: SITE });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

const signIn = (username: string, password: string): Promise<Page> => signInPage(browser, running.url, username, password);

describe('learning from every signed report, in the browser', { skip: !haveBrowser }, () => {
  it('the admin starts 1.1.0 in shadow; analyses then run it beside 1.0.0 and no report shows it', async () => {
    const page = await signIn('admin', TEST_ADMIN_PASSWORD);
    await page.getByRole('link', { name: 'Shadow & drift' }).click();
    await page.getByText('No shadow version runs at this site.').waitFor();
    await page.getByRole('combobox', { name: 'Plugin' }).click();
    await page.getByRole('option', { name: ACME_PLUGIN_ID }).click();
    await page.getByRole('combobox', { name: 'Version' }).click();
    assert.deepEqual(await page.getByRole('option').allInnerTexts(), ['1.2.0', '1.1.0'], 'the active 1.0.0 is no candidate');
    await page.getByRole('option', { name: '1.1.0' }).click();
    await page.getByRole('button', { name: 'Run in shadow' }).click();
    await page.getByText(`${ACME_PLUGIN_ID}: 1.1.0 in shadow`).waitFor();
    await page.close();

    for (const dir of studyDirs) reports.push(await analyze(dir));
    for (const report of reports) {
      assert.deepEqual(report.algorithms.filter((a) => a.id === ACME_PLUGIN_ID).map((a) => `${a.version}:${a.status}`), ['1.0.0:succeeded']);
      // mean density, mass and the model's LAA-950
      assert.deepEqual(report.findings.filter((f) => f.algorithm.id === ACME_PLUGIN_ID).map((f) => f.algorithm.version), ['1.0.0', '1.0.0', '1.0.0']);
    }
  });

  it('a reader corrects the findings of both studies in the reading workspace', async () => {
    const page = await signIn(reader.username, reader.password);
    const open = async (patientId: string) => {
      await page.getByRole('link', { name: 'Worklist', exact: true }).click();
      await page.getByRole('table', { name: 'Studies' }).getByRole('row').filter({ hasText: patientId }).getByRole('link').click();
    };
    await open('WEB-0');
    const density = page.getByRole('row', { name: 'acme.lung.mean_density', exact: true });
    const old = reports[0]!.findings.find((f) => f.code === 'acme.lung.mean_density')!.value as number;
    const corrected = Math.round(old) + 20;
    await density.getByRole('button', { name: 'Edit acme.lung.mean_density' }).click();
    const edit = page.getByRole('dialog', { name: 'Edit acme.lung.mean_density' });
    await edit.getByLabel('Corrected value (HU)').fill(String(corrected));
    await edit.getByRole('button', { name: 'Save correction' }).click();
    await density.getByText(`Edited: ${corrected} HU`).waitFor();

    await open('WEB-1');
    const density1 = page.getByRole('row', { name: 'acme.lung.mean_density', exact: true });
    await density1.getByRole('button', { name: 'Accept acme.lung.mean_density' }).click();
    await density1.getByText('Accepted').waitFor();
    const mass = page.getByRole('row', { name: 'acme.lung.mass', exact: true });
    await mass.getByRole('button', { name: 'Reject acme.lung.mass' }).click();
    const reject = page.getByRole('dialog', { name: 'Reject acme.lung.mass' });
    await reject.getByLabel('Reason').selectOption('wrong-measurement');
    await reject.getByRole('button', { name: 'Reject finding' }).click();
    await mass.getByText('Wrong measurement').waitFor();
    await page.close();
    editSize = corrected - old;
  });

  it('the admin dashboard shows the rates; the shadow comparison counts both studies; promoting makes 1.1.0 the pinned version', async () => {
    const page = await signIn('admin', TEST_ADMIN_PASSWORD);
    await page.getByRole('link', { name: 'Reader feedback' }).click();
    const row = page.getByRole('table', { name: 'Feedback per plugin version' }).getByRole('row').filter({ hasText: ACME_PLUGIN_ID });
    await row.first().waitFor();
    assert.equal(await row.count(), 1, 'the shadow version is not listed as running at the site');
    const edit = Math.round(editSize * 100) / 100;
    // plugin, version, site, reviewed 3, accepted 1 of 3, one rejection, one edit of `edit` HU, runs 2, none failed, none not assessed
    assert.match(await row.innerText(), new RegExp(`1\\.0\\.0\\s+default\\s+3\\s+33 %\\s+Wrong measurement: 1\\s+1 \\(${edit} / ${edit}\\)\\s+0\\s+0\\s+2\\s+0 %\\s+[\\d.]+ s / [\\d.]+ s\\s+0 %`));

    await page.getByRole('link', { name: 'Shadow & drift' }).click();
    const comparison = page.getByRole('table', { name: `Comparison of ${ACME_PLUGIN_ID}` });
    assert.match(await comparison.getByRole('row').filter({ hasText: 'Studies both ran on' }).innerText(), /2\s+2/);
    assert.match(await comparison.getByRole('row').filter({ hasText: 'Findings both reported' }).innerText(), /6\s+same category —, mean value difference 0/);
    assert.match(await comparison.getByRole('row').filter({ hasText: 'Findings a reader decided on' }).innerText(), /3 \(1\)/);
    await page.getByRole('button', { name: 'Promote 1.1.0' }).click();
    await page.getByText('No shadow version runs at this site.').waitFor();
    await page.close();

    const api = await asRoot();
    const plugin = (await api.get<PluginView>(`/api/plugins/${ACME_PLUGIN_ID}?site=${SITE}`)).body;
    assert.deepEqual([plugin.enablement?.resolvedVersion, plugin.enablement?.versionPin], ['1.1.0', '1.1.0']);
    const audit = (await api.get<AuditEntry[]>(`/api/audit?subject=${ACME_PLUGIN_ID}`)).body;
    assert.deepEqual(audit.filter((e) => e.action.startsWith('plugin.shadow.')).map((e) => [e.action, e.actor]), [['plugin.shadow.promote', 'admin'], ['plugin.shadow.start', 'admin']]);
    const next = await analyze(studyDirs[0]!);
    assert.deepEqual(next.algorithms.filter((a) => a.id === ACME_PLUGIN_ID).map((a) => a.version), ['1.1.0']);
  });

  it('a study outside the range 1.2.0 declares raises a drift alert the admin sees', async () => {
    assert.equal((await (await asRoot()).post(`${ACME}/pin`, { version: '1.2.0' })).status, 200);
    await analyze(studyDirs[1]!);
    const page = await signIn('admin', TEST_ADMIN_PASSWORD);
    await page.getByRole('link', { name: 'Shadow & drift' }).click();
    const alert = page.getByRole('table', { name: 'Drift alerts' }).getByRole('row').filter({ hasText: `${ACME_PLUGIN_ID} 1.2.0` });
    await alert.waitFor();
    assert.match(await alert.innerText(), /outside operating range\s+SliceThickness\s+.*SliceThickness 8 is outside the range acme\.lung-density@1\.2\.0 declares \(<= 5\)/i);
    await page.close();
  });
});
