import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import amqplib from 'amqplib';

const SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server';

/** Whether this machine can start a RabbitMQ node of its own (Debian's rabbitmq-server). */
export const canStartOwnBroker = (): boolean => existsSync(SERVER);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * A RabbitMQ node of the test's own (its node name, ports, database and logs under `dir`), so a test can
 * stop and restart a real broker without touching the one the machine shares. The database survives a
 * restart, as on a production broker: durable queues and persistent messages come back.
 */
export class OwnBroker {
  private process: ChildProcess | undefined;

  private constructor(
    private readonly dir: string,
    private readonly env: NodeJS.ProcessEnv,
    readonly url: string,
  ) {}

  static async create(dir: string): Promise<OwnBroker> {
    mkdirSync(dir, { recursive: true });
    const [amqp, dist] = [await freePort(), await freePort()];
    writeFileSync(join(dir, 'rabbitmq.conf'), 'loopback_users = none\n');
    writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      // the Erlang cookie is written to HOME
      HOME: dir,
      RABBITMQ_NODENAME: `polyrad-test-${process.pid}-${amqp}@localhost`,
      RABBITMQ_NODE_PORT: String(amqp),
      RABBITMQ_DIST_PORT: String(dist),
      RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
      RABBITMQ_LOG_BASE: join(dir, 'log'),
      RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq'),
      RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
      RABBITMQ_PID_FILE: join(dir, 'rabbitmq.pid'),
    };
    return new OwnBroker(dir, env, `amqp://guest:guest@127.0.0.1:${amqp}`);
  }

  /** Starts the node and waits until it takes AMQP connections (tens of seconds on a busy machine). */
  async start(timeoutMs = 120_000): Promise<void> {
    this.process = spawn(SERVER, [], { env: this.env, cwd: this.dir, stdio: 'ignore', detached: true });
    for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(500)) {
      if (this.process.exitCode !== null) throw new Error(`rabbitmq-server exited with ${this.process.exitCode}; see ${join(this.dir, 'log')}`);
      try {
        await (await amqplib.connect(this.url, { timeout: 2000 })).close();
        return;
      } catch {
        // not up yet
      }
    }
    throw new Error(`rabbitmq-server did not take connections within ${timeoutMs / 1000} s; see ${join(this.dir, 'log')}`);
  }

  /** Stops the node as an admin's restart would (SIGTERM: a clean shutdown), and waits until it is gone. */
  async stop(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(-child.pid!, 'SIGTERM');
    const killed = await Promise.race([exited.then(() => true), sleep(60_000).then(() => false)]);
    if (!killed) process.kill(-child.pid!, 'SIGKILL');
    await exited;
    this.process = undefined;
  }
}
