import { createPublicKey } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { PolyradError } from '@polyrad/sdk';
import { VENDOR_EXISTS, VENDOR_INVALID } from './registry.errors.js';
import { RegistryRepository } from './registry.repository.js';
import type { VendorView } from './registry.types.js';

const VENDOR_ID = /^[a-z][a-z0-9-]{1,63}$/;

export interface VendorRequest {
  id?: unknown;
  name?: unknown;
  publicKeyPem?: unknown;
}

/** Registers the vendors whose signed packages the registry accepts, each with its ed25519 public key. */
@Injectable()
export class VendorService {
  constructor(private readonly repo: RegistryRepository) {}

  async registerVendor(request: VendorRequest, actor: string): Promise<VendorView> {
    const { id, name, publicKeyPem } = request;
    if (typeof id !== 'string' || !VENDOR_ID.test(id)) {
      throw new PolyradError(VENDOR_INVALID, 'id must be 2-64 lowercase letters, digits or dashes, starting with a letter (e.g. "acme")');
    }
    if (typeof name !== 'string' || name.trim() === '' || name.length > 200) {
      throw new PolyradError(VENDOR_INVALID, 'name must be a non-empty string of at most 200 characters');
    }
    if (typeof publicKeyPem !== 'string') throw new PolyradError(VENDOR_INVALID, 'publicKeyPem must be an ed25519 public key in PEM (spki)');
    let keyType: string | undefined;
    try {
      keyType = createPublicKey(publicKeyPem).asymmetricKeyType;
    } catch (error) {
      throw new PolyradError(VENDOR_INVALID, `publicKeyPem is not a PEM public key: ${(error as Error).message}`);
    }
    if (keyType !== 'ed25519') throw new PolyradError(VENDOR_INVALID, `publicKeyPem is a ${keyType} key; vendors sign with ed25519`);
    return this.repo.transaction(async (tx) => {
      if (!(await tx.insertVendor({ id, name: name.trim(), publicKeyPem, firstParty: false }))) {
        throw new PolyradError(VENDOR_EXISTS, `vendor ${id} is already registered`, id);
      }
      await tx.appendAudit({ actor, action: 'vendor.register', subject: id, details: { name: name.trim() } });
      const vendor = (await tx.findVendor(id))!;
      return { id, name: vendor.name, firstParty: false, createdAt: vendor.createdAt.toISOString() };
    });
  }
}
