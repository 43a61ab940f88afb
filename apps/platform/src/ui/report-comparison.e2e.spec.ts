import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { Report } from '@polyrad/sdk';
import { createUser, signInAdmin, withTestAuth } from '../auth/auth.fixture.js';
import { loadConfig } from '../config/app-config.js';
import { comparedChestCtReport } from '../delivery/delivery.fixture.js';
import { createApp, type RunningApp } from '../main.js';
import { sampleReport, uniqueUid } from '../studies/report.fixture.js';
import { StudiesService } from '../studies/studies.service.js';
import { browserAvailable, launchBrowser, signInPage } from './browser.fixture.js';

/**
 * Issue 18, "Everywhere": the reading workspace shows the comparison with the prior exam (prior date, then and
 * now, change), and says so when the comparison could not be made.
 */
const haveBrowser = browserAvailable('report comparison e2e');
const work = mkdtempSync(join(tmpdir(), 'polyrad-comparison-web-'));
let running: RunningApp;
let browser: Browser;
let reader: { username: string; password: string };
const compared = comparedChestCtReport();
const notCompared: Report = { ...sampleReport(uniqueUid()), generatedAt: new Date().toISOString() };
notCompared.study = { ...notCompared.study, accessionNumber: 'NOT-COMPARED-1' };
notCompared.comparison = {
  status: 'not-assessed',
  reason: 'the prior PACS did not answer C-FIND (association refused)',
  prior: { studyInstanceUid: '1.2.3.4', studyDate: '20240101', accessionNumber: 'OLD-1', algorithms: [] },
  current: { algorithms: [] },
};

before(async () => {
  if (!haveBrowser) return;
  running = await createApp(withTestAuth(loadConfig({ PORT: '0', DICOM_PORT: '0', POLYRAD_DATA_DIR: join(work, 'data') })));
  const root = await signInAdmin(running.url);
  const created = await createUser(root, { username: 'dr.compare', role: 'radiologist', sites: ['default'] });
  reader = { username: 'dr.compare', password: created.password };
  const studies = running.app.get(StudiesService);
  await studies.storeReport(compared);
  await studies.storeReport(notCompared);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await running?.close();
  rmSync(work, { recursive: true, force: true });
});

/** The report opened from the reader's worklist, as a radiologist opens it. */
async function openReport(report: Report): Promise<Page> {
  const page = await signInPage(browser, running.url, reader.username, reader.password);
  await page.getByRole('table', { name: 'Studies' }).getByRole('row').filter({ hasText: report.study.accessionNumber }).getByRole('link').first().click();
  return page;
}

describe('the comparison with the prior exam in the reading workspace', { skip: !haveBrowser }, () => {
  it('shows the prior, then and now, and the change of each compared finding', async () => {
    const page = await openReport(compared);
    const panel = page.getByRole('region', { name: 'Comparison with the prior exam' });
    await panel.waitFor();
    assert.match(await panel.innerText(), /Compared with the study of 2025-03-10 \(accession ACC-2025-007\), \d+ days earlier/);
    const nodule = compared.findings.find((f) => f.code === 'lung.nodule')!;
    const row = panel.getByRole('row', { name: String(nodule.label ?? nodule.code) });
    const text = await row.innerText();
    assert.match(text, /12\.1 mm \(2025-03-10, 4A\)/, 'the prior value, its date and category');
    assert.match(text, new RegExp(`${nodule.value} mm`), 'the value now');
    assert.match(text, new RegExp(`growing, \\+${Math.round(((nodule.value as number) - 12.1) * 10) / 10} mm, volume doubling time ${Math.round(nodule.volumeDoublingDays as number)} days`));
    const aorta = compared.findings.find((f) => f.code === 'aorta.ascending.diameter')!;
    assert.match(await panel.getByRole('row', { name: String(aorta.label ?? aorta.code) }).innerText(), new RegExp(`47\\.1 mm \\(2025-03-10, dilated\\)[\\s\\S]*${aorta.growthMmPerYear} mm/year`));
    await page.close();
  });

  it('says why when the comparison could not be made, and shows no changes', async () => {
    const page = await openReport(notCompared);
    await page.getByText('Comparison with the prior exam not assessed').waitFor();
    await page.getByText('the prior PACS did not answer C-FIND (association refused)', { exact: false }).waitFor();
    assert.equal(await page.getByRole('table', { name: 'Changes since the prior exam' }).count(), 0);
    await page.close();
  });
});
