import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** One imaging study, keyed by its StudyInstanceUID; the header fields are refreshed by every stored report. */
@Entity('studies')
export class StudyEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: 'study_instance_uid', type: 'varchar', length: 64, unique: true })
  studyInstanceUid!: string;

  @Column({ name: 'patient_id', type: 'text', default: '' })
  patientId!: string;

  /** DICOM DA as received (YYYYMMDD); kept as text so an odd value is stored, not rejected. */
  @Column({ name: 'study_date', type: 'text', default: '' })
  studyDate!: string;

  @Column({ name: 'accession_number', type: 'text', default: '' })
  accessionNumber!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
