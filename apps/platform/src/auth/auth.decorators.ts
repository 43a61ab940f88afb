import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Request } from 'express';
import { type Principal, type Role, ROLES } from './principal.js';

export const PUBLIC_KEY = 'polyrad:public';
export const ROLES_KEY = 'polyrad:roles';
export const SITE_SCOPE_KEY = 'polyrad:site-scope';
export const SIGN_IN_KEY = 'polyrad:sign-in';

/** A request that passed AuthGuard: `principal` is who signed in. */
export interface AuthenticatedRequest extends Request {
  principal?: Principal;
}

/** Reads the site a request acts on (a path parameter, the query, the body, or a fixed site). */
export type SiteOf = (req: Request) => unknown;

/** Opts a route out of sign-in (health, login, refresh). Every other route requires a valid access token. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_KEY, true);

/** Only these roles may call the route (403 for the others). Every non-public route needs it: AuthGuard denies by default. */
export const Roles = (...roles: Role[]): MethodDecorator & ClassDecorator => SetMetadata(ROLES_KEY, roles);

/** Any signed-in user, whatever the role (their own session, their own password; the service narrows further). */
export const AnyRole = (): MethodDecorator & ClassDecorator => Roles(...ROLES);

/** The caller must have this site in scope (403 otherwise); `() => ALL_SITES` means an all-sites admin. */
export const SiteScope = (siteOf: SiteOf): MethodDecorator => SetMetadata(SITE_SCOPE_KEY, siteOf);

/** A password sign-in: rate-limited per client IP and per username. */
export const SignInAttempt = (): MethodDecorator => SetMetadata(SIGN_IN_KEY, true);

/** The signed-in caller (set by AuthGuard). */
export const CurrentUser = createParamDecorator(
  (_: unknown, context: ExecutionContext): Principal => context.switchToHttp().getRequest<AuthenticatedRequest>().principal!,
);
