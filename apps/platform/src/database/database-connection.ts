import { DataSource, type DataSourceOptions } from 'typeorm';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions.js';
import { PolyradError } from '@polyrad/sdk';
import type { AppConfig } from '../config/app-config.js';
import { EmbeddedPostgres, type EmbeddedEndpoint } from './embedded-postgres.js';
import { InitialSchema1700000000000 } from './migrations/1700000000000-initial-schema.js';
import { PluginRegistry1700000100000 } from './migrations/1700000100000-plugin-registry.js';
import { ReceivedInstances1700000200000 } from './migrations/1700000200000-received-instances.js';
import { DicomQuarantine1700000450000 } from './migrations/1700000450000-dicom-quarantine.js';
import { DicomwebIndex1700000550000 } from './migrations/1700000550000-dicomweb-index.js';
import { DeliveryRouting1700000600000 } from './migrations/1700000600000-delivery-routing.js';
import { UsersAndSessions1700000350000 } from './migrations/1700000350000-users-and-sessions.js';
import { PendingAnalyses1700000500000 } from './migrations/1700000500000-pending-analyses.js';
import { MissingInstanceFiles1700000510000 } from './migrations/1700000510000-missing-instance-files.js';
import { ReportFeedback1700000620000 } from './migrations/1700000620000-report-feedback.js';
import { PluginLearning1700000730000 } from './migrations/1700000730000-plugin-learning.js';
import { DeliveryReleases1700000660000 } from './migrations/1700000660000-delivery-releases.js';
import { DeliveryKeySlices1700000680000 } from './migrations/1700000680000-delivery-key-slices.js';

import { DATABASE_UNAVAILABLE, DEFAULT_DATABASE_TIMEOUT_MS } from './database-outage.js';
import { redactedUrl } from '../config/redacted-url.js';

export { DATABASE_UNAVAILABLE };

export type DatabaseKind = 'pglite' | 'postgres';

/**
 * The schema is declared once, in these migrations (both backends run them). There are no TypeORM
 * entities: repositories query with SQL, and each table's row type sits beside its SQL (see selectList).
 */
export const migrations = [InitialSchema1700000000000, PluginRegistry1700000100000, ReceivedInstances1700000200000, UsersAndSessions1700000350000, DicomQuarantine1700000450000, PendingAnalyses1700000500000, MissingInstanceFiles1700000510000, DicomwebIndex1700000550000, DeliveryRouting1700000600000, ReportFeedback1700000620000, DeliveryReleases1700000660000, DeliveryKeySlices1700000680000, PluginLearning1700000730000];

/** An open, migrated database and how to close it (TypeORM first, then the embedded server if any). */
export interface Database {
  kind: DatabaseKind;
  dataSource: DataSource;
  close(): Promise<void>;
}

/** Injection token for the Database of the running app. */
export const DATABASE = Symbol('DATABASE');

/** TypeORM options shared by both backends; only the endpoint and the pool differ. */
export function dataSourceOptions(target: { url: string } | EmbeddedEndpoint, timeoutMs = DEFAULT_DATABASE_TIMEOUT_MS): DataSourceOptions {
  const common: PostgresConnectionOptions = {
    type: 'postgres',
    migrations,
    // Migrations are the only source of DDL, on both backends.
    synchronize: false,
    migrationsRun: true,
    migrationsTransactionMode: 'all',
    logging: ['error'],
    connectTimeoutMS: 5000,
  };
  if ('url' in target) {
    // A server that is down, unreachable or frozen must not hold a C-STORE or a request: every call gives
    // up after timeoutMs (waiting for a connection, on the wire, and on the server) and the pool drops the
    // connection it was on, so calls work again as soon as the server answers, without a restart.
    return {
      ...common,
      url: target.url,
      extra: { connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs, statement_timeout: timeoutMs, keepAlive: true },
    };
  }
  // PGlite executes one statement stream at a time: one pooled connection, kept open.
  return {
    ...common,
    host: target.host,
    port: target.port,
    username: 'postgres',
    database: 'postgres',
    poolSize: 1,
    extra: { idleTimeoutMillis: 0 },
  };
}

/**
 * Opens the database the config selects: DATABASE_URL, or the embedded PGlite in `${dataDir}/pg`,
 * and brings its schema up to date. Failures become PolyradErrors with one readable line.
 */
export async function openDatabase(config: Pick<AppConfig, 'dataDir' | 'databaseUrl' | 'databaseTimeoutMs'>): Promise<Database> {
  const embedded = config.databaseUrl ? undefined : await EmbeddedPostgres.start(config.dataDir);
  const kind: DatabaseKind = embedded ? 'pglite' : 'postgres';
  const where = embedded ? embedded.pgDir : redactedUrl(config.databaseUrl!, '(invalid DATABASE_URL)');
  const dataSource = new DataSource(dataSourceOptions(embedded ? embedded.endpoint : { url: config.databaseUrl! }, config.databaseTimeoutMs));
  const close = async (): Promise<void> => {
    if (dataSource.isInitialized) await dataSource.destroy();
    await embedded?.stop();
  };
  try {
    await dataSource.initialize();
  } catch (error) {
    await close().catch(() => undefined);
    if (error instanceof PolyradError) throw error;
    throw new PolyradError(DATABASE_UNAVAILABLE, `cannot open the ${kind} database: ${describe(error)}`, where);
  }
  return { kind, dataSource, close };
}

function describe(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describe(error.errors[0]);
  const message = error instanceof Error ? error.message : String(error);
  return message || (error as { code?: string }).code || 'unknown error';
}

