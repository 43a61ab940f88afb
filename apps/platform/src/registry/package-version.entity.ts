import type { AlgorithmManifest } from '@polyrad/sdk';
import { Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { AlgorithmPackageEntity } from './algorithm-package.entity.js';
import type { PackageSignature } from '../plugins/plugin-package.js';

/** One published, immutable version of an algorithm: its manifest, where its files are, and who signed it. */
@Entity('package_versions')
@Unique('UQ_package_versions_algorithm_version', ['algorithmId', 'version'])
export class PackageVersionEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: 'algorithm_id', type: 'varchar', length: 128 })
  algorithmId!: string;

  @ManyToOne(() => AlgorithmPackageEntity)
  @JoinColumn({ name: 'algorithm_id' })
  algorithm?: AlgorithmPackageEntity;

  @Column({ type: 'varchar', length: 64 })
  version!: string;

  @Column({ type: 'jsonb' })
  manifest!: AlgorithmManifest;

  /** sha256:<hex> of the uploaded tarball; null for first-party plugins registered from the workspace. */
  @Column({ type: 'text', nullable: true })
  digest!: string | null;

  @Column({ type: 'jsonb', nullable: true })
  signature!: PackageSignature | null;

  /** The extracted package root (manifest.json lives there). */
  @Column({ name: 'storage_path', type: 'text' })
  storagePath!: string;

  @Column({ name: 'published_at', type: 'timestamptz', default: () => 'now()' })
  publishedAt!: Date;

  @Column({ name: 'published_by', type: 'text' })
  publishedBy!: string;
}
