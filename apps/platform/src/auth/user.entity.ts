import { Check, Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { Role } from './principal.js';

/** Someone (or some system) that signs in: its Argon2id hash, role and scope. Schema: migration UsersAndSessions. */
@Entity('users')
@Check('CHK_users_vendor', `("role" = 'vendor') = ("vendor_id" IS NOT NULL)`)
export class UserEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  username!: string;

  /** PHC string of Argon2id; the password itself is never stored. */
  @Column({ name: 'password_hash', type: 'text' })
  passwordHash!: string;

  @Column({ type: 'varchar', length: 16 })
  role!: Role;

  /** Sites an admin or radiologist may act on; `*` = all sites. Empty for vendors. */
  @Column({ type: 'text', array: true, default: '{}' })
  sites!: string[];

  /** The one vendor a vendor user publishes for; null for the other roles. */
  @Column({ name: 'vendor_id', type: 'varchar', length: 64, nullable: true })
  vendorId!: string | null;

  @Column({ type: 'boolean', default: false })
  disabled!: boolean;

  @Column({ name: 'created_by', type: 'text' })
  createdBy!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
