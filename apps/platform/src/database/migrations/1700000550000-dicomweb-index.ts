import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What QIDO-RS matches on and returns, one row per stored instance, read once from its header. The row
 * names the file's sha256, so an instance stored again with other content is read again.
 */
export class DicomwebIndex1700000550000 implements MigrationInterface {
  name = 'DicomwebIndex1700000550000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "dicomweb_index" (
        "sop_instance_uid" varchar(64) PRIMARY KEY,
        "sha256" char(64) NOT NULL,
        "study_instance_uid" varchar(64) NOT NULL,
        "series_instance_uid" varchar(64) NOT NULL,
        "patient_id" text NOT NULL,
        "patient_name" text NOT NULL,
        "study_date" text NOT NULL,
        "study_time" text NOT NULL,
        "accession_number" text NOT NULL,
        "study_description" text NOT NULL,
        "referring_physician_name" text NOT NULL,
        "modality" text NOT NULL,
        "series_number" integer,
        "instance_number" integer,
        "sop_class_uid" text NOT NULL,
        "transfer_syntax_uid" text NOT NULL,
        "attributes" jsonb NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX "IDX_dicomweb_index_study" ON "dicomweb_index" ("study_instance_uid")`);
    await queryRunner.query(`CREATE INDEX "IDX_dicomweb_index_series" ON "dicomweb_index" ("series_instance_uid")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "dicomweb_index"`);
  }
}
