import type { Channel } from 'amqplib';
import type { BrokerSettings } from '../../../config/app-config.js';

/** Header carrying which delivery attempt of a job this is (1 for the first). */
export const ATTEMPT_HEADER = 'x-polyrad-attempt';
/** Header of a dead-lettered job: why the last attempt could not be processed. */
export const REASON_HEADER = 'x-polyrad-reason';
/** Header of a dead-lettered job: when it was dead-lettered (ISO 8601). */
export const DEAD_AT_HEADER = 'x-polyrad-dead-at';

/** A reply queue nobody consumes any more (its platform process ended) is removed by the broker after this. */
const REPLY_QUEUE_EXPIRES_MS = 15 * 60_000;

/** What a job message carries: only ids; the job's data waits in the shared job store under `jobId`. */
export interface JobMessage {
  jobId: string;
  pluginId: string;
  pluginVersion: string;
  seriesInstanceUid: string;
}

/** What a worker answers on the job's reply queue once the job's fate is settled. */
export type JobReply = { jobId: string; outcome: 'stored' } | { jobId: string; outcome: 'dead-lettered'; reason: string };

const JOB_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isJobId(value: unknown): value is string {
  return typeof value === 'string' && JOB_ID.test(value);
}

/** A job message from raw bytes, or undefined for anything else (which is dead-lettered as such). */
export function parseJobMessage(content: Buffer): JobMessage | undefined {
  try {
    const message = JSON.parse(content.toString('utf8')) as Partial<JobMessage>;
    if (!isJobId(message?.jobId)) return undefined;
    return { jobId: message.jobId, pluginId: String(message.pluginId ?? ''), pluginVersion: String(message.pluginVersion ?? ''), seriesInstanceUid: String(message.seriesInstanceUid ?? '') };
  } catch {
    return undefined;
  }
}

/** The queue names of one job queue: the jobs, one delay queue per retry, the dead letters. */
export interface QueueNames {
  jobs: string;
  dead: string;
  /** the delay queue a job waits in after its `attempt`-th delivery failed */
  retry(attempt: number): string;
  /** how long that is: retryDelayMs, doubled for each further attempt */
  retryDelayMs(attempt: number): number;
}

export function queueNames(settings: Pick<BrokerSettings, 'queue' | 'retryDelayMs'>): QueueNames {
  const retryDelayMs = (attempt: number) => settings.retryDelayMs * 2 ** (attempt - 1);
  return {
    jobs: settings.queue,
    dead: `${settings.queue}.dead`,
    // named by their delay: a queue's TTL cannot change, so another POLYRAD_BROKER_RETRY_S gets other queues
    retry: (attempt) => `${settings.queue}.retry.${retryDelayMs(attempt)}ms`,
    retryDelayMs,
  };
}

/**
 * Declares the durable queues. A retry queue holds a job for its delay (queue TTL), then the broker
 * dead-letters it back into the job queue: backoff without a broker plugin. Jobs rejected without a
 * reason go to the dead-letter queue. Declaring is idempotent, so every platform and worker does it.
 */
export async function assertTopology(channel: Channel, settings: Pick<BrokerSettings, 'queue' | 'retryDelayMs' | 'maxAttempts'>): Promise<void> {
  const names = queueNames(settings);
  await channel.assertQueue(names.dead, { durable: true });
  await channel.assertQueue(names.jobs, { durable: true, deadLetterExchange: '', deadLetterRoutingKey: names.dead });
  for (let attempt = 1; attempt < settings.maxAttempts; attempt++) {
    await channel.assertQueue(names.retry(attempt), { durable: true, messageTtl: names.retryDelayMs(attempt), deadLetterExchange: '', deadLetterRoutingKey: names.jobs });
  }
}

/** A platform process's own reply queue; durable and not exclusive, so it outlives a reconnect. */
export async function assertReplyQueue(channel: Channel, name: string): Promise<void> {
  await channel.assertQueue(name, { durable: true, expires: REPLY_QUEUE_EXPIRES_MS });
}
