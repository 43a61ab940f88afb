import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { PolyradError } from '@polyrad/sdk';
import { loadBrokerSettings } from '../config/app-config.js';
import { redactedUrl } from '../config/redacted-url.js';
import { BrokerWorker } from '../pipeline/execution/broker/broker.worker.js';
import { LocalProcessExecutor } from '../pipeline/execution/local-process.executor.js';

interface Io {
  out(line: string): void;
  err(line: string): void;
}

function parseConcurrency(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1 || n > 256) throw new PolyradError('ARGUMENT_INVALID', `--concurrency must be a whole number from 1 to 256, got ${JSON.stringify(value)}`);
  return n;
}

/** Resolves on the first SIGINT or SIGTERM. */
function stopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

/**
 * `polyrad worker`: runs plugin jobs from the broker (POLYRAD_BROKER_URL) until SIGINT/SIGTERM, each in a
 * sandboxed child process as the platform would run it locally. On a stop signal it takes no further job,
 * lets the running ones finish, and exits 0.
 */
export function registerWorkerCommand(program: Command, io: Io): void {
  program
    .command('worker')
    .description('run plugin jobs from the RabbitMQ broker named by POLYRAD_BROKER_URL, until SIGINT or SIGTERM')
    .option('-c, --concurrency <n>', 'jobs run at the same time (the prefetch); default: the number of CPUs')
    .action(async (options: { concurrency?: string }) => {
      const settings = loadBrokerSettings();
      if (!settings) throw new PolyradError('BROKER_NOT_CONFIGURED', 'polyrad worker needs POLYRAD_BROKER_URL (e.g. amqp://user:password@broker:5672)');
      const concurrency = options.concurrency === undefined ? availableParallelism() : parseConcurrency(options.concurrency);
      const log = (message: string) => io.out(`polyrad worker: ${message}`);
      const worker = new BrokerWorker(settings, { executor: new LocalProcessExecutor({ concurrency }), concurrency, log });
      const stopped = stopSignal();
      // a stop signal also ends a worker still waiting for the broker
      const first = await Promise.race([worker.start().then(() => undefined), stopped]);
      if (first === undefined) {
        log(`taking jobs from ${settings.queue} at ${redactedUrl(settings.url)}, ${concurrency} at a time; job store ${settings.storeDir}`);
        log(`stopping on ${await stopped}: finishing the running jobs`);
      } else log(`stopping on ${first} before the broker was reached`);
      await worker.stop();
      log('stopped');
    });
}
