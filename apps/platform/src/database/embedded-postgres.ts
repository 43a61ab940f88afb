import { existsSync, mkdirSync, readFileSync, rmSync, statfsSync, unlinkSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { PolyradError } from '@polyrad/sdk';

export const DATA_DIR_LOCKED = 'DATA_DIR_LOCKED';
export const DATA_DIR_CORRUPT = 'DATA_DIR_CORRUPT';
export const DATA_DIR_UNUSABLE = 'DATA_DIR_UNUSABLE';
export const DATA_DIR_FULL = 'DATA_DIR_FULL';

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
    await acquireLock(lockPath, pgDir);
    let db: PGlite | undefined;
    try {
      db = await openPglite(pgDir, dataDir);
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

async function openPglite(pgDir: string, dataDir: string): Promise<PGlite> {
  try {
    const db = await PGlite.create({ dataDir: pgDir });
    await db.query('SELECT 1');
    return db;
  } catch (error) {
    throw openFailure(error, pgDir, freeBytes(dataDir));
  }
}

/**
 * Emscripten's errno numbers (WASI's), which PGlite's file system throws as a bare `{ name: 'ErrnoError', errno }`
 * with no message: the causes that are the machine's, not a damaged database.
 */
const WASM_ERRNO: Record<number, string> = {
  2: 'permission denied',
  19: 'disk quota exceeded',
  29: 'input/output error',
  33: 'too many open files',
  51: 'no space left on device',
  63: 'operation not permitted',
  69: 'read-only file system',
};
const ENOSPC_WASM = 51;
const EDQUOT_WASM = 19;

/**
 * Why the embedded database could not be opened, in words a user can act on: a full disk or a refused
 * file system is named as such (the data is intact); only what PostgreSQL itself rejects is called damaged.
 */
export function openFailure(error: unknown, pgDir: string, free: number | undefined): PolyradError {
  const errno = (error as { errno?: unknown })?.errno;
  const nodeCode = (error as { code?: unknown })?.code;
  const full = errno === ENOSPC_WASM || errno === EDQUOT_WASM || nodeCode === 'ENOSPC' || nodeCode === 'EDQUOT' || free === 0;
  if (full) {
    return new PolyradError(
      DATA_DIR_FULL,
      `the embedded database could not be opened: the disk holding it is full (${free ?? 0} bytes free); free some space and start again (nothing is damaged)`,
      pgDir,
    );
  }
  const systemCause = typeof errno === 'number' && errno > 0 ? WASM_ERRNO[errno] : undefined;
  if (systemCause !== undefined || typeof nodeCode === 'string') {
    const cause = systemCause ?? (error as Error).message;
    return new PolyradError(DATA_DIR_UNUSABLE, `the embedded database could not be opened: ${cause}; check the directory's permissions and file system`, pgDir);
  }
  const message = error instanceof Error && error.message ? error.message : JSON.stringify(error) ?? String(error);
  return new PolyradError(
    DATA_DIR_CORRUPT,
    `the embedded database could not be opened (${message}); ` +
      'if it is damaged, restore it from a backup or move the directory aside to start with an empty database',
    pgDir,
  );
}

function freeBytes(dir: string): number | undefined {
  try {
    const stats = statfsSync(dir);
    return stats.bavail * stats.bsize;
  } catch {
    return undefined;
  }
}

/** Locks this process holds (to tell a second open from this process apart from a stale lock naming our PID). */
const heldLocks = new Set<string>();
/** How long a start waits for the owner of a lock to finish dying (a restart right after kill -9). */
const DYING_OWNER_WAIT_MS = 5000;

/**
 * Takes `${dataDir}/pg.lock`, which names the owner's PID and its start time. A lock is stale when its
 * owner is dead, a zombie, or another process reusing its PID (start times differ), or when it names this
 * process without this process holding it: a previous server with the same PID (node as PID 1 in a
 * container) that was killed. A live other owner is never overridden.
 */
async function acquireLock(lockPath: string, pgDir: string): Promise<void> {
  const deadline = Date.now() + DYING_OWNER_WAIT_MS;
  for (;;) {
    try {
      writeFileSync(lockPath, `${process.pid}\n${startTimeOf(process.pid) ?? ''}\n`, { flag: 'wx' });
      heldLocks.add(lockPath);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new PolyradError(DATA_DIR_UNUSABLE, `cannot write ${lockPath}: ${(error as Error).message}`, pgDir);
      }
    }
    const [pidText = '', startText = ''] = readText(lockPath).split('\n');
    const owner = Number.parseInt(pidText, 10);
    if (owner === process.pid && heldLocks.has(lockPath)) {
      throw new PolyradError(DATA_DIR_LOCKED, `the embedded database is already open in this process (lock file ${lockPath})`, pgDir);
    }
    const live = owner !== process.pid && Number.isInteger(owner) && owner > 0 && ownerAlive(owner, startText.trim());
    if (live) {
      if (Date.now() < deadline) {
        await sleep(100);
        continue;
      }
      throw new PolyradError(
        DATA_DIR_LOCKED,
        `the embedded database is in use by process ${owner} (lock file ${lockPath}); stop that server or use another POLYRAD_DATA_DIR`,
        pgDir,
      );
    }
    // stale: remove it only if it is still the one just read (another starter may have taken it meanwhile)
    if (readText(lockPath).split('\n')[0] === pidText) rmSync(lockPath, { force: true });
  }
}

function releaseLock(lockPath: string): void {
  heldLocks.delete(lockPath);
  if (existsSync(lockPath) && Number.parseInt(readText(lockPath), 10) === process.pid) unlinkSync(lockPath);
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** Whether `pid` is running (not a zombie) and, when the lock recorded its start time, is still that process. */
function ownerAlive(pid: number, recordedStart: string): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = procStat(pid);
  if (stat === undefined) return true; // no /proc: the signal check is all there is
  if (stat.state === 'Z' || stat.state === 'X') return false;
  return recordedStart === '' || recordedStart === stat.startTime;
}

function startTimeOf(pid: number): string | undefined {
  return procStat(pid)?.startTime;
}

/** State and start time (clock ticks since boot) from /proc/<pid>/stat; the name field may hold spaces and parentheses. */
function procStat(pid: number): { state: string; startTime: string } | undefined {
  const text = readText(`/proc/${pid}/stat`);
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return fields.length > 19 ? { state: fields[0]!, startTime: fields[19]! } : undefined;
}

function parseHostPort(conn: string): EmbeddedEndpoint {
  const at = conn.lastIndexOf(':');
  return { host: conn.slice(0, at), port: Number(conn.slice(at + 1)) };
}
