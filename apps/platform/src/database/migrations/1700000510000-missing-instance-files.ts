import type { MigrationInterface, QueryRunner } from 'typeorm';

/** When an indexed instance's file was found missing at start (null while the file is there); such instances are left out of analyses. */
export class MissingInstanceFiles1700000510000 implements MigrationInterface {
  name = 'MissingInstanceFiles1700000510000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "instances" ADD COLUMN "file_missing_since" timestamptz`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "instances" DROP COLUMN "file_missing_since"`);
  }
}
