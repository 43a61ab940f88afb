import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The plugin registry (issue #5): vendors and their keys, algorithms and every published version,
 * per-site enablement/pin/config, and the append-only audit log. Plain SQL, as in the initial schema.
 */
export class PluginRegistry1700000100000 implements MigrationInterface {
  name = 'PluginRegistry1700000100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "vendors" (
        "id" varchar(64) PRIMARY KEY,
        "name" text NOT NULL,
        "public_key_pem" text,
        "first_party" boolean NOT NULL DEFAULT false,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "CHK_vendors_key" CHECK ("first_party" OR "public_key_pem" IS NOT NULL)
      )`);
    await queryRunner.query(`
      CREATE TABLE "algorithm_packages" (
        "id" varchar(128) PRIMARY KEY,
        "vendor_id" varchar(64) NOT NULL REFERENCES "vendors" ("id"),
        "name" text NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX "IDX_algorithm_packages_vendor_id" ON "algorithm_packages" ("vendor_id")`);
    await queryRunner.query(`
      CREATE TABLE "package_versions" (
        "id" SERIAL PRIMARY KEY,
        "algorithm_id" varchar(128) NOT NULL REFERENCES "algorithm_packages" ("id"),
        "version" varchar(64) NOT NULL,
        "manifest" jsonb NOT NULL,
        "digest" text,
        "signature" jsonb,
        "storage_path" text NOT NULL,
        "published_at" timestamptz NOT NULL DEFAULT now(),
        "published_by" text NOT NULL,
        CONSTRAINT "UQ_package_versions_algorithm_version" UNIQUE ("algorithm_id", "version")
      )`);
    await queryRunner.query(`
      CREATE TABLE "site_plugins" (
        "site_id" varchar(64) NOT NULL,
        "algorithm_id" varchar(128) NOT NULL REFERENCES "algorithm_packages" ("id"),
        "enabled" boolean NOT NULL,
        "version_pin" varchar(128),
        "config" jsonb NOT NULL DEFAULT '{}',
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        "updated_by" text NOT NULL,
        PRIMARY KEY ("site_id", "algorithm_id")
      )`);
    await queryRunner.query(`
      CREATE TABLE "audit_log" (
        "id" BIGSERIAL PRIMARY KEY,
        "at" timestamptz NOT NULL DEFAULT now(),
        "actor" text NOT NULL,
        "action" varchar(64) NOT NULL,
        "subject" text NOT NULL,
        "details" jsonb NOT NULL DEFAULT '{}'
      )`);
    await queryRunner.query(`CREATE INDEX "IDX_audit_log_subject" ON "audit_log" ("subject", "id")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "audit_log"`);
    await queryRunner.query(`DROP TABLE "site_plugins"`);
    await queryRunner.query(`DROP TABLE "package_versions"`);
    await queryRunner.query(`DROP TABLE "algorithm_packages"`);
    await queryRunner.query(`DROP TABLE "vendors"`);
  }
}
