import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Radiologists' actions on a report (issue 20, "feedback as data"): one row per accept, reject, edit, added
 * missed finding and impression change, tied to the report version, the finding and the plugin version that
 * made it, so every correction is evidence about an algorithm version at a site. Rows are never updated.
 * The sign-off is kept on the report row itself (`signed_by`, `signed_at`).
 */
export class ReportFeedback1700000620000 implements MigrationInterface {
  name = 'ReportFeedback1700000620000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "report_feedback" (
        "id" BIGSERIAL PRIMARY KEY,
        "study_id" integer NOT NULL REFERENCES "studies" ("id") ON DELETE CASCADE,
        "report_version" integer NOT NULL,
        "action" varchar(16) NOT NULL CHECK ("action" IN ('accept', 'reject', 'edit', 'add', 'impression')),
        "finding_index" integer,
        "finding_code" text,
        "plugin_id" text,
        "plugin_version" text,
        "site" text NOT NULL,
        "reader" text NOT NULL,
        "old_value" jsonb,
        "new_value" jsonb,
        "old_category" text,
        "new_category" text,
        "reason" varchar(32),
        "note" text,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "FK_report_feedback_report" FOREIGN KEY ("study_id", "report_version") REFERENCES "reports" ("study_id", "version") ON DELETE CASCADE
      )`);
    await queryRunner.query(`CREATE INDEX "IDX_report_feedback_report" ON "report_feedback" ("study_id", "report_version")`);
    await queryRunner.query(`CREATE INDEX "IDX_report_feedback_plugin" ON "report_feedback" ("plugin_id", "plugin_version", "site")`);
    await queryRunner.query(`ALTER TABLE "reports" ADD COLUMN "signed_by" text, ADD COLUMN "signed_at" timestamptz`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "reports" DROP COLUMN "signed_at", DROP COLUMN "signed_by"`);
    await queryRunner.query(`DROP TABLE "report_feedback"`);
  }
}
