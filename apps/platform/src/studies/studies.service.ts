import { Injectable } from '@nestjs/common';
import { PolyradError, reportSchemaErrors, type Report } from '@polyrad/sdk';
import { ReportsRepository, type StoredReport, type WorklistEntry } from './reports.repository.js';
import { StudyActivityService } from './study-activity.service.js';
import { UrgentNotifier } from './urgent.notifier.js';
import { INVALID_STUDY_UID, REPORT_INVALID, REPORT_NOT_FOUND, STUDY_NOT_FOUND } from './studies.errors.js';
import { isDicomUid } from './study-uid.js';

/** Decides what may be stored and what a lookup means; ReportsRepository does the I/O. */
@Injectable()
export class StudiesService {
  constructor(
    private readonly reports: ReportsRepository,
    private readonly notifier: UrgentNotifier,
    private readonly activity: StudyActivityService,
  ) {}

  /** Stores a report (schema-valid, with usable UIDs) as its study's next version. */
  async storeReport(report: Report): Promise<StoredReport> {
    const problems = reportSchemaErrors(report);
    if (problems.length > 0) {
      throw new PolyradError(REPORT_INVALID, `the report does not match the report schema: ${problems.join('; ')}`);
    }
    assertUid(report.study.studyInstanceUid, 'study.studyInstanceUid');
    report.series.forEach((series, i) => assertUid(series.seriesInstanceUid, `series[${i}].seriesInstanceUid`));
    const stored = await this.reports.save(report);
    this.notifier.notify(report, stored.version);
    this.activity.reported(report.study.studyInstanceUid, { version: stored.version, status: report.status });
    return stored;
  }

  /** The reading worklist: urgent studies first (DESIGN.md step 2, priority). */
  worklist(limit = 100): Promise<WorklistEntry[]> {
    return this.reports.worklist(Math.max(1, Math.min(1000, Math.floor(limit) || 100)));
  }

  /** The newest report version of a study. */
  async getLatestReport(studyInstanceUid: string): Promise<Report> {
    assertUid(studyInstanceUid, 'StudyInstanceUID');
    const latest = await this.reports.findLatest(studyInstanceUid);
    if (!latest.studyExists) {
      throw new PolyradError(STUDY_NOT_FOUND, `no study with StudyInstanceUID ${studyInstanceUid}`, studyInstanceUid);
    }
    if (!latest.report) {
      throw new PolyradError(REPORT_NOT_FOUND, `study ${studyInstanceUid} has no report yet`, studyInstanceUid);
    }
    return latest.report;
  }
}

export function assertUid(value: string, what: string): void {
  if (!isDicomUid(value)) {
    const shown = value.length > 80 ? `${value.slice(0, 80)}...` : value;
    throw new PolyradError(
      INVALID_STUDY_UID,
      `${what} ${JSON.stringify(shown)} is not a DICOM UID (digits and dots, at most 64 characters, e.g. 1.2.840.113619.2.55.3)`,
    );
  }
}
