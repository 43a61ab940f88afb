import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { StudyEntity } from './study.entity.js';

/** One series of a study with the fingerprint dispatch matched plugins against (jsonb, so it can be queried). */
@Entity('series')
export class SeriesEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: 'series_instance_uid', type: 'varchar', length: 64, unique: true })
  seriesInstanceUid!: string;

  @Index('IDX_series_study_id')
  @Column({ name: 'study_id', type: 'integer' })
  studyId!: number;

  @ManyToOne(() => StudyEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'study_id' })
  study?: StudyEntity;

  @Column({ type: 'text', default: '' })
  modality!: string;

  @Column({ type: 'jsonb', default: {} })
  fingerprint!: Record<string, unknown>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
