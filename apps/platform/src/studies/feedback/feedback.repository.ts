import { Injectable } from '@nestjs/common';
import type { Report } from '@polyrad/sdk';
import { DataSource } from 'typeorm';
import type { FeedbackAction, FeedbackRecord } from './report-review.js';

/** A stored reader action, as the API shows it. */
export interface FeedbackView extends Omit<FeedbackRecord, 'reason'> {
  id: number;
  studyInstanceUid: string;
  reportVersion: number;
  site: string;
  reader: string;
  reason: string | null;
  at: string;
}

/** The newest report of a study, locked for the change being made to it. */
export interface LockedReport {
  report: Report;
  version: number;
}

/** The newest report as a change left it, with the row it is stored in (study row and version, as ReportsRepository stores them). */
export interface ChangedReport {
  report: Report;
  studyId: number;
  version: number;
}

/** What a change to the newest report produced: the new report, and the feedback it stands for (none for a sign-off). */
export interface ReportChange {
  report: Report;
  record?: FeedbackRecord;
}

interface FeedbackRow {
  id: string;
  uid: string;
  report_version: number;
  action: FeedbackAction;
  finding_index: number | null;
  finding_code: string | null;
  plugin_id: string | null;
  plugin_version: string | null;
  site: string;
  reader: string;
  old_value: number | string | null;
  new_value: number | string | null;
  old_category: string | null;
  new_category: string | null;
  reason: string | null;
  note: string | null;
  created_at: Date;
}

/** All SQL of reader feedback and sign-off. Written for PostgreSQL, so identical on PGlite. */
@Injectable()
export class FeedbackRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Changes the study's newest report and stores the feedback in one transaction. The report row is locked
   * first, so two readers' changes apply one after the other and a change cannot follow a sign-off.
   * Returns undefined when the study has no report.
   */
  async changeLatest(studyInstanceUid: string, site: string, reader: string, change: (current: LockedReport) => ReportChange): Promise<ChangedReport | undefined> {
    return this.dataSource.transaction(async (manager) => {
      const rows: Array<{ study_id: number; version: number; report: Report }> = await manager.query(
        `SELECT r."study_id", r."version", r."report"
           FROM "reports" r JOIN "studies" s ON s."id" = r."study_id"
          WHERE s."study_instance_uid" = $1
          ORDER BY r."version" DESC LIMIT 1
          FOR UPDATE OF r`,
        [studyInstanceUid],
      );
      const row = rows[0];
      if (!row) return undefined;
      const { report, record } = change({ report: row.report, version: row.version });
      await manager.query(
        `UPDATE "reports" SET "report" = $3::json, "status" = $4, "signed_by" = $5, "signed_at" = $6
          WHERE "study_id" = $1 AND "version" = $2`,
        [row.study_id, row.version, JSON.stringify(report), report.status, report.signedBy ?? null, report.signedAt ?? null],
      );
      if (record) {
        await manager.query(
          `INSERT INTO "report_feedback" ("study_id", "report_version", "action", "finding_index", "finding_code", "plugin_id", "plugin_version",
              "site", "reader", "old_value", "new_value", "old_category", "new_category", "reason", "note")
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11::jsonb, $12, $13, $14, $15)`,
          [
            row.study_id,
            row.version,
            record.action,
            record.findingIndex,
            record.findingCode,
            record.pluginId,
            record.pluginVersion,
            site,
            reader,
            JSON.stringify(record.oldValue),
            JSON.stringify(record.newValue),
            record.oldCategory,
            record.newCategory,
            record.reason,
            record.note,
          ],
        );
      }
      return { report, studyId: row.study_id, version: row.version };
    });
  }

  /** The feedback on a study's reports, oldest first. */
  async listForStudy(studyInstanceUid: string): Promise<FeedbackView[]> {
    return this.select(`WHERE s."study_instance_uid" = $1`, [studyInstanceUid]);
  }

  /** Every piece of feedback at these sites (null: all sites), oldest first. */
  async listForSites(sites: string[] | null): Promise<FeedbackView[]> {
    return this.select(`WHERE ($1::text[] IS NULL OR f."site" = ANY($1::text[]))`, [sites]);
  }

  private async select(where: string, params: unknown[]): Promise<FeedbackView[]> {
    const rows: FeedbackRow[] = await this.dataSource.query(
      `SELECT f."id", s."study_instance_uid" AS uid, f."report_version", f."action", f."finding_index", f."finding_code", f."plugin_id",
              f."plugin_version", f."site", f."reader", f."old_value", f."new_value", f."old_category", f."new_category", f."reason", f."note", f."created_at"
         FROM "report_feedback" f JOIN "studies" s ON s."id" = f."study_id"
        ${where}
        ORDER BY f."id"`,
      params,
    );
    return rows.map((r) => ({
      id: Number(r.id),
      studyInstanceUid: r.uid,
      reportVersion: r.report_version,
      action: r.action,
      findingIndex: r.finding_index,
      findingCode: r.finding_code,
      pluginId: r.plugin_id,
      pluginVersion: r.plugin_version,
      site: r.site,
      reader: r.reader,
      oldValue: r.old_value,
      newValue: r.new_value,
      oldCategory: r.old_category,
      newCategory: r.new_category,
      reason: r.reason,
      note: r.note,
      at: new Date(r.created_at).toISOString(),
    }));
  }
}
