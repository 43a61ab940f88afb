import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The server the development machines and CI run (trust auth); override with POLYRAD_TEST_PG_URL. */
const ADMIN_URL = process.env.POLYRAD_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TempPostgres {
  url: string;
  drop(): Promise<void>;
}

/**
 * Creates a uniquely named, empty database on the test server, or returns undefined (after printing
 * why) when no server answers, so the PGlite half of a suite still runs. With POLYRAD_TEST_REQUIRE_PG=1
 * (set by .ci/run) an unreachable server fails the test instead of skipping half of it.
 */
export async function createTempPostgres(): Promise<TempPostgres | undefined> {
  const admin = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
  } catch (error) {
    const why = `PostgreSQL at ${ADMIN_URL} unreachable (${(error as Error).message})`;
    if (process.env.POLYRAD_TEST_REQUIRE_PG === '1') throw new Error(`${why}; POLYRAD_TEST_REQUIRE_PG=1 forbids skipping the PostgreSQL half`);
    console.log(`# notice: ${why}; skipping the PostgreSQL half`);
    return undefined;
  }
  const name = `polyrad_test_${Date.now()}_${randomBytes(3).toString('hex')}`;
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: ADMIN_URL });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
