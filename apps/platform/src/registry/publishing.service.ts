import { Injectable, Logger } from '@nestjs/common';
import { isPolyradError, PolyradError, type AlgorithmManifest } from '@polyrad/sdk';
import type { CatalogEntry } from '../pipeline/planning/plugin-catalog.js';
import { MAX_PACKAGE_BYTES } from '../http/request.limits.js';
import {
  DEFAULT_PACKAGE_LIMITS,
  parsePackageSignature,
  readPackage,
  RUNNING_ENGINES,
  verifyPackageSignature,
} from '../plugins/plugin-package.js';
import { PluginPackageStore } from './plugin-package.store.js';
import {
  PLUGIN_INCOMPATIBLE,
  PLUGIN_PACKAGE_TOO_LARGE,
  PLUGIN_SIGNATURE_INVALID,
  PLUGIN_SIGNATURE_MISSING,
  PLUGIN_VENDOR_MISMATCH,
  PLUGIN_VERSION_EXISTS,
  REQUEST_INVALID,
  VENDOR_UNKNOWN,
} from './registry.errors.js';
import { RegistryRepository } from './registry.repository.js';
import type { PublishedVersion } from './registry.types.js';
import { DEFAULT_SITE } from './site.rules.js';

export const FIRST_PARTY_VENDOR = { id: 'polyrad', name: 'Polyrad' };
/** Who acts when the platform itself changes the registry (bundled plugins at start). */
export const SYSTEM_ACTOR = 'system';

export interface PublishRequest {
  /** base64 of the .polyrad.tgz */
  package?: unknown;
  signature?: unknown;
}

/**
 * Who may publish what: signatures, vendors, engines, immutable versions; and the plugins bundled with
 * the platform, registered at every start. Each version is written with its audit entry;
 * PluginPackageStore holds the files.
 */
