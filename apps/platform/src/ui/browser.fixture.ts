import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { DEFAULT_UI_DIR } from './ui-static.js';

/** Debian's chromium, driven by playwright-core: no browser is downloaded. */
export const CHROMIUM = process.env.POLYRAD_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Whether the browser specs can run: without Chromium they skip with a notice, unless
 * POLYRAD_TEST_REQUIRE_BROWSER=1 (as in CI) makes its absence an error.
 */
export function browserAvailable(spec: string): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.POLYRAD_TEST_REQUIRE_BROWSER === '1') throw new Error(`${CHROMIUM} is missing and POLYRAD_TEST_REQUIRE_BROWSER=1: install Debian's chromium`);
  console.log(`${spec} skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set POLYRAD_CHROMIUM)`);
  return false;
}

/** Builds the web app when its dist is missing, and starts the browser. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(join(DEFAULT_UI_DIR, 'index.html'))) {
    const build = spawnSync('npm', ['run', 'build', '-w', '@polyrad/marketplace-ui'], { cwd: fileURLToPath(new URL('../../../..', import.meta.url)), encoding: 'utf8' });
    assert.equal(build.status, 0, build.stderr);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}

/** A new page signed in through the login page; `watch` sees the page before it loads (console listeners). */
export async function signInPage(browser: Browser, url: string, username: string, password: string, watch: (page: Page) => void = () => undefined): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  page.setDefaultTimeout(20_000);
  watch(page);
  await page.goto(url);
  await page.getByLabel('Username').fill(username);
  await page.locator('input[name="password"]').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('signed-in-user').getByText(username).waitFor();
  return page;
}
