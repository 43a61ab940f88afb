import { Injectable } from '@nestjs/common';
import type { Report } from '@polyrad/sdk';
import { DataSource } from 'typeorm';

export interface EarlierStudy {
  studyInstanceUid: string;
  studyDate: string;
  /** the newest stored report, or null when the study was received but never analysed */
  report: Report | null;
}

/** The SQL of prior lookup: earlier studies of a patient, and the stored files of one. */
@Injectable()
export class PriorStudiesRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Studies of `patientId` dated before `beforeDate` (YYYYMMDD), newest first, with their newest report. */
  async earlierStudies(patientId: string, beforeDate: string, excludeStudyUid: string, limit = 20): Promise<EarlierStudy[]> {
    const rows: Array<{ uid: string; study_date: string; report: Report | null }> = await this.dataSource.query(
      `SELECT s."study_instance_uid" AS uid, s."study_date", r."report"
         FROM "studies" s
         LEFT JOIN LATERAL (
           SELECT "report" FROM "reports" WHERE "study_id" = s."id" ORDER BY "version" DESC LIMIT 1
         ) r ON true
        WHERE s."patient_id" = $1 AND s."study_instance_uid" <> $2 AND s."study_date" ~ '^[0-9]{8}$' AND s."study_date" < $3
        ORDER BY s."study_date" DESC, s."id" DESC
        LIMIT $4`,
      [patientId, excludeStudyUid, beforeDate, limit],
    );
    return rows.map((r) => ({ studyInstanceUid: r.uid, studyDate: r.study_date, report: r.report }));
  }

  /** The stored DICOM files of a study (received by C-STORE or STOW-RS), those found missing left out. */
  async studyFiles(studyInstanceUid: string): Promise<string[]> {
    const rows: Array<{ path: string }> = await this.dataSource.query(
      `SELECT "path" FROM "instances" WHERE "study_instance_uid" = $1 AND "file_missing_since" IS NULL ORDER BY "series_instance_uid", "sop_instance_uid"`,
      [studyInstanceUid],
    );
    return rows.map((r) => r.path);
  }
}
