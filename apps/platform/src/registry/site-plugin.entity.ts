import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { AlgorithmPackageEntity } from './algorithm-package.entity.js';

/** Whether a site runs an algorithm, which versions it accepts and with what configuration. */
@Entity('site_plugins')
export class SitePluginEntity {
  @PrimaryColumn({ name: 'site_id', type: 'varchar', length: 64 })
  siteId!: string;

  @PrimaryColumn({ name: 'algorithm_id', type: 'varchar', length: 128 })
  algorithmId!: string;

  @ManyToOne(() => AlgorithmPackageEntity)
  @JoinColumn({ name: 'algorithm_id' })
  algorithm?: AlgorithmPackageEntity;

  @Column({ type: 'boolean' })
  enabled!: boolean;

  /** An exact version or a semver range; null runs the newest published version. */
  @Column({ name: 'version_pin', type: 'varchar', length: 128, nullable: true })
  versionPin!: string | null;

  @Column({ type: 'jsonb', default: {} })
  config!: Record<string, unknown>;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;

  @Column({ name: 'updated_by', type: 'text' })
  updatedBy!: string;
}
