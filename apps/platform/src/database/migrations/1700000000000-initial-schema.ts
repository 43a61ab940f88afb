import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Studies, their series and the versioned combined reports. Plain SQL so it reads the same on PGlite and PostgreSQL. */
export class InitialSchema1700000000000 implements MigrationInterface {
  name = 'InitialSchema1700000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "studies" (
        "id" SERIAL PRIMARY KEY,
        "study_instance_uid" varchar(64) NOT NULL,
        "patient_id" text NOT NULL DEFAULT '',
        "study_date" text NOT NULL DEFAULT '',
        "accession_number" text NOT NULL DEFAULT '',
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "UQ_studies_study_instance_uid" UNIQUE ("study_instance_uid")
      )`);
    await queryRunner.query(`
      CREATE TABLE "series" (
        "id" SERIAL PRIMARY KEY,
        "series_instance_uid" varchar(64) NOT NULL,
        "study_id" integer NOT NULL REFERENCES "studies" ("id") ON DELETE CASCADE,
        "modality" text NOT NULL DEFAULT '',
        "fingerprint" jsonb NOT NULL DEFAULT '{}',
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "UQ_series_series_instance_uid" UNIQUE ("series_instance_uid")
      )`);
    await queryRunner.query(`CREATE INDEX "IDX_series_study_id" ON "series" ("study_id")`);
    await queryRunner.query(`
      CREATE TABLE "reports" (
        "id" SERIAL PRIMARY KEY,
        "study_id" integer NOT NULL REFERENCES "studies" ("id") ON DELETE CASCADE,
        "version" integer NOT NULL CHECK ("version" >= 1),
        "report" json NOT NULL,
        "status" varchar(16) NOT NULL CHECK ("status" IN ('draft', 'signed')),
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "UQ_reports_study_version" UNIQUE ("study_id", "version")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "reports"`);
    await queryRunner.query(`DROP TABLE "series"`);
    await queryRunner.query(`DROP TABLE "studies"`);
  }
}
