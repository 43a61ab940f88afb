import { createPublicKey } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import semver from 'semver';
import { isPolyradError, jsonSchemaErrors, PolyradError, type AlgorithmManifest } from '@polyrad/sdk';
import { dependencyProblem } from '../pipeline/planning/dependency.checker.js';
import { catalogEntry, type CatalogEntry } from '../pipeline/planning/plugin-catalog.js';
import {
  DEFAULT_PACKAGE_LIMITS,
  parsePackageSignature,
  readPackage,
  RUNNING_ENGINES,
  verifyPackageSignature,
} from '../plugins/plugin-package.js';
import { PluginPackageStore } from './plugin-package.store.js';
import {
  INVALID_SITE_ID,
  INVALID_VERSION_RANGE,
  MAX_PACKAGE_BYTES,
  PLUGIN_CONFIG_INVALID,
  PLUGIN_INCOMPATIBLE,
  PLUGIN_NOT_FOUND,
  PLUGIN_PACKAGE_TOO_LARGE,
  PLUGIN_ROLLBACK_UNAVAILABLE,
  PLUGIN_SIGNATURE_INVALID,
  PLUGIN_SIGNATURE_MISSING,
  PLUGIN_VENDOR_MISMATCH,
  PLUGIN_VERSION_EXISTS,
  PLUGIN_VERSION_NOT_FOUND,
  PLUGIN_DEPENDENCY_UNSATISFIED,
  REQUEST_INVALID,
  VENDOR_EXISTS,
  VENDOR_INVALID,
  VENDOR_UNKNOWN,
} from './registry.errors.js';
import { type EnablementRow, RegistryRepository, type RegistryQueries, type VersionRow } from './registry.repository.js';
import type { AuditEntry, PluginVersionView, PluginView, PublishedVersion, SiteEnablementView, VendorView } from './registry.types.js';

export const DEFAULT_SITE = 'default';
export const FIRST_PARTY_VENDOR = { id: 'polyrad', name: 'Polyrad' };
/** Who acts when the platform itself changes the registry (bundled plugins at start). */
export const SYSTEM_ACTOR = 'system';

const SITE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const VENDOR_ID = /^[a-z][a-z0-9-]{1,63}$/;
/** Audit actions that change what a site runs; rollback reads them back. */
const ENABLEMENT_ACTIONS = ['plugin.enable', 'plugin.disable', 'plugin.pin', 'plugin.rollback'];

export interface PublishRequest {
  /** base64 of the .polyrad.tgz */
  package?: unknown;
  signature?: unknown;
}

export interface VendorRequest {
  id?: unknown;
  name?: unknown;
  publicKeyPem?: unknown;
}

/** What one site runs: the resolved entries and why any enabled plugin is left out. */
export interface SiteCatalog {
  entries: CatalogEntry[];
  warnings: string[];
}

/**
 * Decides everything about plugins as products: who may publish what (signatures, vendors, engines,
 * immutability), what each site runs (enable, pin, roll back, configure) and which version that resolves to.
 * Every change is written together with its audit entry. RegistryRepository does the SQL, PluginPackageStore the files.
 */
