import { existsSync, mkdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { PolyradError } from '@polyrad/sdk';

export const DATA_DIR_LOCKED = 'DATA_DIR_LOCKED';
export const DATA_DIR_CORRUPT = 'DATA_DIR_CORRUPT';
export const DATA_DIR_UNUSABLE = 'DATA_DIR_UNUSABLE';

/** Where pg (node-postgres) finds the embedded server: a unix socket directory + port, or 127.0.0.1 + port. */
export interface EmbeddedEndpoint {
  host: string;
  port: number;
}

/** Linux allows 107 bytes in a unix socket path; longer data dirs fall back to loopback TCP. */
const MAX_SOCKET_PATH = 100;
const SOCKET_PORT = 5432;

/**
 * PGlite (PostgreSQL compiled to WASM) persisted in `${dataDir}/pg`, served over the PostgreSQL wire
 * protocol so TypeORM's ordinary `postgres` driver and migrations work unchanged.
 * PGlite has no postmaster.pid of its own, so a lock file keeps a second process from opening
 * (and corrupting) the same directory.
 */
export class EmbeddedPostgres {
  private constructor(
    private readonly db: PGlite,
    private readonly server: PGLiteSocketServer,
    private readonly lockPath: string,
    private readonly socketPath: string | undefined,
    readonly endpoint: EmbeddedEndpoint,
    readonly pgDir: string,
  ) {}

  static async start(dataDir: string): Promise<EmbeddedPostgres> {
    const pgDir = join(dataDir, 'pg');
    try {
      mkdirSync(dataDir, { recursive: true });
    } catch (error) {
      throw new PolyradError(DATA_DIR_UNUSABLE, `cannot create the data directory: ${(error as Error).message}`, dataDir);
    }
    const lockPath = join(dataDir, 'pg.lock');
    acquireLock(lockPath, pgDir);
    let db: PGlite | undefined;
    try {
      db = await openPglite(pgDir);
      const socketFile = join(dataDir, `.s.PGSQL.${SOCKET_PORT}`);
      const useSocket = socketFile.length <= MAX_SOCKET_PATH;
      // A socket file left by a killed process would make listen() fail; we hold the lock, so it is stale.
      if (useSocket) rmSync(socketFile, { force: true });
      // The pool holds one connection; a second slot lets a reconnect in before the old socket's cleanup ran.
      const server = new PGLiteSocketServer(
        useSocket ? { db, path: socketFile, maxConnections: 2 } : { db, host: '127.0.0.1', port: 0, maxConnections: 2 },
      );
      await server.start();
      const endpoint = useSocket ? { host: dataDir, port: SOCKET_PORT } : parseHostPort(server.getServerConn());
      return new EmbeddedPostgres(db, server, lockPath, useSocket ? socketFile : undefined, endpoint, pgDir);
    } catch (error) {
      await db?.close().catch(() => undefined);
      releaseLock(lockPath);
      throw error;
    }
  }

  async stop(): Promise<void> {
    await this.server.stop();
    if (!this.db.closed) await this.db.close();
    if (this.socketPath) rmSync(this.socketPath, { force: true });
    releaseLock(this.lockPath);
  }
}

async function openPglite(pgDir: string): Promise<PGlite> {
  try {
    const db = await PGlite.create({ dataDir: pgDir });
    await db.query('SELECT 1');
    return db;
  } catch (error) {
    throw new PolyradError(
      DATA_DIR_CORRUPT,
      `the embedded database could not be opened (${(error as Error).message ?? String(error)}); ` +
        'if it is damaged, restore it from a backup or move the directory aside to start with an empty database',
      pgDir,
    );
  }
}

function acquireLock(lockPath: string, pgDir: string): void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lockPath, `${process.pid}\n`, { flag: 'wx' });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new PolyradError(DATA_DIR_UNUSABLE, `cannot write ${lockPath}: ${(error as Error).message}`, pgDir);
      }
    }
    const owner = Number.parseInt(readText(lockPath), 10);
    if (Number.isInteger(owner) && owner > 0 && isAlive(owner)) {
      const who = owner === process.pid ? 'this process' : `process ${owner}`;
      throw new PolyradError(
        DATA_DIR_LOCKED,
        `the embedded database is in use by ${who} (lock file ${lockPath}); stop that server or use another POLYRAD_DATA_DIR`,
        pgDir,
      );
    }
    // The owner is gone (crash, kill -9): the lock is stale.
    rmSync(lockPath, { force: true });
  }
  throw new PolyradError(DATA_DIR_LOCKED, `could not take the lock ${lockPath}`, pgDir);
}

function releaseLock(lockPath: string): void {
  if (existsSync(lockPath) && Number.parseInt(readText(lockPath), 10) === process.pid) unlinkSync(lockPath);
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseHostPort(conn: string): EmbeddedEndpoint {
  const at = conn.lastIndexOf(':');
  return { host: conn.slice(0, at), port: Number(conn.slice(at + 1)) };
}
