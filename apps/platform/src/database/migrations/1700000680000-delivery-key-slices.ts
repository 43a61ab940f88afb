import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The slices an analysis cut through its abnormal findings, kept with the report like its SEGs (the volumes
 * are gone once the analysis ends): every release draws its key images from them, in the PDF and as DICOM
 * Secondary Captures. At most six grey slices per report, never a volume.
 */
export class DeliveryKeySlices1700000680000 implements MigrationInterface {
  name = 'DeliveryKeySlices1700000680000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "delivery_key_slices" (
        "report_id" integer NOT NULL REFERENCES "reports" ("id") ON DELETE CASCADE,
        "position" integer NOT NULL,
        "slice" jsonb NOT NULL,
        "png" bytea NOT NULL,
        PRIMARY KEY ("report_id", "position")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "delivery_key_slices"`);
  }
}
