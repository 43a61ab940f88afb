import { createRequire } from 'node:module';

/** The platform's version, from its package.json, so reports and /health name what produced them. */
export const PLATFORM_VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string }).version;
