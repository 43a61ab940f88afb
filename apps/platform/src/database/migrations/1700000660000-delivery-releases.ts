import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A report is delivered once per release: preliminary (0) when analysed, final (1) when signed, and again
 * for each amendment after that (2, 3, ...). Each delivery keeps the report as it was released, so a retry or
 * a re-send of the preliminary never sends what a later sign-off or amendment made of the same report row.
 * Deliveries queued before this migration have no copy and send the stored report, as they did.
 * The DICOM SEGs written from the analysis' masks are kept with the report (the masks themselves are gone
 * once the analysis ends), and sent with the SR of every release.
 */
export class DeliveryReleases1700000660000 implements MigrationInterface {
  name = 'DeliveryReleases1700000660000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "deliveries" ADD COLUMN "release" integer NOT NULL DEFAULT 0, ADD COLUMN "report" json`);
    await queryRunner.query(`ALTER TABLE "deliveries" DROP CONSTRAINT "UQ_deliveries_report_destination"`);
    await queryRunner.query(`ALTER TABLE "deliveries" ADD CONSTRAINT "UQ_deliveries_report_release_destination" UNIQUE ("report_id", "release", "site_id", "destination_id")`);
    await queryRunner.query(`
      CREATE TABLE "delivery_segmentations" (
        "report_id" integer NOT NULL REFERENCES "reports" ("id") ON DELETE CASCADE,
        "position" integer NOT NULL,
        "segmentation" jsonb NOT NULL,
        "bytes" bytea NOT NULL,
        PRIMARY KEY ("report_id", "position")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "delivery_segmentations"`);
    await queryRunner.query(`DELETE FROM "deliveries" WHERE "release" > 0`);
    await queryRunner.query(`ALTER TABLE "deliveries" DROP CONSTRAINT "UQ_deliveries_report_release_destination"`);
    await queryRunner.query(`ALTER TABLE "deliveries" ADD CONSTRAINT "UQ_deliveries_report_destination" UNIQUE ("report_id", "site_id", "destination_id")`);
    await queryRunner.query(`ALTER TABLE "deliveries" DROP COLUMN "report", DROP COLUMN "release"`);
  }
}
