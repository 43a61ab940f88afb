import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Server-side delivery: each site's destinations and routing rules, and the durable queue of deliveries
 * (one row per stored report and destination) with every attempt, so a restart resumes what was pending
 * and the log says what arrived where. A destination named by a rule cannot be deleted from under it.
 */
export class DeliveryRouting1700000600000 implements MigrationInterface {
  name = 'DeliveryRouting1700000600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "delivery_destinations" (
        "site_id" varchar(64) NOT NULL,
        "id" varchar(64) NOT NULL,
        "kind" varchar(16) NOT NULL CHECK ("kind" IN ('dicom-store', 'dicomweb', 'fhir', 'hl7-mllp')),
        "settings" jsonb NOT NULL,
        "updated_by" text NOT NULL,
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY ("site_id", "id")
      )`);
    await queryRunner.query(`
      CREATE TABLE "delivery_rules" (
        "site_id" varchar(64) NOT NULL,
        "position" integer NOT NULL,
        "destination_id" varchar(64) NOT NULL,
        "rule" jsonb NOT NULL,
        PRIMARY KEY ("site_id", "position"),
        FOREIGN KEY ("site_id", "destination_id") REFERENCES "delivery_destinations" ("site_id", "id") ON DELETE RESTRICT
      )`);
    // the patient and study attributes read from the analysed files, so every (re-)send renders the same outputs
    await queryRunner.query(`
      CREATE TABLE "delivery_sources" (
        "report_id" integer PRIMARY KEY REFERENCES "reports" ("id") ON DELETE CASCADE,
        "source" jsonb NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE "deliveries" (
        "id" SERIAL PRIMARY KEY,
        "report_id" integer NOT NULL REFERENCES "reports" ("id") ON DELETE CASCADE,
        "site_id" varchar(64) NOT NULL,
        "destination_id" varchar(64) NOT NULL,
        "outputs" jsonb NOT NULL,
        "status" varchar(16) NOT NULL CHECK ("status" IN ('pending', 'delivered', 'failed')),
        "attempts" integer NOT NULL DEFAULT 0,
        "next_attempt_at" timestamptz NOT NULL DEFAULT now(),
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "UQ_deliveries_report_destination" UNIQUE ("report_id", "site_id", "destination_id")
      )`);
    await queryRunner.query(`CREATE INDEX "IDX_deliveries_due" ON "deliveries" ("next_attempt_at") WHERE "status" = 'pending'`);
    await queryRunner.query(`
      CREATE TABLE "delivery_attempts" (
        "id" SERIAL PRIMARY KEY,
        "delivery_id" integer NOT NULL REFERENCES "deliveries" ("id") ON DELETE CASCADE,
        "at" timestamptz NOT NULL DEFAULT now(),
        "outcome" varchar(16) NOT NULL CHECK ("outcome" IN ('delivered', 'failed')),
        "code" text,
        "message" text,
        "retry_in_ms" integer
      )`);
    await queryRunner.query(`CREATE INDEX "IDX_delivery_attempts_delivery" ON "delivery_attempts" ("delivery_id", "id")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "delivery_attempts"`);
    await queryRunner.query(`DROP TABLE "deliveries"`);
    await queryRunner.query(`DROP TABLE "delivery_sources"`);
    await queryRunner.query(`DROP TABLE "delivery_rules"`);
    await queryRunner.query(`DROP TABLE "delivery_destinations"`);
  }
}
