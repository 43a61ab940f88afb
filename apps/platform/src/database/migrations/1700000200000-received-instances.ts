import type { MigrationInterface, QueryRunner } from 'typeorm';

/** DICOM instances received by the C-STORE SCP: where each file lies (content-addressed) and when it came. */
export class ReceivedInstances1700000200000 implements MigrationInterface {
  name = 'ReceivedInstances1700000200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "instances" (
        "sop_instance_uid" varchar(64) PRIMARY KEY,
        "study_instance_uid" varchar(64) NOT NULL,
        "series_instance_uid" varchar(64) NOT NULL,
        "sha256" char(64) NOT NULL,
        "path" text NOT NULL,
        "size" bigint NOT NULL,
        "calling_ae" text NOT NULL DEFAULT '',
        "received_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX "IDX_instances_study" ON "instances" ("study_instance_uid")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "instances"`);
  }
}
