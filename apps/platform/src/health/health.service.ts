import { Inject, Injectable } from '@nestjs/common';
import { DATABASE, type Database, type DatabaseKind } from '../database/database-connection.js';
import { PLATFORM_VERSION } from '../platform-version.js';

export interface HealthStatus {
  status: 'ok' | 'error';
  database: DatabaseKind;
  version: string;
  reason?: string;
}

const PING_TIMEOUT_MS = 3000;

@Injectable()
export class HealthService {
  constructor(@Inject(DATABASE) private readonly database: Database) {}

  /** Healthy when the database answers a trivial query within a few seconds. */
  async check(): Promise<HealthStatus> {
    const base = { database: this.database.kind, version: PLATFORM_VERSION };
    try {
      if (!this.database.dataSource.isInitialized) throw new Error('the database connection is closed');
      await withTimeout(this.database.dataSource.query('SELECT 1'), PING_TIMEOUT_MS);
      return { status: 'ok', ...base };
    } catch (error) {
      return { status: 'error', ...base, reason: `database: ${(error as Error).message}` };
    }
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
