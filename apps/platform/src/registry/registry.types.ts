export interface VendorView {
  id: string;
  name: string;
  firstParty: boolean;
  createdAt: string;
}

import type { AlgorithmManifest } from '@polyrad/sdk';

export interface PluginVersionView {
  version: string;
  /** what this version declares (series criteria, findings, config schema, limits...) */
  manifest: AlgorithmManifest;
  digest: string | null;
  /** false only for first-party plugins, which ship inside the platform and are trusted as such */
  signed: boolean;
  publishedAt: string;
  publishedBy: string;
}

/** One site's decision about one algorithm, and the version that decision resolves to today. */
export interface SiteEnablementView {
  site: string;
  enabled: boolean;
  /** exact version or semver range; null = newest published */
  versionPin: string | null;
  config: Record<string, unknown>;
  /** the version an analysis would run now; null when disabled or nothing satisfies the pin */
  resolvedVersion: string | null;
  updatedAt: string;
  updatedBy: string;
}

export interface PluginView {
  id: string;
  name: string;
  vendor: { id: string; name: string; firstParty: boolean };
  /** newest first */
  versions: PluginVersionView[];
  /** null when the site never enabled it */
  enablement: SiteEnablementView | null;
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  subject: string;
  details: Record<string, unknown>;
}

export interface PublishedVersion {
  id: string;
  version: string;
  vendorId: string;
}
