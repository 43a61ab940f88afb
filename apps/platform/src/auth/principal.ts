import { PolyradError } from '@polyrad/sdk';
import { FORBIDDEN } from './auth.errors.js';

/** The three roles of DESIGN.md "Sign-in"; machine clients are users of one of them. */
export const ROLES = ['admin', 'radiologist', 'vendor'] as const;
export type Role = (typeof ROLES)[number];

/** In `sites`: every site, present and future (the initial admin). */
export const ALL_SITES = '*';

/** Who is calling, as established by a verified access token and a live session; the only source of identity. */
export interface Principal {
  username: string;
  role: Role;
  /** Sites an admin or radiologist acts on (`*` = all); empty for vendors. */
  sites: string[];
  /** The vendor a vendor user publishes for; null for the other roles. */
  vendorId: string | null;
  /** The session the access token belongs to (logout revokes it). */
  sessionId: string;
}

type Scoped = Pick<Principal, 'role' | 'sites'>;

/** Admins and radiologists act on their own sites; vendors on none (they read no patient data). */
export function coversSite(who: Scoped, site: string): boolean {
  return who.role !== 'vendor' && (who.sites.includes(ALL_SITES) || who.sites.includes(site));
}

export function isAllSitesAdmin(who: Scoped): boolean {
  return who.role === 'admin' && who.sites.includes(ALL_SITES);
}

/** Throws FORBIDDEN unless the caller has the site in scope (for checks a route decorator cannot express). */
export function assertCoversSite(who: Pick<Principal, 'username' | 'role' | 'sites'>, site: string): void {
  if (!coversSite(who, site)) throw new PolyradError(FORBIDDEN, `${who.username} may not act on site ${JSON.stringify(site)}`);
}
