import semver from 'semver';
import type { AlgorithmManifest } from '@polyrad/sdk';
import { RUNNING_ENGINES } from '../plugins/plugin-package.js';
import type { EnablementRow, VersionRow } from './registry.repository.js';
import type { SiteEnablementView } from './registry.types.js';

function compatible(manifest: AlgorithmManifest): boolean {
  return Object.entries(manifest.engines).every(([engine, range]) => {
    const running = RUNNING_ENGINES[engine as keyof typeof RUNNING_ENGINES];
    return !running || semver.satisfies(running, range as string);
  });
}

/** The newest version the pin accepts (null = any), among those this platform can run. */
export function resolveVersion(versions: VersionRow[], pin: string | null): VersionRow | undefined {
  const usable = versions.filter((v) => compatible(v.manifest));
  const best = semver.maxSatisfying(
    usable.map((v) => v.version),
    pin ?? '*',
  );
  return best === null ? undefined : usable.find((v) => v.version === best);
}

export function newest(versions: VersionRow[]): VersionRow | undefined {
  return [...versions].sort((a, b) => semver.rcompare(a.version, b.version))[0];
}

/** A site's setting as the API shows it, with the version it resolves to today. */
export function enablementView(row: EnablementRow, versions: VersionRow[]): SiteEnablementView {
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
