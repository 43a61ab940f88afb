import { Injectable } from '@nestjs/common';
import semver from 'semver';
import { pluginNotFound } from './registry.errors.js';
import { type EnablementRow, RegistryRepository } from './registry.repository.js';
import type { AuditEntry, PluginVersionView, PluginView } from './registry.types.js';
import { assertSite } from './site.rules.js';
import { enablementView } from './version.resolver.js';

/** Filters of the audit log; the controller turns the query string into these. */
export interface AuditQuery {
  subject?: string;
  site?: string;
  /** 1 to 1000; default 100 */
  limit?: number;
}

/** What the registry holds, as the API shows it: plugins with their versions and a site's settings, and the audit log. */
@Injectable()
export class PluginListingService {
  constructor(private readonly repo: RegistryRepository) {}

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
    if (!plugin) throw pluginNotFound(id);
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
    if (!plugin) throw pluginNotFound(id);
    return plugin;
  }

  /** `sites`: only entries about these sites (an admin of some sites); undefined = every entry. */
  async listAudit(query: AuditQuery, sites?: string[]): Promise<AuditEntry[]> {
    return this.repo.listAudit({ subject: query.subject, site: query.site, limit: query.limit ?? 100, ...(sites ? { sites } : {}) });
  }
}
