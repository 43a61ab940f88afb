import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { selectList } from '../database/row-columns.js';
import type { Principal, Role } from './principal.js';

export interface UserRow {
  username: string;
  passwordHash: string;
  role: Role;
  sites: string[];
  vendorId: string | null;
  disabled: boolean;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
}

export type NewUser = Pick<UserRow, 'username' | 'passwordHash' | 'role' | 'sites' | 'vendorId' | 'createdBy'>;

/** The audit-log entry of a change to a user (actor = who made it). */
export interface UserAudit {
  actor: string;
  action: string;
  details: Record<string, unknown>;
}

const USER_COLUMNS = selectList<UserRow>({
  username: 'username',
  passwordHash: 'password_hash',
  role: 'role',
  sites: 'sites',
  vendorId: 'vendor_id',
  disabled: 'disabled',
  createdBy: 'created_by',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
});

/** All SQL of users and sessions. Written for PostgreSQL, so identical on PGlite. */
@Injectable()
export class AuthRepository {
  constructor(private readonly db: DataSource) {}

  /** Inserts a user and its audit entry; false when the username is taken. */
  insertUser(user: NewUser, audit: UserAudit): Promise<boolean> {
    return this.withAudit(
      `INSERT INTO "users" ("username", "password_hash", "role", "sites", "vendor_id", "created_by") VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT ("username") DO NOTHING RETURNING "username"`,
      [user.username, user.passwordHash, user.role, user.sites, user.vendorId, user.createdBy],
      audit,
    );
  }

  async findUser(username: string): Promise<UserRow | undefined> {
    const rows: UserRow[] = await this.db.query(`SELECT ${USER_COLUMNS} FROM "users" WHERE "username" = $1`, [username]);
    return rows[0];
  }

  listUsers(): Promise<UserRow[]> {
    return this.db.query(`SELECT ${USER_COLUMNS} FROM "users" ORDER BY "username"`);
  }

  async setDisabled(username: string, disabled: boolean, audit: UserAudit): Promise<void> {
    await this.withAudit(`UPDATE "users" SET "disabled" = $2, "updated_at" = now() WHERE "username" = $1 RETURNING "username"`, [username, disabled], audit);
  }

  async setPasswordHash(username: string, passwordHash: string, audit: UserAudit): Promise<void> {
    await this.withAudit(`UPDATE "users" SET "password_hash" = $2, "updated_at" = now() WHERE "username" = $1 RETURNING "username"`, [username, passwordHash], audit);
  }

  /** Role and sites as the identity provider now maps them (users it signed in only). */
  async setRole(username: string, role: UserRow['role'], sites: string[], audit: UserAudit): Promise<void> {
    await this.withAudit(`UPDATE "users" SET "role" = $2, "sites" = $3, "updated_at" = now() WHERE "username" = $1 RETURNING "username"`, [username, role, sites], audit);
  }

  /** `change` (a statement RETURNING "username") and its audit entry in one statement: both happen or neither. */
  private async withAudit(change: string, params: unknown[], audit: UserAudit): Promise<boolean> {
    const n = params.length;
    const rows: unknown[] = await this.db.query(
      `WITH "changed" AS (${change})
       INSERT INTO "audit_log" ("actor", "action", "subject", "details")
       SELECT $${n + 1}, $${n + 2}, "username", $${n + 3}::jsonb FROM "changed" RETURNING "subject"`,
      [...params, audit.actor, audit.action, JSON.stringify(audit.details)],
    );
    return rows.length === 1;
  }

  async insertSession(session: { id: string; username: string; refreshHash: string; refreshExpiresAt: Date }): Promise<void> {
    await this.db.query(`INSERT INTO "auth_sessions" ("id", "username", "refresh_hash", "refresh_expires_at") VALUES ($1, $2, $3, $4)`, [
      session.id,
      session.username,
      session.refreshHash,
      session.refreshExpiresAt,
    ]);
  }

  /** The caller behind a session that is neither revoked nor expired, with its user's current role and scope. */
  async findLiveSession(id: string): Promise<Principal | undefined> {
    const rows: Principal[] = await this.db.query(
      `SELECT u."username", u."role", u."sites", u."vendor_id" AS "vendorId", s."id" AS "sessionId"
         FROM "auth_sessions" s JOIN "users" u ON u."username" = s."username"
        WHERE s."id" = $1 AND s."revoked_at" IS NULL AND s."refresh_expires_at" > now() AND NOT u."disabled"`,
      [id],
    );
    return rows[0];
  }

  /**
   * Swaps a live session's refresh token for a new one in one statement, so a token is redeemed at most once
   * even by two concurrent requests. Undefined when no live session holds `oldHash`.
   */
  async rotateRefresh(oldHash: string, newHash: string, refreshExpiresAt: Date): Promise<{ id: string; username: string } | undefined> {
    const [rows]: [Array<{ id: string; username: string }>, number] = await this.db.query(
      `UPDATE "auth_sessions" s SET "refresh_hash" = $2, "previous_refresh_hash" = $1, "refresh_expires_at" = $3, "last_used_at" = now()
         FROM "users" u
        WHERE s."refresh_hash" = $1 AND s."revoked_at" IS NULL AND s."refresh_expires_at" > now()
          AND u."username" = s."username" AND NOT u."disabled"
       RETURNING s."id", s."username"`,
      [oldHash, newHash, refreshExpiresAt],
    );
    return rows[0];
  }

  /** Revokes the live session whose previous (already rotated) refresh token this is; true if there was one. */
  async revokeByPreviousRefresh(hash: string): Promise<boolean> {
    const [rows]: [unknown[], number] = await this.db.query(
      `UPDATE "auth_sessions" SET "revoked_at" = now() WHERE "previous_refresh_hash" = $1 AND "revoked_at" IS NULL RETURNING "id"`,
      [hash],
    );
    return rows.length > 0;
  }

  async revokeSession(id: string): Promise<void> {
    await this.db.query(`UPDATE "auth_sessions" SET "revoked_at" = now() WHERE "id" = $1 AND "revoked_at" IS NULL`, [id]);
  }

  /** Ends every session of the user except `keep` (the caller's own, when they change their own password). */
  async revokeUserSessions(username: string, keep?: string): Promise<void> {
    await this.db.query(
      `UPDATE "auth_sessions" SET "revoked_at" = now() WHERE "username" = $1 AND "revoked_at" IS NULL AND ($2::uuid IS NULL OR "id" <> $2::uuid)`,
      [username, keep ?? null],
    );
  }
}
