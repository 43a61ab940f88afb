import type { Report } from '@polyrad/sdk';
import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { StudyEntity } from './study.entity.js';

export type ReportStatus = Report['status'];

/**
 * One version of a study's combined report. Versions are append-only: a correction or a signature
 * adds a row, so what was delivered or signed earlier stays readable.
 */
@Entity('reports')
@Unique('UQ_reports_study_version', ['studyId', 'version'])
export class ReportEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: 'study_id', type: 'integer' })
  studyId!: number;

  @ManyToOne(() => StudyEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'study_id' })
  study?: StudyEntity;

  @Column({ type: 'integer' })
  version!: number;

  /**
   * `json`, not `jsonb`: the document is kept byte for byte (key order included), so the API returns
   * exactly the report.json that was stored, and a signed report never changes shape.
   */
  @Column({ type: 'json' })
  report!: Report;

  @Column({ type: 'varchar', length: 16 })
  status!: ReportStatus;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
