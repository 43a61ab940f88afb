import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { VendorEntity } from './vendor.entity.js';

/** One algorithm (manifest id, e.g. acme.lung-density), owned by the vendor that first published it. */
@Entity('algorithm_packages')
export class AlgorithmPackageEntity {
  @PrimaryColumn({ type: 'varchar', length: 128 })
  id!: string;

  @Index('IDX_algorithm_packages_vendor_id')
  @Column({ name: 'vendor_id', type: 'varchar', length: 64 })
  vendorId!: string;

  @ManyToOne(() => VendorEntity)
  @JoinColumn({ name: 'vendor_id' })
  vendor?: VendorEntity;

  @Column({ type: 'text' })
  name!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