@Injectable()
export class RegistryService {
  private readonly logger = new Logger('Registry');
  /** Publishes run one at a time, so a version folder found on disk without a row is surely an orphan. */
  private publishing: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly repo: RegistryRepository,
    private readonly store: PluginPackageStore,
  ) {}

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

  async listPlugins(site: string, id?: string): Promise<PluginView[]> {
    assertSite(site);
    const enablements = new Map((await this.repo.findEnablements(site, id)).map((e) => [e.algorithmId, e]));
    return this.pluginViews(await this.repo.listAlgorithms(id), enablements);
  }

  /** A vendor's own plugins, without any site's settings. */
  async listVendorPlugins(vendorId: string, id?: string): Promise<PluginView[]> {
    return this.pluginViews((await this.repo.listAlgorithms(id)).filter((a) => a.vendorId === vendorId), new Map());
  }

  async getVendorPlugin(vendorId: string, id: string): Promise<PluginView> {
    const [plugin] = await this.listVendorPlugins(vendorId, id);
    if (!plugin) throw notFound(id);
    return plugin;
  }

  private async pluginViews(algorithms: Awaited<ReturnType<RegistryRepository['listAlgorithms']>>, enablements: Map<string, EnablementRow>): Promise<PluginView[]> {
    const versions = await this.repo.listVersions(algorithms.map((a) => a.id));
    return algorithms.map((a) => {
      const mine = versions.filter((v) => v.algorithmId === a.id);
      const enablement = enablements.get(a.id);
      return {
        id: a.id,
        name: a.name,
        vendor: { id: a.vendorId, name: a.vendorName, firstParty: a.firstParty },
        versions: mine
          .sort((x, y) => semver.rcompare(x.version, y.version))
          .map((v): PluginVersionView => ({
            version: v.version,
            manifest: v.manifest,
            digest: v.digest,
            signed: v.signature !== null,
            publishedAt: v.publishedAt.toISOString(),
            publishedBy: v.publishedBy,
          })),
        enablement: enablement ? enablementView(enablement, mine) : null,
      };
    });
  }

  async getPlugin(site: string, id: string): Promise<PluginView> {
    const [plugin] = await this.listPlugins(site, id);
    if (!plugin) throw notFound(id);
    return plugin;
  }

  /** Enables the algorithm at the site; `version` (exact or range) sets the pin, otherwise the current pin stays. */
  enable(site: string, id: string, version: unknown, actor: string): Promise<SiteEnablementView> {
    return this.changeEnablement(site, id, actor, 'plugin.enable', (current) => ({
      enabled: true,
      versionPin: version === undefined || version === null ? (current?.versionPin ?? null) : checkPin(version),
    }));
  }

  disable(site: string, id: string, actor: string): Promise<SiteEnablementView> {
    return this.changeEnablement(site, id, actor, 'plugin.disable', (current) => ({ enabled: false, versionPin: current?.versionPin ?? null }));
  }

  /** Pins the version (exact or semver range, "*" = newest); enablement stays as it is. */
  pin(site: string, id: string, version: unknown, actor: string): Promise<SiteEnablementView> {
    return this.changeEnablement(site, id, actor, 'plugin.pin', (current) => ({ enabled: current?.enabled ?? false, versionPin: checkPin(version) }));
  }

  /**
   * Goes back to the version the site ran before the one it resolves to now, as recorded in the audit log,
   * pinned exactly and enabled. Rolling back twice returns to where it started.
   */
  rollback(site: string, id: string, actor: string): Promise<SiteEnablementView> {
    return this.changeEnablement(site, id, actor, 'plugin.rollback', async (current, versions, tx) => {
      const now = current?.enabled ? resolveVersion(versions, current.versionPin)?.version : undefined;
      const history = await tx.listAudit({ subject: id, site, actions: ENABLEMENT_ACTIONS, limit: 1000 });
      const previous = history
        .map((entry) => entry.details.version)
        .find((v): v is string => typeof v === 'string' && v !== now && versions.some((row) => row.version === v));
      if (!previous) {
        throw new PolyradError(PLUGIN_ROLLBACK_UNAVAILABLE, `site ${site} has not run another version of ${id} before; nothing to roll back to`, id);
      }
      return { enabled: true, versionPin: previous };
    });
  }

  /** Replaces the site's configuration of the algorithm, validated against the config schema of the version it runs. */
  async configure(site: string, id: string, config: unknown, actor: string): Promise<SiteEnablementView> {
    if (typeof config !== 'object' || config === null || Array.isArray(config)) {
      throw new PolyradError(PLUGIN_CONFIG_INVALID, 'config must be a JSON object');
    }
    return this.changeEnablement(
      site,
      id,
      actor,
      'plugin.configure',
      (current) => ({ enabled: current?.enabled ?? false, versionPin: current?.versionPin ?? null, config: config as Record<string, unknown> }),
    );
  }

  /** `sites`: only entries about these sites (an admin of some sites); undefined = every entry. */
  async listAudit(query: { subject?: unknown; site?: unknown; limit?: unknown }, sites?: string[]): Promise<AuditEntry[]> {
    const limit = query.limit === undefined ? 100 : Number(query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new PolyradError(REQUEST_INVALID, 'limit must be an integer from 1 to 1000');
    const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
    return this.repo.listAudit({ subject: text(query.subject), site: text(query.site), limit, ...(sites ? { sites } : {}) });
  }

  /** For each algorithm enabled at the site, the newest published version its pin accepts, ready to run. */
  async resolveEnabledPlugins(site: string = DEFAULT_SITE): Promise<CatalogEntry[]> {
    return (await this.resolveSite(site)).entries;
  }

  async resolveSite(site: string = DEFAULT_SITE): Promise<SiteCatalog> {
    assertSite(site);
    const enabled = (await this.repo.findEnablements(site)).filter((e) => e.enabled);
    const versions = await this.repo.listVersions(enabled.map((e) => e.algorithmId));
    const entries: CatalogEntry[] = [];
    const warnings: string[] = [];
    for (const e of enabled) {
      const chosen = resolveVersion(versions.filter((v) => v.algorithmId === e.algorithmId), e.versionPin);
      if (!chosen) {
        warnings.push(`${e.algorithmId} is enabled at site ${site} but no compatible published version satisfies ${e.versionPin ?? 'any'}; it did not run`);
        continue;
      }
      try {
        const entry = catalogEntry(chosen.storagePath);
        // A first-party folder follows the workspace: if it now holds another version, the pinned one is gone.
        if (entry.manifest.version !== chosen.version) throw new Error(`the folder now holds version ${entry.manifest.version}`);
        entries.push({ ...entry, config: e.config });
      } catch (error) {
        const reason = isPolyradError(error) ? error.toLine() : (error as Error).message;
        warnings.push(`${e.algorithmId}@${chosen.version} is enabled at site ${site} but its files at ${chosen.storagePath} are unusable (${reason}); it did not run`);
      }
    }
    return { entries, warnings };
  }

  /**
   * One enablement change in one transaction: lock the row, compute the new state, check that it resolves
   * to a published version and that the configuration fits that version, write it and its audit entry.
   */
  private async changeEnablement(
    site: string,
    id: string,
    actor: string,
    action: string,
    next: (
      current: EnablementRow | undefined,
      versions: VersionRow[],
      tx: RegistryQueries,
    ) => Promise<Pick<EnablementRow, 'enabled' | 'versionPin'> & { config?: Record<string, unknown> }> | (Pick<EnablementRow, 'enabled' | 'versionPin'> & { config?: Record<string, unknown> }),
  ): Promise<SiteEnablementView> {
    assertSite(site);
    return this.repo.transaction(async (tx) => {
      if (!(await tx.findAlgorithm(id))) throw notFound(id);
      const [current] = await tx.findEnablements(site, id, true);
      const versions = await tx.listVersions([id]);
      const wanted = await next(current, versions, tx);
      const config = wanted.config ?? current?.config ?? {};
      const resolved = resolveVersion(versions, wanted.versionPin);
      // Enabling something that cannot run, or pinning to nothing, is refused rather than recorded.
      if ((wanted.enabled || wanted.versionPin !== null) && !resolved) {
        const published = versions.map((v) => v.version).join(', ') || 'none';
        throw new PolyradError(PLUGIN_VERSION_NOT_FOUND, `no compatible published version of ${id} satisfies ${wanted.versionPin ?? '*'} (published: ${published})`, id);
      }
      const target = resolved ?? newest(versions);
      if (target) this.checkConfig(target.manifest, config);
      if (wanted.enabled && resolved) {
        // refuse a plan that cannot run: inputs nobody at this site produces, or a cycle
        const others = (await tx.findEnablements(site)).filter((e) => e.enabled && e.algorithmId !== id);
        const otherVersions = await tx.listVersions(others.map((e) => e.algorithmId));
        const manifests = others
          .map((e) => resolveVersion(otherVersions.filter((v) => v.algorithmId === e.algorithmId), e.versionPin)?.manifest)
          .filter((m): m is AlgorithmManifest => m !== undefined);
        const problem = dependencyProblem(resolved.manifest, manifests);
        if (problem) throw new PolyradError(PLUGIN_DEPENDENCY_UNSATISFIED, problem, id);
      }
      const row = { siteId: site, algorithmId: id, enabled: wanted.enabled, versionPin: wanted.versionPin, config, updatedBy: actor };
      await tx.upsertEnablement(row);
      const running = (state: Pick<EnablementRow, 'enabled' | 'versionPin'> | undefined) =>
        state?.enabled ? (resolveVersion(versions, state.versionPin)?.version ?? null) : null;
      await tx.appendAudit({
        actor,
        action,
        subject: id,
        details: {
          site,
          enabled: row.enabled,
          pin: row.versionPin,
          version: running(row),
          previous: current ? { enabled: current.enabled, pin: current.versionPin, version: running(current) } : null,
          ...(wanted.config ? { config } : {}),
        },
      });
      return enablementView({ ...row, updatedAt: new Date() }, versions);
    });
  }

  private checkConfig(manifest: AlgorithmManifest, config: Record<string, unknown>): void {
    if (!manifest.config) {
      if (Object.keys(config).length > 0) {
        throw new PolyradError(PLUGIN_CONFIG_INVALID, `${manifest.id}@${manifest.version} declares no configuration; send {}`, manifest.id);
      }
      return;
    }
    const problems = jsonSchemaErrors(manifest.config, config);
    if (problems.length > 0) {
      throw new PolyradError(
        PLUGIN_CONFIG_INVALID,
        `the configuration does not fit the config schema of ${manifest.id}@${manifest.version}: ${problems.join('; ')}`,
        manifest.id,
      );
    }
  }
}

