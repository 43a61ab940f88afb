import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { selectList } from '../../database/row-columns.js';
import type { RunDiagnostics } from '../../pipeline/execution/diagnostics.redactor.js';
import type { RunFinding, RunRecord, SeenAcquisition } from './run-records.js';

/** A stored run, as metrics, drift and the shadow comparison read it. */
export interface StoredRun extends RunRecord {
  id: number;
  site: string;
  studyInstanceUid: string;
  reportVersion: number;
  shadow: boolean;
  at: string;
}

export interface SitePolicy {
  site: string;
  /** vendors see this site's aggregates of their own plugins */
  shareMetricsWithVendors: boolean;
  /** corrected findings may leave the site as a de-identified dataset */
  allowDatasetExport: boolean;
  updatedAt: string | null;
  updatedBy: string | null;
}

export interface ShadowRow {
  site: string;
  algorithmId: string;
  version: string;
  startedAt: string;
  startedBy: string;
}

export type DriftKind = 'operating-range' | 'output-shift';

export interface DriftAlert {
  id: number;
  site: string;
  pluginId: string;
  pluginVersion: string;
  kind: DriftKind;
  /** the fingerprint field or finding code the alert is about */
  subject: string;
  message: string;
  details: Record<string, unknown>;
  occurrences: number;
  status: 'open' | 'acknowledged';
  firstAt: string;
  lastAt: string;
}

export type NewDriftAlert = Pick<DriftAlert, 'site' | 'pluginId' | 'pluginVersion' | 'kind' | 'subject' | 'message' | 'details'>;

interface RunRow {
  id: string;
  site: string;
  uid: string;
  report_version: number;
  plugin_id: string;
  plugin_version: string;
  shadow: boolean;
  status: 'succeeded' | 'failed';
  reason: string | null;
  duration_ms: number | null;
  series_instance_uid: string | null;
  seen: SeenAcquisition;
  findings: RunFinding[];
  diagnostics: RunDiagnostics | null;
  created_at: Date;
}

const ALERT_COLUMNS = selectList<Omit<DriftAlert, 'id' | 'firstAt' | 'lastAt'>>({
  site: 'site',
  pluginId: 'plugin_id',
  pluginVersion: 'plugin_version',
  kind: 'kind',
  subject: 'subject',
  message: 'message',
  details: 'details',
  occurrences: 'occurrences',
  status: 'status',
});

