import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Report } from '@polyrad/sdk';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';

/** What the urgent webhook receives. */
export interface UrgentNotice {
  event: 'study.urgent';
  studyInstanceUid: string;
  accessionNumber: string;
  patientId: string;
  reportVersion: number;
  reasons: string[];
  reportUrl: string;
}

const WEBHOOK_TIMEOUT_MS = 5000;

/**
 * Tells the configured webhook (RIS, paging system, chat) that a study's report is urgent. A failing
 * or slow receiver is logged and never fails or delays the storing of the report.
 */
@Injectable()
export class UrgentNotifier {
  private readonly logger = new Logger(UrgentNotifier.name);
  /** the delivery in flight per notice, so tests and shutdown can wait for it */
  readonly deliveries: Array<Promise<boolean>> = [];

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  notify(report: Report, reportVersion: number): void {
    const url = this.config.urgentWebhookUrl;
    if (!url || report.priority?.level !== 'urgent') return;
    const notice: UrgentNotice = {
      event: 'study.urgent',
      studyInstanceUid: report.study.studyInstanceUid,
      accessionNumber: report.study.accessionNumber,
      patientId: report.study.patientId,
      reportVersion,
      reasons: report.priority.reasons,
      reportUrl: `/api/studies/${report.study.studyInstanceUid}/report`,
    };
    this.deliveries.push(this.deliver(url, notice));
  }

  private async deliver(url: string, notice: UrgentNotice): Promise<boolean> {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(notice),
        signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      return true;
    } catch (error) {
      this.logger.warn(`urgent webhook for study ${notice.studyInstanceUid} failed: ${(error as Error).message}`);
      return false;
    }
  }
}