function assertSite(site: string): void {
  if (!SITE_ID.test(site)) {
    throw new PolyradError(INVALID_SITE_ID, `site ${JSON.stringify(site.slice(0, 80))} must be 1-64 letters, digits, dots, dashes or underscores`);
  }
}

function checkPin(version: unknown): string {
  if (typeof version !== 'string' || version.length > 128 || !semver.validRange(version)) {
    throw new PolyradError(INVALID_VERSION_RANGE, `version must be an exact version (1.0.0) or a semver range (^1, ~1.2, *), got ${JSON.stringify(version)}`);
  }
  return version.trim();
}

function compatible(manifest: AlgorithmManifest): boolean {
  return Object.entries(manifest.engines).every(([engine, range]) => {
    const running = RUNNING_ENGINES[engine as keyof typeof RUNNING_ENGINES];
    return !running || semver.satisfies(running, range as string);
  });
}

/** The newest version the pin accepts (null = any), among those this platform can run. */
function resolveVersion(versions: VersionRow[], pin: string | null): VersionRow | undefined {
  const usable = versions.filter((v) => compatible(v.manifest));
  const best = semver.maxSatisfying(
    usable.map((v) => v.version),
    pin ?? '*',
  );
  return best === null ? undefined : usable.find((v) => v.version === best);
}

function newest(versions: VersionRow[]): VersionRow | undefined {
  return [...versions].sort((a, b) => semver.rcompare(a.version, b.version))[0];
}

function enablementView(row: EnablementRow, versions: VersionRow[]): SiteEnablementView {
  return {
    site: row.siteId,
    enabled: row.enabled,
    versionPin: row.versionPin,
    config: row.config,
    resolvedVersion: row.enabled ? (resolveVersion(versions, row.versionPin)?.version ?? null) : null,
    updatedAt: new Date(row.updatedAt).toISOString(),
    updatedBy: row.updatedBy,
  };
}

function notFound(id: string): PolyradError {
  return new PolyradError(PLUGIN_NOT_FOUND, `no plugin ${id} is registered`, id);
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
