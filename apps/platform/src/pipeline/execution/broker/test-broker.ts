import { randomBytes } from 'node:crypto';
import amqplib from 'amqplib';
import type { BrokerSettings } from '../../../config/app-config.js';
import { queueNames } from './broker-topology.js';

/** The broker the development machines and CI run; override with POLYRAD_TEST_BROKER_URL. */
export const TEST_BROKER_URL = process.env.POLYRAD_TEST_BROKER_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

export interface TestBroker {
  /** settings with a job queue of this run's own (so runs sharing the broker do not meet) and quick retries */
  settings: BrokerSettings;
  /** deletes this run's queues */
  remove(): Promise<void>;
}

/**
 * A uniquely named job queue on the test broker, or undefined (after printing why) when none answers.
 * With POLYRAD_TEST_REQUIRE_BROKER=1 (set by .ci/run) an unreachable broker fails the test instead.
 */
export async function createTestBroker(storeDir: string, changes: Partial<BrokerSettings> = {}): Promise<TestBroker | undefined> {
  let connection;
  try {
    connection = await amqplib.connect(TEST_BROKER_URL, { timeout: 3000 });
  } catch (error) {
    const why = `RabbitMQ at ${TEST_BROKER_URL.replace(/\/\/[^@]*@/, '//')} unreachable (${(error as Error).message})`;
    if (process.env.POLYRAD_TEST_REQUIRE_BROKER === '1') throw new Error(`${why}; POLYRAD_TEST_REQUIRE_BROKER=1 forbids skipping the broker tests`);
    console.log(`# notice: ${why}; skipping the broker tests`);
    return undefined;
  }
  await connection.close();
  const settings: BrokerSettings = { url: TEST_BROKER_URL, queue: `polyrad.test.${Date.now()}.${randomBytes(3).toString('hex')}`, storeDir, maxAttempts: 3, retryDelayMs: 100, ...changes };
  return {
    settings,
    async remove() {
      const names = queueNames(settings);
      const cleanup = await amqplib.connect(TEST_BROKER_URL);
      try {
        const channel = await cleanup.createChannel();
        for (const queue of [names.jobs, names.dead, ...Array.from({ length: settings.maxAttempts - 1 }, (_, n) => names.retry(n + 1))]) await channel.deleteQueue(queue);
      } finally {
        await cleanup.close();
      }
    },
  };
}
