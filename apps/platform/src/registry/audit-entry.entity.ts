import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One change to the registry: who did what to which vendor, algorithm or site. Append-only. */
@Entity('audit_log')
@Index('IDX_audit_log_subject', ['subject', 'id'])
export class AuditEntryEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  at!: Date;

  @Column({ type: 'text' })
  actor!: string;

  @Column({ type: 'varchar', length: 64 })
  action!: string;

  @Column({ type: 'text' })
  subject!: string;

  @Column({ type: 'jsonb', default: {} })
  details!: Record<string, unknown>;
}
