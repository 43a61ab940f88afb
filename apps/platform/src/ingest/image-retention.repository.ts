import { Injectable } from '@nestjs/common';
import type { Report } from '@polyrad/sdk';
import { DataSource } from 'typeorm';

/** A study whose images are still held and whose newest report is signed. */
export interface SignedStudy {
  studyInstanceUid: string;
  studyId: number;
  version: number;
  report: Report;
}

/** What a retention deletion records in the audit log. */
export interface RetentionRecord {
  reportVersion: number;
  signedAt: string;
  signedBy: string;
  deliveredTo: string[];
  files: number;
  bytes: number;
}

/** All SQL of image retention: which studies could go, their files, and forgetting them with an audit entry. */
@Injectable()
export class ImageRetentionRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Studies with received instances whose newest report is signed and that have no arrival awaiting analysis. */
  async signedStudies(): Promise<SignedStudy[]> {
    const rows: Array<{ study_instance_uid: string; study_id: number; version: number; report: Report | string }> = await this.dataSource.query(
      `SELECT s."study_instance_uid", s."id" AS "study_id", r."version", r."report"
         FROM "studies" s
         JOIN LATERAL (SELECT "version", "report", "status" FROM "reports" WHERE "study_id" = s."id" ORDER BY "version" DESC LIMIT 1) r ON true
        WHERE r."status" = 'signed'
          AND EXISTS (SELECT 1 FROM "instances" i WHERE i."study_instance_uid" = s."study_instance_uid")
          AND NOT EXISTS (SELECT 1 FROM "pending_analyses" p WHERE p."study_instance_uid" = s."study_instance_uid")`,
    );
    return rows.map((r) => ({
      studyInstanceUid: r.study_instance_uid,
      studyId: Number(r.study_id),
      version: Number(r.version),
      report: typeof r.report === 'string' ? (JSON.parse(r.report) as Report) : r.report,
    }));
  }

  /** The study's received files and their sizes. */
  async files(studyInstanceUid: string): Promise<Array<{ path: string; size: number }>> {
    const rows: Array<{ path: string; size: string | number }> = await this.dataSource.query(`SELECT "path", "size" FROM "instances" WHERE "study_instance_uid" = $1`, [studyInstanceUid]);
    return rows.map((r) => ({ path: r.path, size: Number(r.size) }));
  }

  /**
   * Drops the study's instances from the index and the DICOMweb index and records why, in one transaction
   * (its files are removed before: a crash in between leaves rows whose files are flagged missing, forgotten by
   * the next sweep, never files that the start-up reconciliation would take in again).
   */
  async forget(studyInstanceUid: string, record: RetentionRecord): Promise<void> {
    await this.dataSource.transaction(async (tx) => {
      await tx.query(`DELETE FROM "dicomweb_index" WHERE "study_instance_uid" = $1`, [studyInstanceUid]);
      await tx.query(`DELETE FROM "instances" WHERE "study_instance_uid" = $1`, [studyInstanceUid]);
      await tx.query(`INSERT INTO "audit_log" ("actor", "action", "subject", "details") VALUES ('retention', 'retention.images.delete', $1, $2::jsonb)`, [
        studyInstanceUid,
        JSON.stringify(record),
      ]);
    });
  }
}
