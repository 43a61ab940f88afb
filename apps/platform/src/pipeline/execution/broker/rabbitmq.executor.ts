import { randomUUID } from 'node:crypto';
import type { Channel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import amqp, { type AmqpConnectionManager, type ChannelWrapper } from 'amqp-connection-manager';
import { PolyradError } from '@polyrad/sdk';
import { BROKER_UNREACHABLE } from '../../../jobs/jobs.errors.js';
import type { BrokerSettings } from '../../../config/app-config.js';
import { redactedUrl } from '../../../config/redacted-url.js';
import type { PluginExecutor, PluginJob } from '../plugin-executor.js';
import type { RunResult } from '../plugin-runner.js';
import { assertReplyQueue, assertTopology, ATTEMPT_HEADER, queueNames, type JobMessage, type JobReply } from './broker-topology.js';
import { JobStore } from './job.store.js';

export interface RabbitMqExecutorOptions {
  /** how long the first connection may take before queued jobs fail; default 10 s */
  connectTimeoutMs?: number;
}

interface Waiting {
  job: PluginJob;
  resolve: (result: RunResult) => void;
}

function failedResult(reason: string, durationMs = 0): RunResult {
  return { status: 'failed', reason, durationMs, artifacts: [], findings: [], missing: [], warnings: [] };
}

/** Acks on the channel the message came on; after a reconnect that channel is gone and the broker redelivers. */
export function ackQuietly(channel: Channel, message: ConsumeMessage): void {
  try {
    channel.ack(message);
  } catch {
    // the channel closed meanwhile
  }
}

export function describe(error: unknown): string {
  if (error instanceof PolyradError) return error.toLine();
  return error instanceof Error ? error.message : String(error);
}

/**
 * The PluginExecutor for more than one machine: each job is written to the shared job store, and only its
 * id goes to the durable job queue as a persistent message, where a `polyrad worker` takes it. The worker
 * answers on this executor's reply queue once the result is stored (or the job was dead-lettered);
 * the result is then read back from the store. As with the local executor, nothing a plugin does
 * rejects `execute`.
 */
export class RabbitMqExecutor implements PluginExecutor {
  private readonly store: JobStore;
  private readonly replyQueue: string;
  private readonly waiting = new Map<string, Waiting>();
  private connection: AmqpConnectionManager | undefined;
  private channel: ChannelWrapper | undefined;
  private connected: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly settings: BrokerSettings,
    private readonly options: RabbitMqExecutorOptions = {},
  ) {
    this.store = new JobStore(settings.storeDir);
    this.replyQueue = `${settings.queue}.reply.${randomUUID()}`;
  }

  execute(job: PluginJob): Promise<RunResult> {
    if (this.closed) return Promise.reject(new PolyradError('EXECUTOR_CLOSED', 'the plugin executor is closed'));
    const jobId = randomUUID();
    return new Promise<RunResult>((resolve) => {
      this.waiting.set(jobId, { job, resolve });
      this.submit(jobId, job).catch(async (error) => {
        await this.store.remove(jobId).catch(() => undefined);
        this.settle(jobId, failedResult(`could not queue the job: ${describe(error)}`));
      });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const jobId of [...this.waiting.keys()]) this.settle(jobId, failedResult('the plugin executor was closed before the job ended'));
    // the reply queue would expire by itself; removing it now keeps the broker tidy
    if (this.channel) await this.channel.deleteQueue(this.replyQueue).catch(() => undefined);
    await this.channel?.close().catch(() => undefined);
    await this.connection?.close().catch(() => undefined);
  }

  private async submit(jobId: string, job: PluginJob): Promise<void> {
    await this.store.putJob(jobId, job);
    await this.connect();
    const message: JobMessage = { jobId, pluginId: job.manifest.id, pluginVersion: job.manifest.version, seriesInstanceUid: job.series.seriesInstanceUid };
    // a confirm channel: this resolves once the broker has taken the (persistent) message into the durable queue
    await this.channel!.sendToQueue(queueNames(this.settings).jobs, Buffer.from(JSON.stringify(message)), {
      persistent: true,
      contentType: 'application/json',
      messageId: jobId,
      correlationId: jobId,
      replyTo: this.replyQueue,
      headers: { [ATTEMPT_HEADER]: 1 },
    });
    job.log?.(`queued ${job.manifest.id} as job ${jobId} on ${this.settings.queue}`);
  }

  private connect(): Promise<void> {
    this.connected ??= (async () => {
      const connection = amqp.connect([this.settings.url], { heartbeatIntervalInSeconds: 5, reconnectTimeInSeconds: 1 });
      this.connection = connection;
      // amqp-connection-manager reconnects by itself; the setup runs again on every new channel
      this.channel = connection.createChannel({
        confirm: true,
        setup: async (channel: ConfirmChannel) => {
          await assertTopology(channel, this.settings);
          await assertReplyQueue(channel, this.replyQueue);
          await channel.consume(this.replyQueue, (message) => void this.onReply(channel, message), { noAck: false });
        },
      });
      const timeoutMs = this.options.connectTimeoutMs ?? 10_000;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new PolyradError(BROKER_UNREACHABLE, `the broker at ${redactedUrl(this.settings.url)} did not answer within ${timeoutMs / 1000} s`)), timeoutMs);
      });
      try {
        await Promise.race([this.channel.waitForConnect(), timeout]);
      } finally {
        clearTimeout(timer);
      }
    })();
    return this.connected;
  }

  private async onReply(channel: ConfirmChannel, message: ConsumeMessage | null): Promise<void> {
    if (!message) return;
    try {
      const reply = JSON.parse(message.content.toString('utf8')) as JobReply;
      const waiting = this.waiting.get(reply.jobId);
      if (!waiting) return; // another process's job, or one this executor no longer waits for
      if (reply.outcome === 'dead-lettered') {
        // the job and its data stay in the store, so an admin can retry it from the dead-letter queue
        this.settle(reply.jobId, failedResult(`the job was dead-lettered: ${reply.reason}`));
        return;
      }
      let result: RunResult;
      try {
        result = await this.store.getResult(reply.jobId);
      } catch (error) {
        result = failedResult(`the worker's stored result could not be read: ${describe(error)}`);
      }
      // removed before the caller hears of it, so a finished study leaves nothing behind in the store
      await this.store.remove(reply.jobId).catch((error) => waiting.job.log?.(`could not remove job ${reply.jobId} from the job store: ${describe(error)}`));
      this.settle(reply.jobId, result);
    } catch {
      // not a reply of ours: nothing to do but drop it
    } finally {
      ackQuietly(channel, message);
    }
  }

  private settle(jobId: string, result: RunResult): void {
    const waiting = this.waiting.get(jobId);
    if (!waiting) return;
    this.waiting.delete(jobId);
    waiting.resolve(result);
  }
}
