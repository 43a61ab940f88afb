import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { PolyradError } from '@polyrad/sdk';
import type { Response } from 'express';
import { type AuthenticatedRequest, PUBLIC_KEY, ROLES_KEY, SITE_SCOPE_KEY, type SiteOf } from './auth.decorators.js';
import { INVALID_SITE_ID } from '../registry/registry.errors.js';
import { FORBIDDEN } from './auth.errors.js';
import { AuthService } from './auth.service.js';
import { ALL_SITES, assertCoversSite, coversSite, type Role } from './principal.js';

/**
 * Global guard (APP_GUARD): every route requires a valid bearer token unless it is @Public(); then @Roles
 * (required: a route without it is refused) and @SiteScope decide. Identity comes from the token and its live session only, never from another header.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    try {
      req.principal = await this.auth.authenticate(req.headers.authorization);
    } catch (error) {
      context.switchToHttp().getResponse<Response>().setHeader('WWW-Authenticate', 'Bearer realm="polyrad"');
      throw error;
    }
    const who = req.principal;
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    // Deny by default: a route that forgot to say who may call it is refused, not opened to every role.
    if (!roles) throw new PolyradError(FORBIDDEN, 'this route declares no roles; nobody may call it until it does');
    if (!roles.includes(who.role)) {
      throw new PolyradError(FORBIDDEN, `this needs the role ${roles.join(' or ')}; ${who.username} is a ${who.role}`);
    }
    const siteOf = this.reflector.get<SiteOf | undefined>(SITE_SCOPE_KEY, context.getHandler());
    if (siteOf) {
      const site = siteOf(req);
      if (typeof site !== 'string') throw new PolyradError(INVALID_SITE_ID, 'site must be a site id such as "default"');
      if (site === ALL_SITES && !coversSite(who, site)) throw new PolyradError(FORBIDDEN, 'only an admin of all sites may do this');
      assertCoversSite(who, site);
    }
    return true;
  }
}
