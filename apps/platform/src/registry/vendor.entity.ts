import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A plugin vendor and the ed25519 public key its packages must be signed with (first party: none needed). */
@Entity('vendors')
export class VendorEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  /** SPKI PEM; null only for the first-party vendor, whose plugins ship inside the platform. */
  @Column({ name: 'public_key_pem', type: 'text', nullable: true })
  publicKeyPem!: string | null;

  @Column({ name: 'first_party', type: 'boolean', default: false })
  firstParty!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
