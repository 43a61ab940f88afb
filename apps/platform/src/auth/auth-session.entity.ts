import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/** One sign-in: alive until its refresh token expires or it is revoked (logout, disabled user, new password). */
@Entity('auth_sessions')
@Index('IDX_auth_sessions_username', ['username'])
@Index('IDX_auth_sessions_previous', ['previousRefreshHash'])
export class AuthSessionEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ type: 'varchar', length: 64 })
  username!: string;

  /** SHA-256 (hex) of the current refresh token; the token itself is only ever held by the client. */
  @Column({ name: 'refresh_hash', type: 'char', length: 64, unique: true })
  refreshHash!: string;

  /** SHA-256 of the token rotated away last: presenting it again means it was copied, and ends the session. */
  @Column({ name: 'previous_refresh_hash', type: 'char', length: 64, nullable: true })
  previousRefreshHash!: string | null;

  @Column({ name: 'refresh_expires_at', type: 'timestamptz' })
  refreshExpiresAt!: Date;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'last_used_at', type: 'timestamptz', default: () => 'now()' })
  lastUsedAt!: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;
}
