import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { withTestAuth } from '../auth/auth.fixture.js';
import type { AppConfig } from '../config/app-config.js';
import { createApp } from '../main.js';

/** What a spec passes to the server it may kill: the parts of AppConfig that survive JSON. */
export type CrashServerConfig = Pick<AppConfig, 'port' | 'dicomPort' | 'quietPeriodMs' | 'dataDir' | 'databaseUrl'>;

/** A platform in a child process, so a spec can SIGKILL it at any point and start it again on the same data. */
export interface CrashServer {
  url: string;
  dicomPort: number;
  child: ChildProcess;
  /** everything it printed so far */
  output(): string;
  /** SIGKILL: nothing runs after it, no shutdown hook, no flush */
  kill(): Promise<void>;
  /** SIGTERM and its orderly shutdown */
  stop(): Promise<void>;
}

const READY = 'crash-server ready ';

export async function startCrashServer(config: CrashServerConfig): Promise<CrashServer> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const ready = new Promise<{ url: string; dicomPort: number }>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const line = output.split('\n').find((l) => l.startsWith(READY));
      if (line) resolve(JSON.parse(line.slice(READY.length)) as { url: string; dicomPort: number });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`the server exited (${code}) before it was ready:\n${output}`)));
  });
  const { url, dicomPort } = await ready;
  const ended = (signal: NodeJS.Signals) => async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exit = once(child, 'exit');
    child.kill(signal);
    await exit;
  };
  return { url, dicomPort, child, output: () => output, kill: ended('SIGKILL'), stop: ended('SIGTERM') };
}

async function serve(config: CrashServerConfig): Promise<void> {
  const running = await createApp(withTestAuth(config), { logger: ['log', 'error', 'warn'], announce: () => undefined });
  process.stdout.write(`${READY}${JSON.stringify({ url: running.url, dicomPort: running.dicomPort })}\n`);
  process.once('SIGTERM', () => void running.close().then(() => process.exit(0)));
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2]) {
  serve(JSON.parse(process.argv[2]) as CrashServerConfig).catch((error: unknown) => {
    process.stderr.write(`crash-server failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
}
