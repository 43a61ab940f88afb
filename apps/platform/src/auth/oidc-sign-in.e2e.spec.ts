import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import { loadConfig } from '../config/app-config.js';
import { freePort } from '../delivery/orthanc-peer.fixture.js';
import { createApp, type RunningApp } from '../main.js';
import { DEFAULT_UI_DIR } from '../ui/ui-static.js';
import { ApiClient, signInAdmin, withTestAuth } from './auth.fixture.js';
import { startOidcProvider, type OidcProviderPeer } from './oidc-provider.fixture.js';

/**
 * Issue #16: sign-in through a hospital's OpenID Connect provider, against a real provider (oidc-provider)
 * in this process: authorization code with PKCE from the web app's login page in Chromium, the role from
 * the `groups` claim, and refusals for a user without a mapped role and for a replayed answer.
 */
const CHROMIUM = process.env.POLYRAD_CHROMIUM ?? '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) || process.env.POLYRAD_TEST_REQUIRE_BROWSER === '1' ? false : `no Chromium at ${CHROMIUM}`;
const screenshots = process.env.POLYRAD_SCREENSHOTS ? resolve(process.env.POLYRAD_SCREENSHOTS) : undefined;

const work = mkdtempSync(join(tmpdir(), 'polyrad-oidc-'));
let running: RunningApp;
let idp: OidcProviderPeer;
let browser: Browser;
const GROUPS: Record<string, string[]> = {
  'dr.grey': ['staff', 'radiology'],
  'it.lead': ['pacs-admins'],
  'cook': ['cafeteria'],
  // the name of the platform's local initial admin
  admin: ['pacs-admins'],
};

before(async () => {
  if (skip) return;
  if (!existsSync(join(DEFAULT_UI_DIR, 'index.html'))) {
    const build = spawnSync('npm', ['run', 'build', '-w', '@polyrad/marketplace-ui'], { cwd: fileURLToPath(new URL('../../../..', import.meta.url)), encoding: 'utf8' });
    assert.equal(build.status, 0, build.stderr);
  }
  // both addresses are in each other's settings, so both ports are chosen first
  const [appPort, idpPort] = [await freePort(), await freePort()];
  const redirectUri = `http://localhost:${appPort}/login/oidc`;
  idp = await startOidcProvider({ port: idpPort, clientId: 'polyrad', clientSecret: 'polyrad-client-secret', redirectUri, groups: GROUPS });
  const env = {
    PORT: String(appPort),
    DICOM_PORT: '0',
    POLYRAD_DATA_DIR: join(work, 'data'),
    POLYRAD_OIDC_ISSUER: idp.issuer,
    POLYRAD_OIDC_CLIENT_ID: 'polyrad',
    POLYRAD_OIDC_CLIENT_SECRET: 'polyrad-client-secret',
    POLYRAD_OIDC_REDIRECT_URI: redirectUri,
    POLYRAD_OIDC_ROLES: 'radiology=radiologist@default,pacs-admins=admin@default',
    POLYRAD_OIDC_LABEL: 'Sign in with St. Example ID',
  };
  const config = loadConfig(env);
  running = await createApp(withTestAuth(config, { oidc: config.auth.oidc }));
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
});

after(async () => {
  await browser?.close();
  await running?.close();
  await idp?.stop();
  rmSync(work, { recursive: true, force: true });
});

/** Signs in at the provider's login page as `login` and consents; resolves with the query it returned to the app. */
async function throughProvider(page: Page, login: string): Promise<string> {
  let returned = '';
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.pathname === '/login/oidc' && request.isNavigationRequest()) returned = url.search;
  });
  await page.goto(running.url);
  await page.getByRole('button', { name: 'Sign in with St. Example ID' }).click();
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('anything');
  await page.locator('button[type="submit"]').click();
  // the consent page
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL((url) => url.origin === new URL(running.url).origin && url.pathname !== '/login/oidc');
  return returned;
}

describe('sign-in through an OpenID Connect provider', { skip }, () => {
  it('signs a radiologist in through the provider, with the role of their group, and refuses the answer replayed', async () => {
    const page = await browser.newPage();
    page.setDefaultTimeout(15_000);
    const search = await throughProvider(page, 'dr.grey');
    await page.getByTestId('signed-in-user').getByText('dr.grey').waitFor();
    assert.deepEqual(await page.getByRole('navigation', { name: 'Main' }).getByRole('link').allInnerTexts(), ['Worklist']);
    await page.getByText('No study has been analysed yet.').waitFor();
    if (screenshots) {
      mkdirSync(screenshots, { recursive: true });
      await page.screenshot({ path: join(screenshots, 'oidc-signed-in.png') });
    }
    assert.match(search, /[?&]code=/);
    // the code and state are single use
    const replay = await new ApiClient(running.url).post<{ code: string }>('/api/auth/oidc/callback', { search });
    assert.deepEqual([replay.status, replay.body.code], [401, 'OIDC_SIGN_IN_FAILED']);
    const users = (await (await signInAdmin(running.url)).get<Array<{ username: string; role: string; sites: string[]; createdBy: string }>>('/api/users')).body;
    const grey = users.find((u) => u.username === 'dr.grey');
    assert.deepEqual([grey?.role, grey?.sites, grey?.createdBy], ['radiologist', ['default'], 'oidc']);
    await page.close();
  });

  it('gives a member of the admins group the admin screens', async () => {
    const page = await browser.newPage();
    page.setDefaultTimeout(15_000);
    await throughProvider(page, 'it.lead');
    await page.getByTestId('signed-in-user').getByText('it.lead').waitFor();
    assert.deepEqual((await page.getByRole('navigation', { name: 'Main' }).getByRole('link').allInnerTexts())[0], 'Marketplace');
    await page.close();
  });

  it('refuses a user whose groups map to no role, and never takes over a local account of the same name', async () => {
    for (const [login, reason] of [
      ['cook', 'cook signed in at the identity provider, but none of their groups is given a role here'],
      ['admin', 'admin is a local user of this platform; sign in with its password'],
    ] as const) {
      const page = await browser.newPage();
      page.setDefaultTimeout(15_000);
      await throughProvider(page, login);
      await page.getByRole('alert').filter({ hasText: 'Sign-in refused' }).getByText(reason, { exact: false }).waitFor();
      assert.equal(await page.getByTestId('signed-in-user').count(), 0);
      await page.close();
    }
    const users = (await (await signInAdmin(running.url)).get<Array<{ username: string }>>('/api/users')).body;
    assert.equal(users.some((u) => u.username === 'cook'), false, 'no account is created without a role');
  });

  it('tells the login page there is a provider, and answers a callback that is not one with a reason', async () => {
    const anonymous = new ApiClient(running.url);
    assert.deepEqual((await anonymous.get('/api/auth/oidc')).body, { enabled: true, label: 'Sign in with St. Example ID' });
    for (const search of [undefined, 'code=x', `?code=x&state=${'s'.repeat(5000)}`, '?error=access_denied&error_description=the+user+said+no']) {
      const res = await anonymous.post<{ code: string; message: string }>('/api/auth/oidc/callback', { search });
      assert.deepEqual([res.status, res.body.code], [401, 'OIDC_SIGN_IN_FAILED'], JSON.stringify(res.body));
    }
    const denied = await anonymous.post<{ message: string }>('/api/auth/oidc/callback', { search: '?error=access_denied&error_description=the+user+said+no' });
    assert.match(denied.body.message, /the identity provider refused the sign-in: the user said no/);
  });
});
