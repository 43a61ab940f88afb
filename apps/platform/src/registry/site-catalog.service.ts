import { Injectable } from '@nestjs/common';
import semver from 'semver';
import { isPolyradError, type AlgorithmRun } from '@polyrad/sdk';
import { catalogEntry, type CatalogEntry } from '../pipeline/planning/plugin-catalog.js';
import { RegistryRepository } from './registry.repository.js';
import { assertSite, DEFAULT_SITE } from './site.rules.js';
import { resolveVersion } from './version.resolver.js';

/** What one site runs: the resolved entries and why any enabled plugin is left out. */
export interface SiteCatalog {
  entries: CatalogEntry[];
  warnings: string[];
  /**
   * Published plugins the site does not run, as skipped runs with the reason, so a report answers "why did
   * it not run?" for the vendor and the admin (not enabled, disabled, or no version the pin accepts).
   */
  notRunning: AlgorithmRun[];
}

/** Which plugin versions a site runs now: its settings resolved against the published versions, ready to load. */
@Injectable()
export class SiteCatalogService {
  constructor(private readonly repo: RegistryRepository) {}

  /** For each algorithm enabled at the site, the newest published version its pin accepts, ready to run. */
  async resolveEnabledPlugins(site: string = DEFAULT_SITE): Promise<CatalogEntry[]> {
    return (await this.resolveSite(site)).entries;
  }

  async resolveSite(site: string = DEFAULT_SITE): Promise<SiteCatalog> {
    assertSite(site);
    const settings = await this.repo.findEnablements(site);
    const enabled = settings.filter((e) => e.enabled);
    const versions = await this.repo.listVersions();
    const entries: CatalogEntry[] = [];
    const warnings: string[] = [];
    const notRunning: AlgorithmRun[] = [];
    for (const algorithm of await this.repo.listAlgorithms()) {
      const setting = settings.find((e) => e.algorithmId === algorithm.id);
      if (setting?.enabled) continue;
      const latest = resolveVersion(versions.filter((v) => v.algorithmId === algorithm.id), null);
      if (!latest) continue;
      const reason = setting
        ? `disabled at site ${site} by ${setting.updatedBy} on ${new Date(setting.updatedAt).toISOString().slice(0, 10)}`
        : `published but not enabled at site ${site}: an admin of the site enables it in the marketplace`;
      notRunning.push({ id: algorithm.id, version: latest.version, status: 'skipped', reason });
    }
    for (const e of enabled) {
      const published = versions.filter((v) => v.algorithmId === e.algorithmId);
      const chosen = resolveVersion(published, e.versionPin);
      if (!chosen) {
        warnings.push(`${e.algorithmId} is enabled at site ${site} but no compatible published version satisfies ${e.versionPin ?? 'any'}; it did not run`);
        continue;
      }
      const latest = resolveVersion(published, null);
      if (latest && semver.gt(latest.version, chosen.version)) {
        warnings.push(`${e.algorithmId} ${latest.version} is published and awaits approval at site ${site}; ${chosen.version} ran (pinned to ${e.versionPin})`);
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
    return { entries, warnings, notRunning };
  }
}
