import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The patient identity each received study holds (set by its first instance) and the instances kept
 * apart because theirs conflicted, with the reason, for an admin to review.
 */
export class DicomQuarantine1700000450000 implements MigrationInterface {
  name = 'DicomQuarantine1700000450000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "study_patient_identities" (
        "study_instance_uid" varchar(64) PRIMARY KEY,
        "patient_id" text NOT NULL,
        "patient_name" text NOT NULL,
        "patient_birth_date" text NOT NULL,
        "issuer_of_patient_id" text NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE "quarantined_instances" (
        "id" serial PRIMARY KEY,
        "sop_instance_uid" varchar(64) NOT NULL,
        "study_instance_uid" varchar(64) NOT NULL,
        "series_instance_uid" varchar(64) NOT NULL,
        "sha256" char(64) NOT NULL,
        "path" text NOT NULL,
        "calling_ae" text NOT NULL,
        "remote_address" text NOT NULL,
        "reason" text NOT NULL,
        "patient_identity" jsonb NOT NULL,
        "received_at" timestamptz NOT NULL DEFAULT now(),
        UNIQUE ("sop_instance_uid", "sha256")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "quarantined_instances"`);
    await queryRunner.query(`DROP TABLE "study_patient_identities"`);
  }
}
