import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { isPolyradError, PolyradError } from '@polyrad/sdk';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { REPORT_NOT_FOUND } from '../studies/studies.errors.js';
import { DEFAULT_DELIVERY_CONFIG, type DeliveryConfig } from './delivery.config.js';
import { DELIVERY_DESTINATION_NOT_FOUND, DELIVERY_HOST_NOT_ALLOWED } from './delivery.errors.js';
import { FINAL_DELIVERY_CODES, failedAttempt } from './delivery-retry.js';
import { DeliveryRepository, type AttemptOutcome, type DeliveryJob } from './delivery.repository.js';
import { assertAllowedUrl } from './destination.validator.js';
import { sendToDestination } from './report-deliverer.js';
import { renderReport } from './report-renderer.js';
import { sourceStudyFromReport } from './source-study.js';

/** Deliveries sent at once per pass. */
const BATCH = 8;
/** A claimed delivery is not taken again before this (longer than any send's own time-outs). */
const LEASE_MS = 5 * 60_000;
/** Besides a refusal, what only a person can change (a deleted destination, the allow-list): given up at once, until a re-send. */
const FINAL_CODES = [...FINAL_DELIVERY_CODES, DELIVERY_DESTINATION_NOT_FOUND, DELIVERY_HOST_NOT_ALLOWED, REPORT_NOT_FOUND];

/**
 * Sends queued deliveries in the background, started and stopped with the app: each due delivery is rendered
 * from its stored report and sent to its destination's current settings; a failure is logged and tried again
 * with exponential backoff until the attempts run out. The queue is the database, so deliveries pending when
 * the platform stopped are sent after it starts again, and nothing here ever waits on intake or analysis.
 */
@Injectable()
export class DeliveryWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Delivery');
  private readonly config: DeliveryConfig;
  private timer: NodeJS.Timeout | undefined;
  private pass: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(
    private readonly repository: DeliveryRepository,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.config = config.delivery ?? DEFAULT_DELIVERY_CONFIG;
  }

  async onApplicationBootstrap(): Promise<void> {
    const pending = await this.repository.pendingCount().catch(() => 0);
    if (pending > 0) this.logger.log(`${pending} pending ${pending === 1 ? 'delivery' : 'deliveries'} resumed`);
    this.wake();
  }

  /** Before the database closes (TypeORM closes it on application shutdown), so sends in flight are logged. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    // sends in flight finish (each within its own time-out) and are logged; the rest stay queued
    await this.pass;
  }

  /** Looks for due deliveries now (one was just queued or re-sent), else at the next poll. */
  wake(): void {
    if (this.stopped) return;
    if (this.pass) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.pass = this.sendDue().finally(() => {
      this.pass = undefined;
      if (this.stopped) return;
      if (this.again) {
        this.again = false;
        this.wake();
      } else this.timer = setTimeout(() => this.wake(), this.config.pollMs).unref();
    });
  }

  private async sendDue(): Promise<void> {
    try {
      for (;;) {
        const jobs = await this.repository.claimDue(BATCH, LEASE_MS);
        await Promise.all(jobs.map((job) => this.deliver(job)));
        if (jobs.length < BATCH || this.stopped) return;
      }
    } catch (error) {
      // the database is out: claimed deliveries come due again after their lease
      this.logger.warn(`delivery queue unavailable: ${isPolyradError(error) ? error.toLine() : String(error)}`);
    }
  }

  private async deliver(job: DeliveryJob): Promise<void> {
    const outcome = await this.send(job).then(
      (): AttemptOutcome => ({ status: 'delivered' }),
      (error: unknown) => this.afterFailure(job, error),
    );
    await this.repository.recordAttempt(job.id, outcome);
    const what = `delivery ${job.id} of report ${job.reportId} to ${job.siteId}/${job.destinationId}`;
    if (outcome.status === 'failed') this.logger.warn(`${what} failed after ${job.attempts} attempts, not retried until re-sent: ${outcome.code}: ${outcome.message}`);
    else if (outcome.status === 'pending') this.logger.warn(`${what}: attempt ${job.attempts} failed (${outcome.code}: ${outcome.message}); next in ${outcome.retryInMs / 1000} s`);
  }

  private async send(job: DeliveryJob): Promise<void> {
    const destination = await this.repository.destination(job.siteId, job.destinationId);
    if (!destination) throw new PolyradError(DELIVERY_DESTINATION_NOT_FOUND, `destination ${job.destinationId} of site ${job.siteId} was deleted`, job.destinationId);
    // the allow-list may have shrunk since the destination was saved
    if ('url' in destination) assertAllowedUrl(new URL(destination.url), this.config.allowedHosts);
    const material = await this.repository.material(job.id);
    if (!material) throw new PolyradError(REPORT_NOT_FOUND, `report ${job.reportId} no longer exists`);
    await sendToDestination(destination, await renderReport(material.report, material.source ?? sourceStudyFromReport(material.report), material.keySlices, material.segs));
  }

  private afterFailure(job: DeliveryJob, error: unknown): AttemptOutcome {
    const { code, message, retryInMs } = failedAttempt(error, job.attempts, this.config.retry, FINAL_CODES);
    return retryInMs === undefined ? { status: 'failed', code, message } : { status: 'pending', code, message, retryInMs };
  }
}