@Injectable()
export class PublishingService {
  private readonly logger = new Logger('Registry');
  /** Publishes run one at a time, so a version folder found on disk without a row is surely an orphan. */
  private publishing: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly repo: RegistryRepository,
    private readonly store: PluginPackageStore,
  ) {}

  /**
   * Checks, stores and records an uploaded package; see the error codes in registry.errors.ts.
   * `vendorId` is the vendor the signed-in publisher works for: only packages signed for it are taken.
   */
  publish(request: PublishRequest, actor: string, vendorId: string): Promise<PublishedVersion> {
    const run = this.publishing.then(() => this.publishNow(request, actor, vendorId));
    this.publishing = run.catch(() => undefined);
    return run;
  }

  private async publishNow(request: PublishRequest, actor: string, vendorId: string): Promise<PublishedVersion> {
    if (typeof request.package !== 'string' || request.package === '') {
      throw new PolyradError(REQUEST_INVALID, 'package must be the base64 of the .polyrad.tgz made by `polyrad plugin pack`');
    }
    if (request.signature === undefined || request.signature === null) {
      throw new PolyradError(PLUGIN_SIGNATURE_MISSING, 'the package is unsigned: send the .sig made by `polyrad plugin pack` as "signature"');
    }
    if (request.package.length > Math.ceil(MAX_PACKAGE_BYTES / 3) * 4) {
      throw new PolyradError(PLUGIN_PACKAGE_TOO_LARGE, `the package exceeds ${MAX_PACKAGE_BYTES / 1024 / 1024} MiB`);
    }
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(request.package)) throw new PolyradError(REQUEST_INVALID, 'package is not base64');
    const bytes = Buffer.from(request.package, 'base64');

    const signature = asSignatureError(() => parsePackageSignature(request.signature));
    if (signature.vendorId !== vendorId) {
      throw new PolyradError(PLUGIN_VENDOR_MISMATCH, `you publish for vendor ${vendorId}; this package is signed as vendor ${signature.vendorId}`, signature.vendorId);
    }
    const vendor = await this.repo.findVendor(signature.vendorId);
    if (!vendor) {
      throw new PolyradError(VENDOR_UNKNOWN, `vendor ${signature.vendorId} is not registered; register it with its public key first (POST /api/vendors)`, signature.vendorId);
    }
    if (!vendor.publicKeyPem) {
      throw new PolyradError(PLUGIN_SIGNATURE_INVALID, `vendor ${vendor.id} has no public key; its plugins ship with the platform`, vendor.id);
    }
    // Verified before unpacking: nothing from an unsigned stranger is decompressed.
    asSignatureError(() => verifyPackageSignature(bytes, signature, vendor.publicKeyPem!));

    const { manifest, files } = readCompatiblePackage(bytes);
    if (manifest.vendor.id !== vendor.id) {
      throw new PolyradError(PLUGIN_VENDOR_MISMATCH, `the package says vendor ${manifest.vendor.id} but is signed by ${vendor.id}`, manifest.id);
    }
    if (!manifest.id.startsWith(`${vendor.id}.`)) {
      throw new PolyradError(PLUGIN_VENDOR_MISMATCH, `plugin ids of vendor ${vendor.id} must start with "${vendor.id}." (got ${manifest.id})`, manifest.id);
    }
    const existing = await this.repo.findAlgorithm(manifest.id);
    if (existing && existing.vendorId !== vendor.id) {
      throw new PolyradError(PLUGIN_VENDOR_MISMATCH, `${manifest.id} belongs to vendor ${existing.vendorId}`, manifest.id);
    }
    if (await this.repo.findVersion(manifest.id, manifest.version)) throw versionExists(manifest);

    let dir = await this.store.write(manifest.id, manifest.version, files);
    if (!dir) {
      // No row (checked above) and publishes are serialized: a folder left by a publish that died before committing.
      this.logger.warn(`replacing orphaned files of ${manifest.id}@${manifest.version}`);
      await this.store.remove(manifest.id, manifest.version);
      dir = await this.store.write(manifest.id, manifest.version, files);
      if (!dir) throw versionExists(manifest);
    }
    try {
      await this.repo.transaction(async (tx) => {
        await tx.upsertAlgorithm({ id: manifest.id, vendorId: vendor.id, name: manifest.name });
        const inserted = await tx.insertVersion({
          algorithmId: manifest.id,
          version: manifest.version,
          manifest,
          digest: signature.digest,
          signature,
          storagePath: dir,
          publishedBy: actor,
        });
        if (!inserted) throw versionExists(manifest);
        await tx.appendAudit({
          actor,
          action: 'plugin.publish',
          subject: manifest.id,
          details: { version: manifest.version, vendor: vendor.id, digest: signature.digest, signed: true },
        });
      });
    } catch (error) {
      // These files are this publish's own (the folder did not exist before it): nothing stored earlier is touched.
      await this.store.remove(manifest.id, manifest.version);
      throw error;
    }
    return { id: manifest.id, version: manifest.version, vendorId: vendor.id };
  }

  /**
   * Registers the plugins shipped with the platform under the first-party vendor: no signature (they are
   * part of the platform's own release), packageDir = their workspace folder, enabled at the default site
   * unless that site already decided otherwise. Idempotent, so it runs at every start.
   */
  async registerBundled(entries: CatalogEntry[]): Promise<void> {
    await this.store.linkSdk();
    await this.repo.transaction(async (tx) => {
      if (await tx.insertVendor({ ...FIRST_PARTY_VENDOR, publicKeyPem: null, firstParty: true })) {
        await tx.appendAudit({ actor: SYSTEM_ACTOR, action: 'vendor.register', subject: FIRST_PARTY_VENDOR.id, details: { firstParty: true } });
      }
      for (const { manifest, packageDir } of entries) {
        await tx.upsertAlgorithm({ id: manifest.id, vendorId: FIRST_PARTY_VENDOR.id, name: manifest.name });
        const version = { algorithmId: manifest.id, version: manifest.version, manifest, digest: null, signature: null, storagePath: packageDir, publishedBy: SYSTEM_ACTOR };
        if (await tx.insertVersion(version)) {
          await tx.appendAudit({
            actor: SYSTEM_ACTOR,
            action: 'plugin.publish',
            subject: manifest.id,
            details: { version: manifest.version, vendor: FIRST_PARTY_VENDOR.id, signed: false, firstParty: true, reason: 'bundled with the platform; no signature required' },
          });
        } else {
          await tx.refreshFirstPartyVersion(manifest.id, manifest.version, manifest, packageDir);
        }
        const enabled = { siteId: DEFAULT_SITE, algorithmId: manifest.id, enabled: true, versionPin: null, config: {}, updatedBy: SYSTEM_ACTOR };
        if (await tx.insertEnablementIfAbsent(enabled)) {
          await tx.appendAudit({
            actor: SYSTEM_ACTOR,
            action: 'plugin.enable',
            subject: manifest.id,
            details: { site: DEFAULT_SITE, enabled: true, pin: null, version: manifest.version, previous: null },
          });
        }
      }
    });
  }
}

function versionExists(manifest: AlgorithmManifest): PolyradError {
  return new PolyradError(
    PLUGIN_VERSION_EXISTS,
    `${manifest.id}@${manifest.version} is already published; versions are immutable, publish a new version`,
    manifest.id,
  );
}

/** Every signature problem (malformed, other key, bytes changed after signing) is one code for the API. */
function asSignatureError<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (isPolyradError(error)) throw new PolyradError(PLUGIN_SIGNATURE_INVALID, `${error.message} [${error.code}]`, error.subject);
    throw error;
  }
}

/**
 * readPackage validates the manifest against the running SDK and platform; an engines range that excludes
 * them is a different problem for the vendor (rebuild against a supported SDK) than a malformed manifest.
 */
function readCompatiblePackage(bytes: Buffer): ReturnType<typeof readPackage> {
  try {
    return readPackage(bytes, DEFAULT_PACKAGE_LIMITS, 'uploaded package');
  } catch (error) {
    if (isPolyradError(error) && error.code === 'MANIFEST_INVALID' && /does not accept the running/.test(error.message)) {
      throw new PolyradError(PLUGIN_INCOMPATIBLE, `${error.message} (this platform: sdk ${RUNNING_ENGINES.sdk}, polyrad ${RUNNING_ENGINES.polyrad})`, error.subject);
    }
    throw error;
  }
}
