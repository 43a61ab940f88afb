import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Received studies whose analysis is still due, written in the same statement as each stored instance so
 * a crash between receipt and analysis cannot lose one. `arrivals` counts stored instances; a dispatch
 * removes the row only if nothing arrived while it ran.
 */
export class PendingAnalyses1700000500000 implements MigrationInterface {
  name = 'PendingAnalyses1700000500000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "pending_analyses" (
        "study_instance_uid" varchar(64) PRIMARY KEY,
        "arrivals" bigint NOT NULL DEFAULT 1,
        "last_arrival_at" timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "pending_analyses"`);
  }
}
