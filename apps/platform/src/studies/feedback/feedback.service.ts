import { Injectable } from '@nestjs/common';
import { PolyradError, type Report } from '@polyrad/sdk';
import { DeliveryQueueService } from '../../delivery/delivery-queue.service.js';
import { INVALID_STUDY_UID, REPORT_NOT_FOUND } from '../studies.errors.js';
import { StudyActivityService } from '../study-activity.service.js';
import { isDicomUid } from '../study-uid.js';
import { FeedbackRepository, type FeedbackView } from './feedback.repository.js';
import { applyReaderAction, type ReaderAction, signReport } from './report-review.js';

/**
 * Radiologists' corrections and sign-off of a study's newest report, and what they say about each plugin version.
 * Signing, and every correction after it (an amendment), queues the new version to the site's destinations.
 */
@Injectable()
export class FeedbackService {
  constructor(
    private readonly feedback: FeedbackRepository,
    private readonly deliveries: DeliveryQueueService,
    private readonly activity: StudyActivityService,
  ) {}

  /** Applies one reader action to the newest report and stores it as feedback; the corrected report is returned. */
  correct(studyInstanceUid: string, site: string, reader: string, action: ReaderAction): Promise<Report> {
    const at = new Date().toISOString();
    return this.change(studyInstanceUid, site, reader, ({ report }) => applyReaderAction(report, action, reader, at));
  }

  /** Signs the newest report: final status, signedBy and signedAt; a correction after it amends it. */
  sign(studyInstanceUid: string, site: string, reader: string): Promise<Report> {
    const at = new Date().toISOString();
    return this.change(studyInstanceUid, site, reader, ({ report }) => ({ report: signReport(report, reader, at) }));
  }

  listForStudy(studyInstanceUid: string): Promise<FeedbackView[]> {
    assertUid(studyInstanceUid);
    return this.feedback.listForStudy(studyInstanceUid);
  }

  private async change(studyInstanceUid: string, site: string, reader: string, work: Parameters<FeedbackRepository['changeLatest']>[3]): Promise<Report> {
    assertUid(studyInstanceUid);
    const changed = await this.feedback.changeLatest(studyInstanceUid, site, reader, work);
    if (!changed) throw new PolyradError(REPORT_NOT_FOUND, `study ${studyInstanceUid} has no report to correct or sign`, studyInstanceUid);
    this.activity.reported(studyInstanceUid, { version: changed.version, status: changed.report.status });
    // a draft's corrections wait for the sign-off; the final version and each amendment go out as they are made
    if (changed.report.status === 'signed') await this.deliveries.enqueueRelease(changed.report, changed, site);
    return changed.report;
  }
}

function assertUid(value: string): void {
  if (!isDicomUid(value)) throw new PolyradError(INVALID_STUDY_UID, `${JSON.stringify(value.slice(0, 80))} is not a DICOM UID (digits and dots, at most 64 characters)`);
}
