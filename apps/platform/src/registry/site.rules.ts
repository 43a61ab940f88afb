import { PolyradError } from '@polyrad/sdk';
import { INVALID_SITE_ID } from './registry.errors.js';

/** The site the CLI, C-STORE intake and requests without a site use. */
export const DEFAULT_SITE = 'default';

const SITE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function assertSite(site: string): void {
  if (!SITE_ID.test(site)) {
    throw new PolyradError(INVALID_SITE_ID, `site ${JSON.stringify(site.slice(0, 80))} must be 1-64 letters, digits, dots, dashes or underscores`);
  }
}
