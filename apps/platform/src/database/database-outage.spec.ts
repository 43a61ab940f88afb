import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { type AddressInfo, createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateDicomUid } from '@polyrad/dicom';
import { type ApiClient, signInAdmin, withTestAuth } from '../auth/auth.fixture.js';
import { ctSlice, storeRaw } from '../ingest/ct-slice.fixture.js';
import { parseDicomPeers } from '../ingest/dicom-peer.allowlist.js';
import { createApp, type RunningApp } from '../main.js';
import { isDatabaseUnavailable } from './database-outage.js';
import { createTempPostgres, type TempPostgres } from './test-postgres.js';

const STATUS_SUCCESS = 0;
const STATUS_OUT_OF_RESOURCES = 0xa700;

/**
 * A TCP proxy in front of PostgreSQL that can freeze (holds every byte both ways, the database looks hung)
 * and go down (refuses and cuts every connection), like a network partition or a stopped server.
 */
class DatabaseProxy {
  private frozen = false;
  private held: Array<() => void> = [];
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;
  port = 0;

  constructor(private readonly upstream: { host: string; port: number }) {}

  async up(): Promise<void> {
    this.server = createServer((client) => {
      const server = createConnection(this.upstream);
      for (const [from, to] of [[client, server], [server, client]] as const) {
        this.sockets.add(from);
        from.on('data', (chunk: Buffer) => (this.frozen ? this.held.push(() => to.write(chunk)) : to.write(chunk)));
        from.on('error', () => to.destroy());
        from.on('close', () => {
          this.sockets.delete(from);
          to.destroy();
        });
      }
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async down(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  freeze(): void {
    this.frozen = true;
  }

  thaw(): void {
    this.frozen = false;
    for (const deliver of this.held.splice(0)) deliver();
  }
}

describe('database outage', () => {
  let root: string;
  let temp: TempPostgres | undefined;
  let proxy: DatabaseProxy;
  let running: RunningApp;
  let admin: ApiClient;
  const study = generateDicomUid();
  const series = generateDicomUid();

  before(async () => {
    temp = await createTempPostgres();
    if (!temp) return;
    root = await mkdtemp(join(tmpdir(), 'polyrad-outage-'));
    const url = new URL(temp.url);
    proxy = new DatabaseProxy({ host: url.hostname, port: Number(url.port || 5432) });
    await proxy.up();
    url.port = String(proxy.port);
    running = await createApp(withTestAuth({
      port: 0,
      dicomPort: 0,
      quietPeriodMs: 3_600_000,
      dataDir: join(root, 'data'),
      databaseUrl: url.toString(),
      databaseTimeoutMs: 1000,
      dicomIntake: { maxPduBytes: 64 * 1024, maxInstanceBytes: 8 * 1024 * 1024, maxAssociations: 8, timeoutMs: 60_000, peers: parseDicomPeers('RAWPEER').peers },
    }));
    admin = await signInAdmin(running.url);
  });
  after(async () => {
    proxy?.thaw();
    await running?.close();
    await proxy?.down();
    await temp?.drop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  const store = () => {
    const sop = generateDicomUid();
    return storeRaw(running.dicomPort, 'RAWPEER', sop, ctSlice({ study, series, sop }));
  };
  /** After an outage ends the platform serves again by itself; a few calls may still meet the old connections. */
  async function recovers(): Promise<void> {
    for (let attempt = 0; attempt < 50; attempt++) {
      if ((await admin.get('/api/worklist')).status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.equal((await admin.get('/api/worklist')).status, 200);
    assert.equal((await store()).status, STATUS_SUCCESS);
  }

  it('answers 503 DATABASE_UNAVAILABLE and A700 while the database hangs, and serves again once it answers, without a restart', async (t) => {
    if (!temp) return t.skip('PostgreSQL unreachable');
    assert.equal((await admin.get('/api/worklist')).status, 200);
    assert.equal((await store()).status, STATUS_SUCCESS);

    proxy.freeze();
    const hung = await admin.get<{ code: string; message: string }>('/api/worklist');
    assert.equal(hung.status, 503, JSON.stringify(hung.body));
    assert.equal(hung.body.code, 'DATABASE_UNAVAILABLE');
    assert.equal((await store()).status, STATUS_OUT_OF_RESOURCES);

    proxy.thaw();
    await recovers();
  });

  it('does the same while the database is down altogether', async (t) => {
    if (!temp) return t.skip('PostgreSQL unreachable');
    await proxy.down();
    const down = await admin.get<{ code: string }>('/api/worklist');
    assert.equal(down.status, 503);
    assert.equal(down.body.code, 'DATABASE_UNAVAILABLE');
    assert.equal((await store()).status, STATUS_OUT_OF_RESOURCES);

    await proxy.up();
    await recovers();
  });

  it('tells an outage apart from a bad query', () => {
    assert.equal(isDatabaseUnavailable(new Error('Query read timeout')), true);
    assert.equal(isDatabaseUnavailable(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })), true);
    assert.equal(isDatabaseUnavailable({ driverError: { code: '57P01', message: 'terminating connection due to administrator command' } }), true);
    assert.equal(isDatabaseUnavailable({ driverError: { code: '23505', message: 'duplicate key value violates unique constraint' } }), false);
    assert.equal(isDatabaseUnavailable(new TypeError('x is undefined')), false);
  });
});
