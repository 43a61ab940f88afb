import { Injectable } from '@nestjs/common';
import semver from 'semver';
import { jsonSchemaErrors, PolyradError, type AlgorithmManifest } from '@polyrad/sdk';
import { dependencyProblem } from '../pipeline/planning/dependency.checker.js';
import {
  INVALID_VERSION_RANGE,
  PLUGIN_CONFIG_INVALID,
  PLUGIN_DEPENDENCY_UNSATISFIED,
  PLUGIN_ROLLBACK_UNAVAILABLE,
  PLUGIN_VERSION_NOT_FOUND,
  pluginNotFound,
} from './registry.errors.js';
import { type EnablementRow, RegistryRepository, type RegistryQueries, type VersionRow } from './registry.repository.js';
import type { SiteEnablementView } from './registry.types.js';
import { assertSite } from './site.rules.js';
import { enablementView, newest, resolveVersion } from './version.resolver.js';

/** Audit actions that change what a site runs; rollback reads them back. */
const ENABLEMENT_ACTIONS = ['plugin.enable', 'plugin.disable', 'plugin.pin', 'plugin.rollback'];

/**
 * What each site runs: enable, disable, pin, roll back and configure a plugin. Every change is checked
 * (it resolves to a published version, its inputs are produced, its configuration fits) and written
 * together with its audit entry.
 */
@Injectable()
export class SiteSettingsService {
  constructor(private readonly repo: RegistryRepository) {}

  /**
   * Enables the algorithm at the site; `version` (exact or range) sets the pin, otherwise the current pin
   * stays. A third-party plugin enabled without a pin is pinned to the version the admin sees now: a
   * vendor's next release must not reach patients before the site's admin approves it (pins it), unless
   * the admin opted in to updates with a range (`~1.2.0` patches, `^1.2.0` minor releases). First-party
   * plugins ship with the platform and follow its release.
   */
  enable(site: string, id: string, version: unknown, actor: string): Promise<SiteEnablementView> {
    return this.changeEnablement(site, id, actor, 'plugin.enable', async (current, versions, tx) => {
      if (version !== undefined && version !== null) return { enabled: true, versionPin: checkPin(version) };
      if (current?.versionPin) return { enabled: true, versionPin: current.versionPin };
      const [algorithm] = await tx.listAlgorithms(id);
      const approved = algorithm?.firstParty ? undefined : resolveVersion(versions, null)?.version;
      return { enabled: true, versionPin: approved ?? null };
    });
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
      if (!(await tx.findAlgorithm(id))) throw pluginNotFound(id);
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

function checkPin(version: unknown): string {
  if (typeof version !== 'string' || version.length > 128 || !semver.validRange(version)) {
    throw new PolyradError(INVALID_VERSION_RANGE, `version must be an exact version (1.0.0) or a semver range (^1, ~1.2, *), got ${JSON.stringify(version)}`);
  }
  return version.trim();
}
