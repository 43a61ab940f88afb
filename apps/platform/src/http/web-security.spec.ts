import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Body, Controller, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { type AuthConfig, loadConfig } from '../config/app-config.js';
import { DEFAULT_UI_DIR, serveUi } from '../ui/ui-static.js';
import { applyWebSecurity, limitSlowClients } from './web-security.js';

@Controller('api/echo')
class EchoController {
  @Post()
  echo(@Body() body: unknown): unknown {
    return body;
  }
}

@Module({ controllers: [EchoController] })
class EchoModule {}

/** The protections alone, on an app with one JSON route and the built UI (no database needed). */
async function start(auth: Partial<AuthConfig>): Promise<{ app: NestExpressApplication; url: string; config: AuthConfig }> {
  const config = { ...loadConfig({}).auth, ...auth };
  const app = await NestFactory.create<NestExpressApplication>(EchoModule, { logger: false });
  applyWebSecurity(app, config);
  limitSlowClients(app.getHttpServer(), config);
  serveUi(app);
  await app.listen(0, '127.0.0.1');
  return { app, url: `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`, config };
}

const built = existsSync(join(DEFAULT_UI_DIR, 'index.html'));

describe('web protections (plain HTTP, no CORS origins listed)', () => {
  let server: Awaited<ReturnType<typeof start>>;
  before(async () => (server = await start({})));
  after(async () => server?.app.close());

  it('sends a restrictive CSP, no framing, nosniff and no referrer, on the UI and the API; no HSTS without TLS', async () => {
    for (const res of [await fetch(`${server.url}/`), await fetch(`${server.url}/api/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })]) {
      const csp = res.headers.get('content-security-policy') ?? '';
      for (const directive of ["default-src 'self'", "script-src 'self'", "style-src 'self'", "object-src 'none'", "frame-ancestors 'none'", "connect-src 'self'"]) {
        assert.ok(csp.split(';').includes(directive), `${directive} in ${csp}`);
      }
      assert.ok(!csp.includes('unsafe-inline') && !csp.includes('unsafe-eval'), csp);
      assert.equal(res.headers.get('x-frame-options'), 'DENY');
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
      assert.equal(res.headers.get('strict-transport-security'), null);
      assert.equal(res.headers.get('x-powered-by'), null);
    }
  });

  it('the built UI loads under that CSP: only its own script and stylesheet, nothing inline', { skip: built ? false : 'UI not built' }, async () => {
    const html = await (await fetch(`${server.url}/`)).text();
    assert.match(html, /<title>Polyrad<\/title>/);
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script');
    assert.doesNotMatch(html, /<style|\sstyle=|\son[a-z]+=/i, 'no inline style or handler');
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    assert.ok(assets.length >= 2, html);
    for (const asset of assets) {
      assert.match(asset, /^\/assets\/[\w.-]+\.(js|css)$/, 'same origin, under /assets');
      const res = await fetch(`${server.url}${asset}`);
      assert.equal(res.status, 200, asset);
      assert.match(res.headers.get('content-type') ?? '', asset.endsWith('.js') ? /javascript/ : /text\/css/);
      if (asset.endsWith('.js')) assert.doesNotMatch(readFileSync(join(DEFAULT_UI_DIR, asset), 'utf8'), /\beval\(/, 'no eval under script-src self');
    }
  });

  it('takes JSON only on API routes: text/plain and form bodies get 415, JSON passes', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const res = await fetch(`${server.url}/api/echo`, { method: 'POST', headers: { 'content-type': type }, body: '{"a":1}' });
      assert.equal(res.status, 415, type);
      assert.equal(((await res.json()) as { code: string }).code, 'UNSUPPORTED_MEDIA_TYPE');
    }
    const json = await fetch(`${server.url}/api/echo`, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body: '{"a":1}' });
    assert.deepEqual([json.status, await json.json()], [201, { a: 1 }]);
  });

  it('grants no cross-origin access: no CORS headers, and a foreign origin\'s POST is refused before it runs', async () => {
    const preflight = await fetch(`${server.url}/api/echo`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
    });
    assert.equal(preflight.headers.get('access-control-allow-origin'), null);
    const post = await fetch(`${server.url}/api/echo`, { method: 'POST', headers: { origin: 'https://evil.example', 'content-type': 'application/json' }, body: '{}' });
    assert.equal(post.status, 403);
    const sameOrigin = await fetch(`${server.url}/api/echo`, { method: 'POST', headers: { origin: server.url, 'content-type': 'application/json' }, body: '{}' });
    assert.equal(sameOrigin.status, 201, 'the UI itself (same origin) is not refused');
  });

  it('cuts off slow clients: bounded time for the request head and the whole request', () => {
    const http = server.app.getHttpServer();
    assert.equal(http.headersTimeout, server.config.headersTimeoutMs);
    assert.equal(http.requestTimeout, server.config.requestTimeoutMs);
    assert.ok(http.headersTimeout > 0 && http.headersTimeout <= http.requestTimeout);
  });
});

describe('web protections behind TLS, with a listed CORS origin', () => {
  let server: Awaited<ReturnType<typeof start>>;
  before(async () => (server = await start({ hsts: true, corsOrigins: ['https://ris.example.org'] })));
  after(async () => server?.app.close());

  it('sends HSTS', async () => {
    assert.match((await fetch(`${server.url}/`)).headers.get('strict-transport-security') ?? '', /max-age=31536000; includeSubDomains/);
  });

  it('allows the listed origin (bearer header, no credentials) and no other', async () => {
    const ask = (origin: string) =>
      fetch(`${server.url}/api/echo`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
      });
    const listed = await ask('https://ris.example.org');
    assert.equal(listed.headers.get('access-control-allow-origin'), 'https://ris.example.org');
    assert.match(listed.headers.get('access-control-allow-headers') ?? '', /Authorization/);
    assert.equal(listed.headers.get('access-control-allow-credentials'), null);
    assert.equal((await ask('https://evil.example')).headers.get('access-control-allow-origin'), null);
    const post = await fetch(`${server.url}/api/echo`, { method: 'POST', headers: { origin: 'https://ris.example.org', 'content-type': 'application/json' }, body: '{}' });
    assert.equal(post.status, 201);
  });
});
