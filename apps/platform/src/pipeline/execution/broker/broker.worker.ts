import type { ConfirmChannel, ConsumeMessage } from 'amqplib';
import amqp, { type AmqpConnectionManager, type ChannelWrapper } from 'amqp-connection-manager';
import type { BrokerSettings } from '../../../config/app-config.js';
import { redactedUrl } from '../../../config/redacted-url.js';
import { readJob } from '../job-payload.codec.js';
import type { PluginExecutor } from '../plugin-executor.js';
import { assertTopology, ATTEMPT_HEADER, DEAD_AT_HEADER, parseJobMessage, queueNames, REASON_HEADER, type JobReply } from './broker-topology.js';
import { JobStore } from './job.store.js';
import { ackQuietly, describe } from './rabbitmq.executor.js';

export interface BrokerWorkerOptions {
  /** runs each job (in a sandboxed child process: LocalProcessExecutor) */
  executor: PluginExecutor;
  /** jobs this worker takes at a time: the channel's prefetch */
  concurrency: number;
  log: (message: string) => void;
}

/**
 * `polyrad worker`: takes jobs from the durable queue, at most `concurrency` unacknowledged at a time, runs
 * each, stores its result in the job store, answers the platform, and only then acknowledges. A worker
 * that dies before the ack leaves the job to the broker, which delivers it to another worker; one that
 * stored a result first makes the second delivery a no-op. A job the worker cannot process (unreadable
 * payload, store unreachable) is retried after a growing delay and dead-lettered with its reason after
 * `maxAttempts` deliveries. A plugin that fails is not such a job: its failure is its result.
 */
export class BrokerWorker {
  private readonly store: JobStore;
  private readonly names;
  private connection: AmqpConnectionManager | undefined;
  private channel: ChannelWrapper | undefined;
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly settings: BrokerSettings,
    private readonly options: BrokerWorkerOptions,
  ) {
    this.store = new JobStore(settings.storeDir);
    this.names = queueNames(settings);
  }

  async start(): Promise<void> {
    this.connection = amqp.connect([this.settings.url], { heartbeatIntervalInSeconds: 5, reconnectTimeInSeconds: 1 });
    // one line per outage, not one per reconnect attempt
    let reachable = true;
    this.connection.on('connect', () => (reachable = true));
    this.connection.on('disconnect', ({ err }) => this.options.log(`lost the broker (${err?.message ?? 'closed'}); reconnecting`));
    this.connection.on('connectFailed', ({ err }) => {
      if (reachable) this.options.log(`cannot reach the broker at ${redactedUrl(this.settings.url)} (${err.message}); retrying every second`);
      reachable = false;
    });
    this.channel = this.connection.createChannel({
      confirm: true,
      setup: async (channel: ConfirmChannel) => {
        await assertTopology(channel, this.settings);
        await channel.prefetch(this.options.concurrency);
        await channel.consume(this.names.jobs, (message) => message && this.track(this.handle(channel, message)), { noAck: false });
      },
    });
    await this.channel.waitForConnect();
  }

  /** Takes no further job, lets the running ones finish (they are acknowledged), then disconnects. */
  async stop(): Promise<void> {
    await this.channel?.cancelAll().catch(() => undefined);
    await Promise.allSettled([...this.running]);
    await this.options.executor.close();
    await this.channel?.close().catch(() => undefined);
    await this.connection?.close().catch(() => undefined);
  }

  private track(handled: Promise<void>): void {
    // the channel may have closed under a job: unacknowledged, the broker delivers it again
    const run = handled.catch((error) => this.options.log(`could not settle a job: ${describe(error)}; the broker will deliver it again`));
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
  }

  private async handle(channel: ConfirmChannel, message: ConsumeMessage): Promise<void> {
    const job = parseJobMessage(message.content);
    const attempt = Number(message.properties.headers?.[ATTEMPT_HEADER] ?? 1) || 1;
    if (!job) return this.deadLetter(channel, message, undefined, 'not a Polyrad job message', attempt);
    try {
      if (await this.store.hasResult(job.jobId)) {
        this.options.log(`job ${job.jobId} (${job.pluginId}) already has a stored result: delivered again, not run again`);
      } else {
        this.options.log(`started job ${job.jobId} (${job.pluginId}@${job.pluginVersion}, attempt ${attempt})`);
        const decoded = await readJob(this.store.dirOf(job.jobId));
        const result = await this.options.executor.execute({ ...decoded, log: (line) => this.options.log(`job ${job.jobId}: ${line}`) });
        const stored = await this.store.putResult(job.jobId, result);
        this.options.log(stored ? `stored job ${job.jobId}: ${result.status} in ${result.durationMs} ms` : `job ${job.jobId} was stored by another delivery meanwhile; this run's result is dropped`);
      }
      await this.reply(channel, message, { jobId: job.jobId, outcome: 'stored' });
      ackQuietly(channel, message);
    } catch (error) {
      const reason = describe(error);
      if (attempt >= this.settings.maxAttempts) return this.deadLetter(channel, message, job.jobId, reason, attempt);
      const delayMs = this.names.retryDelayMs(attempt);
      this.options.log(`job ${job.jobId} could not be processed (attempt ${attempt} of ${this.settings.maxAttempts}): ${reason}; retrying in ${delayMs / 1000} s`);
      await this.republish(channel, this.names.retry(attempt), message, { [ATTEMPT_HEADER]: attempt + 1, [REASON_HEADER]: reason });
      ackQuietly(channel, message);
    }
  }

  private async deadLetter(channel: ConfirmChannel, message: ConsumeMessage, jobId: string | undefined, reason: string, attempts: number): Promise<void> {
    this.options.log(`dead-lettered ${jobId ? `job ${jobId}` : 'a message'} after ${attempts} attempt(s): ${reason}`);
    await this.republish(channel, this.names.dead, message, { [ATTEMPT_HEADER]: attempts, [REASON_HEADER]: reason, [DEAD_AT_HEADER]: new Date().toISOString() });
    if (jobId) await this.reply(channel, message, { jobId, outcome: 'dead-lettered', reason: `${reason} (after ${attempts} attempt${attempts === 1 ? '' : 's'})` });
    ackQuietly(channel, message);
  }

  /** Publishes a copy and waits for the broker's confirm, so the original is acknowledged only once the copy is safe. */
  private async republish(channel: ConfirmChannel, queue: string, message: ConsumeMessage, headers: Record<string, unknown>): Promise<void> {
    channel.sendToQueue(queue, message.content, { ...message.properties, persistent: true, headers: { ...message.properties.headers, ...headers } });
    await channel.waitForConfirms();
  }

  private async reply(channel: ConfirmChannel, message: ConsumeMessage, reply: JobReply): Promise<void> {
    const { replyTo, correlationId } = message.properties;
    if (!replyTo) return;
    // the platform that asked may be gone: its reply queue then no longer exists and the reply is dropped
    channel.sendToQueue(replyTo, Buffer.from(JSON.stringify(reply)), { persistent: true, correlationId, contentType: 'application/json' });
    await channel.waitForConfirms();
  }
}
