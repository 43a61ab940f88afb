import { PolyradError } from '@polyrad/sdk';
import type { AuditQuery } from './plugin-listing.service.js';
import { REQUEST_INVALID } from './registry.errors.js';

/** The query string of GET /api/audit: empty filters are no filters, limit an integer from 1 to 1000 (default 100). */
export function parseAuditQuery(subject?: string, site?: string, limit?: string): AuditQuery {
  const count = limit === undefined ? 100 : Number(limit);
  if (!Number.isInteger(count) || count < 1 || count > 1000) throw new PolyradError(REQUEST_INVALID, 'limit must be an integer from 1 to 1000');
  const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  return { subject: text(subject), site: text(site), limit: count };
}
