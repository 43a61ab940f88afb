import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { loadConfig } from '../config/app-config.js';
import { DATABASE, type Database } from '../database/database-connection.js';
import { createApp, type RunningApp } from '../main.js';
import { ApiClient, createUser, signIn, signInAdmin, TEST_ADMIN_PASSWORD, withTestAuth } from './auth.fixture.js';
import type { TokenAnswer } from './auth.service.js';

/** DESIGN.md "Sign-in": passwords, tokens, sessions and users, against a running platform. */
const work = mkdtempSync(join(tmpdir(), 'polyrad-auth-'));
after(() => rmSync(work, { recursive: true, force: true }));
const uiDir = join(work, 'ui');
mkdirSync(uiDir);
const JWT_SECRET = 'a-test-signing-secret-of-at-least-32-characters';

type ErrorBody = { code: string; message: string };

describe('sign-in, sessions and users', () => {
  let running: RunningApp;
  let admin: ApiClient;
  const anonymous = (): ApiClient => new ApiClient(running.url);
  const bearer = (token: string): ApiClient => new ApiClient(running.url, { accessToken: token } as TokenAnswer);

  before(async () => {
    const config = withTestAuth(loadConfig({ PORT: '0', DICOM_PORT: '0', POLYRAD_DATA_DIR: join(work, 'data') }), { jwtSecret: JWT_SECRET, loginPerMinutePerIp: 60 });
    running = await createApp(config, { uiDir });
    admin = await signInAdmin(running.url);
  });
  after(async () => running?.close());

  it('answers a login with a bearer access token, a refresh token and the user; /api/auth/me names the caller', async () => {
    const login = await anonymous().post<TokenAnswer>('/api/auth/login', { username: 'admin', password: TEST_ADMIN_PASSWORD });
    assert.equal(login.status, 200);
    assert.equal(login.body.tokenType, 'Bearer');
    assert.equal(login.body.expiresIn, 900);
    assert.equal(login.body.refreshExpiresIn, 43200);
    assert.match(login.body.refreshToken, /^[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(login.body.user, { username: 'admin', role: 'admin', sites: ['*'], vendorId: null });
    const me = await bearer(login.body.accessToken).get('/api/auth/me');
    assert.deepEqual([me.status, me.body], [200, login.body.user]);
  });

  it('refuses a wrong password, an unknown user and a malformed body alike, with 401 and no hint which', async () => {
    for (const body of [{ username: 'admin', password: 'wrong-password-here' }, { username: 'nobody', password: TEST_ADMIN_PASSWORD }]) {
      const res = await anonymous().post<ErrorBody>('/api/auth/login', body);
      assert.deepEqual([res.status, res.body], [401, { code: 'LOGIN_FAILED', message: 'wrong username or password' }]);
    }
    const malformed = await anonymous().post<ErrorBody>('/api/auth/login', { username: ['admin'] });
    assert.deepEqual([malformed.status, malformed.body.code], [401, 'LOGIN_FAILED']);
  });

  it('401 without a token, with a forged, expired or foreign token, and for a token with another scheme; WWW-Authenticate says Bearer', async () => {
    const none = await anonymous().get<ErrorBody>('/api/auth/me');
    assert.deepEqual([none.status, none.body.code], [401, 'UNAUTHENTICATED']);
    assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/);
    const [, payload] = admin.session!.accessToken.split('.');
    const key = new TextEncoder().encode(JWT_SECRET);
    const claims = { role: 'admin', sites: ['*'], vendorId: null, sid: 'x' };
    const expired = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject('admin').setIssuer('polyrad').setAudience('polyrad-api')
      .setIssuedAt(Math.floor(Date.now() / 1000) - 3600).setExpirationTime(Math.floor(Date.now() / 1000) - 60).sign(key);
    const foreign = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject('admin').setIssuer('polyrad').setAudience('polyrad-api')
      .setExpirationTime('5m').sign(new TextEncoder().encode('another-secret-another-secret-another'));
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${payload}.`;
    for (const [name, token] of [['expired', expired], ['foreign', foreign], ['alg none', unsigned], ['garbage', 'abc.def.ghi']] as const) {
      const res = await bearer(token).get<ErrorBody>('/api/auth/me');
      assert.deepEqual([res.status, res.body.code], [401, 'UNAUTHENTICATED'], name);
    }
    assert.match((await bearer(expired).get<ErrorBody>('/api/auth/me')).body.message, /has expired/);
    const basic = await fetch(`${running.url}/api/auth/me`, { headers: { authorization: `Basic ${Buffer.from(`admin:${TEST_ADMIN_PASSWORD}`).toString('base64')}` } });
    assert.equal(basic.status, 401);
  });

  it('rotates the refresh token: the new pair works, the old refresh token is refused, and replaying it ends the session', async () => {
    const first = await signInAdmin(running.url);
    const rotated = await anonymous().post<TokenAnswer>('/api/auth/refresh', { refreshToken: first.session!.refreshToken });
    assert.equal(rotated.status, 200);
    assert.notEqual(rotated.body.refreshToken, first.session!.refreshToken);
    assert.equal((await bearer(rotated.body.accessToken).get('/api/auth/me')).status, 200);
    const replay = await anonymous().post<ErrorBody>('/api/auth/refresh', { refreshToken: first.session!.refreshToken });
    assert.deepEqual([replay.status, replay.body.code], [401, 'REFRESH_TOKEN_INVALID']);
    assert.match(replay.body.message, /already used; its session is now closed/);
    // the replay closed the session: the token pair issued by the rotation no longer works either
    assert.equal((await anonymous().post('/api/auth/refresh', { refreshToken: rotated.body.refreshToken })).status, 401);
    assert.equal((await bearer(rotated.body.accessToken).get('/api/auth/me')).status, 401);
    assert.equal((await anonymous().post('/api/auth/refresh', { refreshToken: 'made-up' })).status, 401);
  });

  it('logout revokes the session: its access token and its refresh token stop working, other sessions go on', async () => {
    const session = await signInAdmin(running.url);
    assert.equal((await session.post('/api/auth/logout')).status, 204);
    const after = await session.get<ErrorBody>('/api/auth/me');
    assert.deepEqual([after.status, after.body.code], [401, 'UNAUTHENTICATED']);
    assert.match(after.body.message, /session of this access token has ended/);
    assert.equal((await anonymous().post('/api/auth/refresh', { refreshToken: session.session!.refreshToken })).status, 401);
    assert.equal((await admin.get('/api/auth/me')).status, 200);
  });

  it('stores an Argon2id hash, never the password', async () => {
    const user = await createUser(admin, { username: 'hash-check', role: 'radiologist', sites: ['default'] });
    const db = running.app.get<symbol, Database>(DATABASE);
    const [row] = (await db.dataSource.query(`SELECT * FROM "users" WHERE "username" = 'hash-check'`)) as Array<Record<string, unknown>>;
    assert.match(String(row!.password_hash), /^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$/);
    assert.ok(!JSON.stringify(row).includes(user.password));
    const [session] = (await db.dataSource.query(`SELECT * FROM "auth_sessions" WHERE "username" = 'hash-check'`)) as Array<Record<string, unknown>>;
    assert.ok(!JSON.stringify(session).includes(user.session!.refreshToken), 'refresh tokens are stored as hashes');
  });

  it('an admin disables a user: its sessions end and it cannot sign in; enabling lets it sign in again; both are audited', async () => {
    const user = await createUser(admin, { username: 'leaver', role: 'radiologist', sites: ['default'] });
    assert.equal((await admin.post('/api/users/leaver/disable')).status, 200);
    assert.equal((await user.get('/api/auth/me')).status, 401);
    await assert.rejects(signIn(running.url, 'leaver', user.password), /HTTP 401/);
    assert.equal((await admin.post('/api/users/leaver/enable')).status, 200);
    assert.equal((await (await signIn(running.url, 'leaver', user.password)).get('/api/auth/me')).status, 200);
    const audit = (await admin.get<Array<{ actor: string; action: string; subject: string }>>('/api/audit?subject=leaver')).body;
    assert.deepEqual(audit.map((e) => [e.actor, e.action]).reverse(), [['admin', 'user.create'], ['admin', 'user.disable'], ['admin', 'user.enable']]);
    const self = await admin.post<ErrorBody>('/api/users/admin/disable');
    assert.deepEqual([self.status, self.body.code], [403, 'FORBIDDEN']);
  });

  it('a user changes their own password (with the current one); their other sessions end, this one goes on', async () => {
    const user = await createUser(admin, { username: 'changer', role: 'radiologist', sites: ['default'] });
    const other = await signIn(running.url, 'changer', user.password);
    const without = await user.put<ErrorBody>('/api/users/changer/password', { password: 'a-brand-new-password' });
    assert.deepEqual([without.status, without.body.code], [400, 'PASSWORD_INVALID']);
    const short = await user.put<ErrorBody>('/api/users/changer/password', { password: 'short', currentPassword: user.password });
    assert.deepEqual([short.status, short.body.code], [400, 'PASSWORD_INVALID']);
    assert.equal((await user.put('/api/users/changer/password', { password: 'a-brand-new-password', currentPassword: user.password })).status, 204);
    assert.equal((await user.get('/api/auth/me')).status, 200);
    assert.equal((await other.get('/api/auth/me')).status, 401);
    await assert.rejects(signIn(running.url, 'changer', user.password), /HTTP 401/);
    await signIn(running.url, 'changer', 'a-brand-new-password');
    const foreign = await user.put<ErrorBody>('/api/users/hash-check/password', { password: 'not-my-account-1' });
    assert.deepEqual([foreign.status, foreign.body.code], [403, 'FORBIDDEN']);
  });

  it('admins manage users of their own sites only; only an all-sites admin creates vendor users', async () => {
    const siteA = await createUser(admin, { username: 'admin-a', role: 'admin', sites: ['site-a'] });
    await createUser(admin, { username: 'reader-b', role: 'radiologist', sites: ['site-b'] });
    const inScope = await siteA.post('/api/users', { username: 'reader-a', password: 'reader-a-password', role: 'radiologist', sites: ['site-a'] });
    assert.equal(inScope.status, 201);
    for (const [body, why] of [
      [{ username: 'x-b', password: 'some-long-password', role: 'radiologist', sites: ['site-b'] }, /manage users of your sites only/],
      [{ username: 'x-all', password: 'some-long-password', role: 'admin', sites: ['*'] }, /manage users of your sites only/],
      [{ username: 'x-vendor', password: 'some-long-password', role: 'vendor', vendorId: 'acme' }, /only an admin of all sites manages vendor users/],
    ] as const) {
      const res = await siteA.post<ErrorBody>('/api/users', body);
      assert.deepEqual([res.status, res.body.code], [403, 'FORBIDDEN'], JSON.stringify(body));
      assert.match(res.body.message, why);
    }
    assert.equal((await siteA.post('/api/users/reader-b/disable')).status, 403);
    assert.equal((await siteA.put('/api/users/reader-b/password', { password: 'taken-over-password' })).status, 403);
    assert.deepEqual((await siteA.get<Array<{ username: string }>>('/api/users')).body.map((u) => u.username), ['admin-a', 'reader-a']);
    const reader = await signIn(running.url, 'reader-a', 'reader-a-password');
    const listed = await reader.get<ErrorBody>('/api/users');
    assert.deepEqual([listed.status, listed.body.code], [403, 'FORBIDDEN']);
    const exists = await admin.post<ErrorBody>('/api/users', { username: 'reader-a', password: 'reader-a-password', role: 'radiologist', sites: ['site-a'] });
    assert.deepEqual([exists.status, exists.body.code], [409, 'USER_EXISTS']);
    const bad = await admin.post<ErrorBody>('/api/users', { username: 'Bad Name', password: 'reader-a-password', role: 'radiologist', sites: ['site-a'] });
    assert.deepEqual([bad.status, bad.body.code], [400, 'USER_INVALID']);
  });

  it('limits sign-in per username (429 with Retry-After) while the same client may still sign in as someone else', async () => {
    // created without signing in: no attempt counted for this name yet
    const created = await admin.post('/api/users', { username: 'target', password: 'the-target-password', role: 'radiologist', sites: ['default'] });
    assert.equal(created.status, 201);
    let answer: { status: number; headers: Headers; body: ErrorBody } | undefined;
    for (let attempt = 1; attempt <= 11; attempt++) {
      answer = await anonymous().post<ErrorBody>('/api/auth/login', { username: 'target', password: `guess-${attempt}` });
      if (attempt <= 10) assert.equal(answer.status, 401, `attempt ${attempt}`);
    }
    assert.equal(answer!.status, 429);
    assert.equal(answer!.body.code, 'RATE_LIMITED');
    assert.ok(Number(answer!.headers.get('retry-after')) >= 1, 'Retry-After in seconds');
    // the right password is refused as well while the name is blocked: the limit is not a hint
    assert.equal((await anonymous().post('/api/auth/login', { username: 'TARGET ', password: 'the-target-password' })).status, 429);
    assert.equal((await anonymous().post('/api/auth/login', { username: 'admin', password: TEST_ADMIN_PASSWORD })).status, 200);
  });

  it('limits sign-in per client address across usernames', async () => {
    // 60 per minute from this address (set above); the earlier tests used part of it already
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 61 && !statuses.includes(429); attempt++) {
      statuses.push((await anonymous().post('/api/auth/login', { username: `spray-${attempt}`, password: 'sprayed-password' })).status);
    }
    assert.equal(statuses.at(-1), 429, `no 429 within 61 attempts: ${statuses.join(',')}`);
    assert.ok(statuses.slice(0, -1).every((s) => s === 401));
  });
});

describe('the initial admin', () => {
  it('is created once at the first start, with a generated password shown once that signs in; later starts print nothing (and the API limit applies)', async () => {
    const dataDir = join(work, 'first-start');
    const config = { ...loadConfig({ PORT: '0', DICOM_PORT: '0', POLYRAD_DATA_DIR: dataDir }) };
    const lines: string[] = [];
    let running = await createApp(config, { uiDir, announce: (line) => lines.push(line) });
    try {
      assert.equal(lines.length, 1);
      const password = /the password (\S+) \(shown only this once/.exec(lines[0]!)?.[1];
      assert.ok(password && password.length >= 20, lines[0]);
      const admin = await signIn(running.url, 'admin', password);
      assert.deepEqual((await admin.get('/api/auth/me')).body, { username: 'admin', role: 'admin', sites: ['*'], vendorId: null });
      assert.equal(statSync(join(dataDir, 'jwt-secret')).mode & 0o077, 0, 'the signing key is readable by its owner only');
      await running.close();
      const apiPerMinute = 8;
      running = await createApp({ ...config, auth: { ...config.auth, adminPassword: 'an-env-password-too-late', apiPerMinute } }, { uiDir, announce: (line) => lines.push(line) });
      assert.equal(lines.length, 1, 'nothing printed at the second start');
      await assert.rejects(signIn(running.url, 'admin', 'an-env-password-too-late'), /HTTP 401/);
      const again = await signIn(running.url, 'admin', password);

      // and the general API limit counts per signed-in user
      const statuses: number[] = [];
      for (let i = 0; i <= apiPerMinute; i++) statuses.push((await again.get('/api/auth/me')).status);
      assert.deepEqual(statuses, [...Array<number>(apiPerMinute).fill(200), 429]);
      const limited = await again.get<ErrorBody>('/api/auth/me');
      assert.deepEqual([limited.status, limited.body.code], [429, 'RATE_LIMITED']);
      assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    } finally {
      await running.close();
    }
  });
});
