import { randomBytes } from 'node:crypto';
import { Algorithm, hash, verify } from '@node-rs/argon2';
import type { PasswordHashParams } from '../config/app-config.js';

/** Argon2id with the configured cost; hashes are PHC strings, so older hashes keep verifying after a cost change. */
export class PasswordHasher {
  /** Verified against when the user does not exist, so an unknown name costs as much time as a wrong password. */
  private decoy: Promise<string> | undefined;

  constructor(private readonly params: PasswordHashParams) {}

  hash(password: string): Promise<string> {
    return hash(password, { algorithm: Algorithm.Argon2id, ...this.params });
  }

  async verify(phc: string | undefined, password: string): Promise<boolean> {
    if (phc === undefined) {
      this.decoy ??= this.hash(randomBytes(16).toString('hex'));
      await verify(await this.decoy, password).catch(() => false);
      return false;
    }
    return verify(phc, password).catch(() => false);
  }
}
