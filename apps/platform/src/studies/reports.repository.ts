import { Injectable } from '@nestjs/common';
import type { Report } from '@polyrad/sdk';
import { DataSource, type EntityManager } from 'typeorm';

export interface StoredReport {
  studyId: number;
  version: number;
}

export interface WorklistEntry {
  studyInstanceUid: string;
  patientId: string;
  studyDate: string;
  accessionNumber: string;
  priority: 'urgent' | 'routine';
  reasons: string[];
  reportVersion: number;
  generatedAt: string;
  /** signed once a radiologist signed the newest report */
  status: Report['status'];
}

export interface LatestReport {
  /** false when the study is unknown; true with report null when it exists but has no report yet. */
  studyExists: boolean;
  report: Report | null;
  version?: number;
}

/** All SQL for studies, series and reports. Written for PostgreSQL, so identical on PGlite. */
@Injectable()
export class ReportsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Upserts the study and its series, then appends the report as the study's next version, in one transaction. */
  async save(report: Report): Promise<StoredReport> {
    return this.dataSource.transaction(async (manager) => {
      const studyId = await this.upsertStudy(manager, report.study);
      for (const series of report.series) {
        await manager.query(
          `INSERT INTO "series" ("series_instance_uid", "study_id", "modality", "fingerprint")
           VALUES ($1, $2, $3, $4::jsonb)
           ON CONFLICT ("series_instance_uid") DO UPDATE
             SET "study_id" = EXCLUDED."study_id", "modality" = EXCLUDED."modality",
                 "fingerprint" = EXCLUDED."fingerprint", "updated_at" = now()`,
          [series.seriesInstanceUid, studyId, series.modality, JSON.stringify(series.fingerprint)],
        );
      }
      // The study row is locked by the upsert above, so concurrent saves of one study get distinct versions.
      const rows: Array<{ version: number }> = await manager.query(
        `INSERT INTO "reports" ("study_id", "version", "report", "status")
         SELECT $1, COALESCE(MAX("version"), 0) + 1, $2::json, $3 FROM "reports" WHERE "study_id" = $1
         RETURNING "version"`,
        [studyId, JSON.stringify(report), report.status],
      );
      return { studyId, version: rows[0]!.version };
    });
  }

  async findLatest(studyInstanceUid: string): Promise<LatestReport> {
    const rows: Array<{ report: Report | null; version: number | null }> = await this.dataSource.query(
      `SELECT r."report", r."version"
         FROM "studies" s
         LEFT JOIN LATERAL (
           SELECT "report", "version" FROM "reports" WHERE "study_id" = s."id" ORDER BY "version" DESC LIMIT 1
         ) r ON true
        WHERE s."study_instance_uid" = $1`,
      [studyInstanceUid],
    );
    const row = rows[0];
    if (!row) return { studyExists: false, report: null };
    return { studyExists: true, report: row.report, ...(row.version === null ? {} : { version: row.version }) };
  }

  /** One version of a study's report, as stored now (with the reader's decisions made on it). */
  async findVersion(studyInstanceUid: string, version: number): Promise<Report | undefined> {
    const rows: Array<{ report: Report }> = await this.dataSource.query(
      `SELECT r."report" FROM "reports" r JOIN "studies" s ON s."id" = r."study_id" WHERE s."study_instance_uid" = $1 AND r."version" = $2`,
      [studyInstanceUid, version],
    );
    return rows[0]?.report;
  }

  /** Studies with their newest report: urgent first, then the newest report first. */
  async worklist(limit: number): Promise<WorklistEntry[]> {
    const rows: Array<{ uid: string; patient_id: string; study_date: string; accession_number: string; version: number; report: Report }> =
      await this.dataSource.query(
        `SELECT s."study_instance_uid" AS uid, s."patient_id", s."study_date", s."accession_number", r."version", r."report"
           FROM "studies" s
           JOIN LATERAL (
             SELECT "report", "version", "created_at" FROM "reports" WHERE "study_id" = s."id" ORDER BY "version" DESC LIMIT 1
           ) r ON true
          ORDER BY (r."report"->'priority'->>'level' = 'urgent') DESC NULLS LAST, r."created_at" DESC, s."id" DESC
          LIMIT $1`,
        [limit],
      );
    return rows.map((row) => ({
      studyInstanceUid: row.uid,
      patientId: row.patient_id,
      studyDate: row.study_date,
      accessionNumber: row.accession_number,
      priority: row.report.priority?.level ?? 'routine',
      reasons: row.report.priority?.reasons ?? [],
      reportVersion: row.version,
      generatedAt: row.report.generatedAt,
      status: row.report.status,
    }));
  }

  private async upsertStudy(manager: EntityManager, study: Report['study']): Promise<number> {
    const rows: Array<{ id: number }> = await manager.query(
      `INSERT INTO "studies" ("study_instance_uid", "patient_id", "study_date", "accession_number")
       VALUES ($1, $2, $3, $4)
       ON CONFLICT ("study_instance_uid") DO UPDATE
         SET "patient_id" = EXCLUDED."patient_id", "study_date" = EXCLUDED."study_date",
             "accession_number" = EXCLUDED."accession_number", "updated_at" = now()
       RETURNING "id"`,
      [study.studyInstanceUid, study.patientId, study.studyDate, study.accessionNumber],
    );
    return rows[0]!.id;
  }
}
