import { rm } from 'node:fs/promises';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { isPolyradError } from '@polyrad/sdk';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { DeliveryQueueService } from '../delivery/delivery-queue.service.js';
import { DEFAULT_SITE } from '../registry/site.rules.js';
import { ImageRetentionRepository } from './image-retention.repository.js';

/** How often the retention policy is applied (and once at start). */
const SWEEP_INTERVAL_MS = 60 * 60 * 1000;

/** What one sweep did: the studies whose images it deleted, and why each other signed study was kept. */
export interface RetentionSweep {
  deleted: string[];
  kept: Array<{ studyInstanceUid: string; reason: string }>;
}

/**
 * Deletes received images under POLYRAD_RETENTION_DAYS: a study's images go only when its newest report is
 * signed, the retention period has passed since the signature, nothing of it awaits analysis, and the signed
 * release has been delivered to every destination the site's rules route it to. The report, its deliveries and
 * the study row stay (the report stays readable); each deletion is one audit entry and one log line.
 */
@Injectable()
export class ImageRetentionService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ImageRetentionService.name);
  private timer: ReturnType<typeof setInterval> | undefined;
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repository: ImageRetentionRepository,
    private readonly deliveries: DeliveryQueueService,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.retentionMs === undefined) return;
    this.logger.log(`received images are deleted ${this.config.retentionMs / 86_400_000} days after their report is signed and delivered (POLYRAD_RETENTION_DAYS)`);
    const run = (): void => {
      this.running = this.sweep().catch((error: unknown) => this.logger.warn(`retention sweep failed, tried again in an hour: ${isPolyradError(error) ? error.toLine() : String(error)}`));
    };
    run();
    this.timer = setInterval(run, SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** Applies the policy once at `now`; nothing is deleted when retention is off. */
  async sweep(now = new Date()): Promise<RetentionSweep> {
    const result: RetentionSweep = { deleted: [], kept: [] };
    const retentionMs = this.config.retentionMs;
    if (retentionMs === undefined) return result;
    for (const study of await this.repository.signedStudies()) {
      const { report } = study;
      const signedAt = Date.parse(report.signedAt ?? '');
      const keep = (reason: string): void => void result.kept.push({ studyInstanceUid: study.studyInstanceUid, reason });
      if (!Number.isFinite(signedAt)) {
        keep('the signed report has no signing time');
        continue;
      }
      if (signedAt + retentionMs > now.getTime()) {
        keep(`retained until ${new Date(signedAt + retentionMs).toISOString()}`);
        continue;
      }
      const delivery = await this.deliveries.releaseDelivered(report, study, DEFAULT_SITE);
      if (!delivery.delivered) {
        keep(`the signed report is not yet delivered to ${delivery.waiting.join(', ')}`);
        continue;
      }
      const held = await this.repository.files(study.studyInstanceUid);
      const { files } = held;
      await Promise.all(files.map((file) => rm(file.path, { force: true })));
      const bytes = files.reduce((sum, file) => sum + file.size, 0);
      const record = { reportVersion: study.version, signedAt: report.signedAt!, signedBy: report.signedBy ?? '', deliveredTo: delivery.destinations, files: files.length, bytes };
      await this.repository.forget(study.studyInstanceUid, held, record);
      this.logger.log(`study ${study.studyInstanceUid}: ${files.length} received images (${Math.round(bytes / 1024 ** 2)} MiB) deleted under the retention policy; report version ${study.version} kept`);
      result.deleted.push(study.studyInstanceUid);
    }
    return result;
  }
}
