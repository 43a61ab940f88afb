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

/** A study's received instances as read before deleting them. */
export interface HeldFiles {
  sops: string[];
  files: Array<{ path: string; size: number }>;
  /** the latest received_at among them, as the database writes it */
  receivedUpTo: string;
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

  /** The study's received instances as they are now: files, sizes, and the latest time one of them was received. */
  async files(studyInstanceUid: string): Promise<HeldFiles> {
    // the latest time as the database's text, in one statement with the rows: a Date would drop its microseconds
    const rows: Array<{ sop_instance_uid: string; path: string; size: string | number; up_to: string }> = await this.dataSource.query(
      `SELECT "sop_instance_uid", "path", "size", (max("received_at") OVER ())::text AS "up_to" FROM "instances" WHERE "study_instance_uid" = $1`,
      [studyInstanceUid],
    );
    return { sops: rows.map((r) => r.sop_instance_uid), files: rows.map((r) => ({ path: r.path, size: Number(r.size) })), receivedUpTo: rows[0]?.up_to ?? '-infinity' };
  }

  /**
   * Drops the study's instances from the index and the DICOMweb index and records why, in one transaction
   * (its files are removed before: a crash in between leaves rows whose files are flagged missing, forgotten by
   * the next sweep, never files that the start-up reconciliation would take in again).
   */
  async forget(studyInstanceUid: string, held: HeldFiles, record: RetentionRecord): Promise<void> {
    await this.dataSource.transaction(async (tx) => {
      // only the rows read before the files went: an instance received (or sent again) since is kept
      await tx.query(`DELETE FROM "instances" WHERE "study_instance_uid" = $1 AND "sop_instance_uid" = ANY($2) AND "received_at" <= $3::timestamptz`, [
        studyInstanceUid,
        held.sops,
        held.receivedUpTo,
      ]);
      await tx.query(
        `DELETE FROM "dicomweb_index" d WHERE d."study_instance_uid" = $1 AND NOT EXISTS (SELECT 1 FROM "instances" i WHERE i."sop_instance_uid" = d."sop_instance_uid")`,
        [studyInstanceUid],
      );
      await tx.query(`INSERT INTO "audit_log" ("actor", "action", "subject", "details") VALUES ('retention', 'retention.images.delete', $1, $2::jsonb)`, [
        studyInstanceUid,
        JSON.stringify(record),
      ]);
    });
  }
}
