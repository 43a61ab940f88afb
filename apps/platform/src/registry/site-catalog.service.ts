import { Injectable } from '@nestjs/common';
import { isPolyradError } from '@polyrad/sdk';
import { catalogEntry, type CatalogEntry } from '../pipeline/planning/plugin-catalog.js';
import { RegistryRepository } from './registry.repository.js';
import { assertSite, DEFAULT_SITE } from './site.rules.js';
import { resolveVersion } from './version.resolver.js';

/** What one site runs: the resolved entries and why any enabled plugin is left out. */
export interface SiteCatalog {
  entries: CatalogEntry[];
  warnings: string[];
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
}
