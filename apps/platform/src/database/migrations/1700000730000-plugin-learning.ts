import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Learning from every analysed study (issue 20):
 * - `plugin_runs`: one row per plugin run of an analysis, the active versions' and shadow versions' alike:
 *   status, duration, what the plugin saw (scanner, kernel, slice thickness, contrast, body size from the
 *   series fingerprint) and what it found; a failed run also keeps its stack and stderr, redacted, for its vendor.
 *   Metrics, drift and the shadow comparison are computed from it.
 * - `site_policies`: what a site allows beyond its own walls (vendors see its aggregates; corrected findings
 *   may be exported de-identified). Off unless an admin turns it on.
 * - `site_shadows`: a candidate version run beside the active one at a site; its results never reach a report.
 * - `drift_alerts`: what the drift check raised, one open alert per site, plugin version, kind and subject.
 */
export class PluginLearning1700000730000 implements MigrationInterface {
  name = 'PluginLearning1700000730000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "plugin_runs" (
        "id" BIGSERIAL PRIMARY KEY,
        "site" varchar(64) NOT NULL,
        "study_instance_uid" varchar(64) NOT NULL,
        "report_version" integer NOT NULL,
        "plugin_id" varchar(128) NOT NULL,
        "plugin_version" varchar(64) NOT NULL,
        "shadow" boolean NOT NULL,
        "status" varchar(16) NOT NULL,
        "reason" text,
        "duration_ms" integer,
        "series_instance_uid" varchar(64),
        "seen" jsonb NOT NULL DEFAULT '{}',
        "findings" jsonb NOT NULL DEFAULT '[]',
        "diagnostics" jsonb,
        "created_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX "IDX_plugin_runs_plugin" ON "plugin_runs" ("plugin_id", "plugin_version", "site", "id")`);
    await queryRunner.query(`CREATE INDEX "IDX_plugin_runs_study" ON "plugin_runs" ("study_instance_uid")`);
    await queryRunner.query(`
      CREATE TABLE "site_policies" (
        "site_id" varchar(64) PRIMARY KEY,
        "share_metrics_with_vendors" boolean NOT NULL DEFAULT false,
        "allow_dataset_export" boolean NOT NULL DEFAULT false,
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        "updated_by" text NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE "site_shadows" (
        "site_id" varchar(64) NOT NULL,
        "algorithm_id" varchar(128) NOT NULL REFERENCES "algorithm_packages" ("id"),
        "version" varchar(64) NOT NULL,
        "started_at" timestamptz NOT NULL DEFAULT now(),
        "started_by" text NOT NULL,
        PRIMARY KEY ("site_id", "algorithm_id")
      )`);
    await queryRunner.query(`
      CREATE TABLE "drift_alerts" (
        "id" BIGSERIAL PRIMARY KEY,
        "site" varchar(64) NOT NULL,
        "plugin_id" varchar(128) NOT NULL,
        "plugin_version" varchar(64) NOT NULL,
        "kind" varchar(32) NOT NULL CHECK ("kind" IN ('operating-range', 'output-shift')),
        "subject" text NOT NULL,
        "message" text NOT NULL,
        "details" jsonb NOT NULL DEFAULT '{}',
        "occurrences" integer NOT NULL DEFAULT 1,
        "status" varchar(16) NOT NULL DEFAULT 'open' CHECK ("status" IN ('open', 'acknowledged')),
        "first_at" timestamptz NOT NULL DEFAULT now(),
        "last_at" timestamptz NOT NULL DEFAULT now()
      )`);
    // one open alert per site, plugin version, kind and subject: a repeat counts as an occurrence
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_drift_alerts_open" ON "drift_alerts" ("site", "plugin_id", "plugin_version", "kind", "subject") WHERE "status" = 'open'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "drift_alerts"`);
    await queryRunner.query(`DROP TABLE "site_shadows"`);
    await queryRunner.query(`DROP TABLE "site_policies"`);
    await queryRunner.query(`DROP TABLE "plugin_runs"`);
  }
}
