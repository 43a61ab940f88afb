import { errors, jwtVerify, SignJWT } from 'jose';
import { ROLES, type Principal, type Role } from './principal.js';

const ISSUER = 'polyrad';
const AUDIENCE = 'polyrad-api';

/** What an access token says; the guard still checks that its session is live and its user enabled. */
export type AccessClaims = Principal;

/** Short-lived HS256 access tokens (JWT) carrying sub, role, sites, vendorId and the session id (sid). */
export class TokenIssuer {
  private readonly key: Uint8Array;

  constructor(
    secret: string,
    private readonly ttlS: number,
  ) {
    this.key = new TextEncoder().encode(secret);
  }

  get expiresIn(): number {
    return Math.round(this.ttlS);
  }

  issue(claims: AccessClaims): Promise<string> {
    return new SignJWT({ role: claims.role, sites: claims.sites, vendorId: claims.vendorId, sid: claims.sessionId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(claims.username)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${this.expiresIn}s`)
      .sign(this.key);
  }

  /** The claims of a valid, unexpired token of this platform; undefined for anything else (with why, for the 401). */
  async verify(token: string): Promise<{ claims?: AccessClaims; problem?: string }> {
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE });
      const { sub, role, sites, vendorId, sid } = payload;
      if (
        typeof sub !== 'string' ||
        typeof sid !== 'string' ||
        !ROLES.includes(role as Role) ||
        !Array.isArray(sites) ||
        !sites.every((s) => typeof s === 'string') ||
        (vendorId !== null && typeof vendorId !== 'string')
      ) {
        return { problem: 'the access token lacks the claims of this platform' };
      }
      return { claims: { username: sub, role: role as Role, sites: sites as string[], vendorId: vendorId as string | null, sessionId: sid } };
    } catch (error) {
      if (error instanceof errors.JWTExpired) return { problem: 'the access token has expired; refresh it or sign in again' };
      return { problem: 'the access token is not valid' };
    }
  }
}
