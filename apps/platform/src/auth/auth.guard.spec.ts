import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { isPolyradError } from '@polyrad/sdk';
import type { Request } from 'express';
import { AnyRole, Public, Roles, SiteScope } from './auth.decorators.js';
import { AuthGuard } from './auth.guard.js';
import type { AuthService } from './auth.service.js';
import type { Principal } from './principal.js';

class Routes {
  @Public()
  health(): void {}

  forgotten(): void {}

  @AnyRole()
  me(): void {}

  @Roles('admin')
  @SiteScope((req: Request) => (req.body as { site?: unknown }).site)
  analyze(): void {}
}

const siteAdmin: Principal = { username: 'admin-a', role: 'admin', sites: ['site-a'], vendorId: null, sessionId: 's' };

/** AuthGuard with a stand-in AuthService that accepts the token "good" as `who`. */
function check(handler: keyof Routes, who: Principal, body: unknown = {}): Promise<boolean> {
  const auth = { authenticate: async (header?: string) => (header === 'Bearer good' ? who : Promise.reject(new Error('401'))) } as unknown as AuthService;
  const req = { headers: { authorization: 'Bearer good' }, body };
  const context = {
    getType: () => 'http',
    getHandler: () => Routes.prototype[handler],
    getClass: () => Routes,
    switchToHttp: () => ({ getRequest: () => req, getResponse: () => ({ setHeader() {} }) }),
  } as unknown as ExecutionContext;
  return new AuthGuard(new Reflector(), auth).canActivate(context);
}

const refused = (code: string, message?: RegExp) => (error: unknown) => isPolyradError(error) && error.code === code && (!message || message.test(error.message));

describe('AuthGuard', () => {
  it('lets public routes and routes open to the caller\'s role through', async () => {
    assert.equal(await check('health', siteAdmin), true);
    assert.equal(await check('me', { ...siteAdmin, role: 'vendor', sites: [], vendorId: 'acme' }), true);
    assert.equal(await check('analyze', siteAdmin, { site: 'site-a' }), true);
  });

  it('denies by default: a route that declares no roles is refused even to an all-sites admin', async () => {
    await assert.rejects(check('forgotten', { ...siteAdmin, sites: ['*'] }), refused('FORBIDDEN', /declares no roles/));
  });

  it('checks the role, then the site the request names (a malformed site is a 400, not a pass)', async () => {
    await assert.rejects(check('analyze', { ...siteAdmin, role: 'radiologist' }, { site: 'site-a' }), refused('FORBIDDEN', /needs the role admin/));
    await assert.rejects(check('analyze', siteAdmin, { site: 'site-b' }), refused('FORBIDDEN', /may not act on site "site-b"/));
    await assert.rejects(check('analyze', siteAdmin, { site: ['site-a'] }), refused('INVALID_SITE_ID'));
  });
});
