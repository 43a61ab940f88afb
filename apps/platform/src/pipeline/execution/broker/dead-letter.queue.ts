import amqplib, { type ConfirmChannel, type GetMessage } from 'amqplib';
import { PolyradError } from '@polyrad/sdk';
import { BROKER_UNREACHABLE } from '../../../jobs/jobs.errors.js';
import type { BrokerSettings } from '../../../config/app-config.js';
import { assertTopology, ATTEMPT_HEADER, DEAD_AT_HEADER, parseJobMessage, queueNames, REASON_HEADER } from './broker-topology.js';

/** A dead-lettered job as an admin sees it. */
export interface DeadJob {
  /** absent for a message that was not a Polyrad job at all */
  jobId?: string;
  pluginId?: string;
  pluginVersion?: string;
  seriesInstanceUid?: string;
  reason: string;
  attempts: number;
  deadAt?: string;
}

/** More than this many dead letters are not listed in one answer (the rest stay in the queue). */
const MAX_LISTED = 1000;

function deadJobOf(message: GetMessage): DeadJob {
  const headers = message.properties.headers ?? {};
  const job = parseJobMessage(message.content);
  // a message the broker dead-lettered itself (rejected, expired) has no reason of ours, only x-death
  const death = (headers['x-death'] as Array<{ reason?: string; queue?: string }> | undefined)?.[0];
  const reason = headers[REASON_HEADER] ? String(headers[REASON_HEADER]) : `${death?.reason ?? 'dead-lettered'} by the broker${death?.queue ? ` in ${death.queue}` : ''}`;
  return {
    ...(job ?? {}),
    reason,
    attempts: Number(headers[ATTEMPT_HEADER] ?? 1) || 1,
    ...(headers[DEAD_AT_HEADER] ? { deadAt: String(headers[DEAD_AT_HEADER]) } : {}),
  };
}

/**
 * The dead-letter queue, for the admin API. Messages are taken without acknowledgement to be read and
 * then released: RabbitMQ puts released messages back in their place, so listing changes nothing.
 * Each call uses its own short connection; admin calls are rare.
 */
export class DeadLetterQueue {
  constructor(private readonly settings: BrokerSettings) {}

  async list(): Promise<DeadJob[]> {
    return this.withMessages(async (_channel, messages) => messages.map(deadJobOf));
  }

  /** Puts the job back at the end of the job queue with fresh attempts; false when no such job is dead-lettered. */
  async retry(jobId: string): Promise<boolean> {
    return this.withMessages(async (channel, messages) => {
      const found = messages.find((m) => parseJobMessage(m.content)?.jobId === jobId);
      if (!found) return false;
      // a fresh start: the last failure's reason and the broker's death records do not travel with it
      const headers = Object.fromEntries(Object.entries(found.properties.headers ?? {}).filter(([name]) => ![REASON_HEADER, DEAD_AT_HEADER, 'x-death'].includes(name)));
      channel.sendToQueue(queueNames(this.settings).jobs, found.content, { ...found.properties, persistent: true, headers: { ...headers, [ATTEMPT_HEADER]: 1 } });
      await channel.waitForConfirms();
      channel.ack(found);
      return true;
    });
  }

  /** Drops every dead-lettered job `matches` picks (their jobs are queued afresh elsewhere) and returns them. */
  async discard(matches: (job: DeadJob) => boolean): Promise<DeadJob[]> {
    return this.withMessages(async (channel, messages) => {
      const dropped = messages.filter((m) => matches(deadJobOf(m)));
      dropped.forEach((m) => channel.ack(m));
      return dropped.map(deadJobOf);
    });
  }

  private async withMessages<T>(use: (channel: ConfirmChannel, messages: GetMessage[]) => Promise<T>): Promise<T> {
    let connection;
    try {
      connection = await amqplib.connect(this.settings.url, { timeout: 10_000 });
    } catch (error) {
      throw new PolyradError(BROKER_UNREACHABLE, `the broker cannot be reached: ${(error as Error).message}`);
    }
    try {
      const channel = await connection.createConfirmChannel();
      await assertTopology(channel, this.settings);
      const messages: GetMessage[] = [];
      for (let message; messages.length < MAX_LISTED && (message = await channel.get(queueNames(this.settings).dead, { noAck: false })); ) messages.push(message);
      const answer = await use(channel, messages);
      // what was not acknowledged goes back in its place when the channel closes
      await channel.close();
      return answer;
    } finally {
      await connection.close().catch(() => undefined);
    }
  }
}