/** All SQL of runs, site policies, shadow versions and drift alerts. Written for PostgreSQL, so identical on PGlite. */
@Injectable()
export class LearningRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insertRuns(site: string, studyInstanceUid: string, reportVersion: number, shadow: boolean, runs: RunRecord[]): Promise<void> {
    for (const run of runs) {
      await this.dataSource.query(
        `INSERT INTO "plugin_runs" ("site", "study_instance_uid", "report_version", "plugin_id", "plugin_version", "shadow", "status", "reason",
            "duration_ms", "series_instance_uid", "seen", "findings", "diagnostics")
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12::jsonb, $13::jsonb)`,
        [
          site,
          studyInstanceUid,
          reportVersion,
          run.pluginId,
          run.pluginVersion,
          shadow,
          run.status,
          run.reason,
          run.durationMs,
          run.seriesInstanceUid,
          JSON.stringify(run.seen),
          JSON.stringify(run.findings),
          run.diagnostics === null ? null : JSON.stringify(run.diagnostics),
        ],
      );
    }
  }

  /** Runs at these sites (null: all), optionally of some plugins and only active or only shadow runs; oldest first. */
  async listRuns(filter: { sites: string[] | null; pluginIds?: string[]; shadow?: boolean; pluginVersion?: string; studies?: string[]; status?: RunRecord['status'] }): Promise<StoredRun[]> {
    const rows: RunRow[] = await this.dataSource.query(
      `SELECT "id", "site", "study_instance_uid" AS uid, "report_version", "plugin_id", "plugin_version", "shadow", "status", "reason", "duration_ms",
              "series_instance_uid", "seen", "findings", "diagnostics", "created_at"
         FROM "plugin_runs"
        WHERE ($1::text[] IS NULL OR "site" = ANY($1::text[]))
          AND ($2::text[] IS NULL OR "plugin_id" = ANY($2::text[]))
          AND ($3::boolean IS NULL OR "shadow" = $3)
          AND ($4::text IS NULL OR "plugin_version" = $4)
          AND ($5::text[] IS NULL OR "study_instance_uid" = ANY($5::text[]))
          AND ($6::text IS NULL OR "status" = $6)
        ORDER BY "id"`,
      [filter.sites, filter.pluginIds ?? null, filter.shadow ?? null, filter.pluginVersion ?? null, filter.studies ?? null, filter.status ?? null],
    );
    return rows.map((r) => ({
      id: Number(r.id),
      site: r.site,
      studyInstanceUid: r.uid,
      reportVersion: r.report_version,
      pluginId: r.plugin_id,
      pluginVersion: r.plugin_version,
      shadow: r.shadow,
      status: r.status,
      reason: r.reason,
      durationMs: r.duration_ms,
      seriesInstanceUid: r.series_instance_uid,
      seen: r.seen,
      findings: r.findings,
      diagnostics: r.diagnostics,
      at: new Date(r.created_at).toISOString(),
    }));
  }

  /** The site's policy; both permissions off when no admin set one. */
  async findPolicy(site: string): Promise<SitePolicy> {
    const rows: Array<{ share: boolean; export: boolean; updated_at: Date; updated_by: string }> = await this.dataSource.query(
      `SELECT "share_metrics_with_vendors" AS share, "allow_dataset_export" AS export, "updated_at", "updated_by" FROM "site_policies" WHERE "site_id" = $1`,
      [site],
    );
    const row = rows[0];
    return row
      ? { site, shareMetricsWithVendors: row.share, allowDatasetExport: row.export, updatedAt: new Date(row.updated_at).toISOString(), updatedBy: row.updated_by }
      : { site, shareMetricsWithVendors: false, allowDatasetExport: false, updatedAt: null, updatedBy: null };
  }

  async upsertPolicy(site: string, policy: { shareMetricsWithVendors: boolean; allowDatasetExport: boolean }, actor: string): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO "site_policies" ("site_id", "share_metrics_with_vendors", "allow_dataset_export", "updated_by") VALUES ($1, $2, $3, $4)
       ON CONFLICT ("site_id") DO UPDATE SET "share_metrics_with_vendors" = EXCLUDED."share_metrics_with_vendors",
         "allow_dataset_export" = EXCLUDED."allow_dataset_export", "updated_by" = EXCLUDED."updated_by", "updated_at" = now()`,
      [site, policy.shareMetricsWithVendors, policy.allowDatasetExport, actor],
    );
  }

  /** Sites that share their aggregates with vendors. */
  async sharingSites(): Promise<string[]> {
    const rows: Array<{ site_id: string }> = await this.dataSource.query(`SELECT "site_id" FROM "site_policies" WHERE "share_metrics_with_vendors" ORDER BY "site_id"`);
    return rows.map((r) => r.site_id);
  }

  async listShadows(site: string, algorithmId?: string): Promise<ShadowRow[]> {
    const rows: Array<{ site_id: string; algorithm_id: string; version: string; started_at: Date; started_by: string }> = await this.dataSource.query(
      `SELECT "site_id", "algorithm_id", "version", "started_at", "started_by" FROM "site_shadows"
        WHERE "site_id" = $1 AND ($2::text IS NULL OR "algorithm_id" = $2) ORDER BY "algorithm_id"`,
      [site, algorithmId ?? null],
    );
    return rows.map((r) => ({ site: r.site_id, algorithmId: r.algorithm_id, version: r.version, startedAt: new Date(r.started_at).toISOString(), startedBy: r.started_by }));
  }

  async upsertShadow(site: string, algorithmId: string, version: string, actor: string): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO "site_shadows" ("site_id", "algorithm_id", "version", "started_by") VALUES ($1, $2, $3, $4)
       ON CONFLICT ("site_id", "algorithm_id") DO UPDATE SET "version" = EXCLUDED."version", "started_by" = EXCLUDED."started_by", "started_at" = now()`,
      [site, algorithmId, version, actor],
    );
  }

  async deleteShadow(site: string, algorithmId: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM "site_shadows" WHERE "site_id" = $1 AND "algorithm_id" = $2`, [site, algorithmId]);
  }

  /** Raises an alert, or counts one more occurrence of the same open alert (with the newest message and details). */
  async raiseAlert(alert: NewDriftAlert): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO "drift_alerts" ("site", "plugin_id", "plugin_version", "kind", "subject", "message", "details") VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)
       ON CONFLICT ("site", "plugin_id", "plugin_version", "kind", "subject") WHERE "status" = 'open'
       DO UPDATE SET "occurrences" = "drift_alerts"."occurrences" + 1, "message" = EXCLUDED."message", "details" = EXCLUDED."details", "last_at" = now()`,
      [alert.site, alert.pluginId, alert.pluginVersion, alert.kind, alert.subject, alert.message, JSON.stringify(alert.details)],
    );
  }

  /** Alerts at these sites (null: all), newest first. */
  async listAlerts(sites: string[] | null, status?: DriftAlert['status']): Promise<DriftAlert[]> {
    const rows: Array<Omit<DriftAlert, 'id' | 'firstAt' | 'lastAt'> & { id: string; first_at: Date; last_at: Date }> = await this.dataSource.query(
      `SELECT "id", ${ALERT_COLUMNS}, "first_at", "last_at" FROM "drift_alerts"
        WHERE ($1::text[] IS NULL OR "site" = ANY($1::text[])) AND ($2::text IS NULL OR "status" = $2)
        ORDER BY "last_at" DESC, "id" DESC LIMIT 500`,
      [sites, status ?? null],
    );
    return rows.map(({ first_at, last_at, id, ...rest }) => ({ ...rest, id: Number(id), firstAt: new Date(first_at).toISOString(), lastAt: new Date(last_at).toISOString() }));
  }
}
