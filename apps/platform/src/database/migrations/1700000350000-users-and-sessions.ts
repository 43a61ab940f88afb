import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sign-in (issue #12): users with an Argon2id hash, a role and its scope, and their sessions. A session
 * holds only the SHA-256 of its current refresh token (and of the one before, to spot a replayed token);
 * revoking it stops both the refresh token and every access token that names it.
 */
export class UsersAndSessions1700000350000 implements MigrationInterface {
  name = 'UsersAndSessions1700000350000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "users" (
        "username" varchar(64) PRIMARY KEY,
        "password_hash" text NOT NULL,
        "role" varchar(16) NOT NULL CHECK ("role" IN ('admin', 'radiologist', 'vendor')),
        "sites" text[] NOT NULL DEFAULT '{}',
        "vendor_id" varchar(64),
        "disabled" boolean NOT NULL DEFAULT false,
        "created_by" text NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "CHK_users_vendor" CHECK (("role" = 'vendor') = ("vendor_id" IS NOT NULL))
      )`);
    await queryRunner.query(`
      CREATE TABLE "auth_sessions" (
        "id" uuid PRIMARY KEY,
        "username" varchar(64) NOT NULL REFERENCES "users" ("username") ON DELETE CASCADE,
        "refresh_hash" char(64) NOT NULL UNIQUE,
        "previous_refresh_hash" char(64),
        "refresh_expires_at" timestamptz NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "last_used_at" timestamptz NOT NULL DEFAULT now(),
        "revoked_at" timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX "IDX_auth_sessions_username" ON "auth_sessions" ("username")`);
    await queryRunner.query(`CREATE INDEX "IDX_auth_sessions_previous" ON "auth_sessions" ("previous_refresh_hash")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "auth_sessions"`);
    await queryRunner.query(`DROP TABLE "users"`);
  }
}
