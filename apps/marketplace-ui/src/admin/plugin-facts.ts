import satisfies from 'semver/functions/satisfies.js';
import type { AlgorithmManifest, PluginVersionView, PluginView } from '../api/api.types.js';

/** The manifest that describes a plugin at a site: the version it runs there, else the newest published. */
export function currentVersion(plugin: PluginView): PluginVersionView | undefined {
  const running = plugin.enablement?.resolvedVersion;
  return plugin.versions.find((v) => v.version === running) ?? plugin.versions[0];
}

type Criterion = AlgorithmManifest['series']['criteria'][number];

function criterionValues(criteria: Criterion[], fields: string[]): string[] {
  const values = criteria
    .filter((c) => fields.includes(c.field) && c.required !== false)
    .flatMap((c) => ('value' in c ? (Array.isArray(c.value) ? c.value : [c.value]) : []))
    .map((v) => String(v));
  return [...new Set(values)];
}

/** What the catalog filters on, read from the manifest's series criteria, outputs and findings. */
export interface PluginFacets {
  modalities: string[];
  bodyRegions: string[];
  produces: string[];
}

export function pluginFacets(manifest: AlgorithmManifest): PluginFacets {
  const criteria = manifest.series.criteria;
  return {
    modalities: criterionValues(criteria, ['Modality']),
    bodyRegions: criterionValues(criteria, ['bodyRegions', 'BodyPartExamined']).map((r) => r.toLowerCase()),
    produces: [...manifest.findings.map((f) => f.label ?? f.code), ...manifest.produces.map((p) => p.type)],
  };
}

export interface CatalogFilter {
  text: string;
  modality: string | null;
  bodyRegion: string | null;
  vendor: string | null;
  produces: string | null;
}

export function matchesFilter(plugin: PluginView, filter: CatalogFilter): boolean {
  const manifest = currentVersion(plugin)?.manifest;
  if (!manifest) return false;
  const facets = pluginFacets(manifest);
  const text = filter.text.trim().toLowerCase();
  const haystack = [plugin.id, plugin.name, manifest.description, manifest.intendedUse ?? '', plugin.vendor.name].join(' ').toLowerCase();
  return (
    (text === '' || haystack.includes(text)) &&
    (filter.modality === null || facets.modalities.includes(filter.modality)) &&
    (filter.bodyRegion === null || facets.bodyRegions.includes(filter.bodyRegion)) &&
    (filter.vendor === null || plugin.vendor.id === filter.vendor) &&
    (filter.produces === null || facets.produces.includes(filter.produces))
  );
}

/** The choices of each filter, from the whole catalog, sorted. */
export function filterChoices(plugins: PluginView[]): { modalities: string[]; bodyRegions: string[]; produces: string[]; vendors: Array<{ value: string; label: string }> } {
  const all = plugins.map((p) => currentVersion(p)?.manifest).filter((m): m is AlgorithmManifest => m !== undefined).map(pluginFacets);
  const sorted = (values: string[]) => [...new Set(values)].sort((a, b) => a.localeCompare(b));
  const vendors = new Map(plugins.map((p) => [p.vendor.id, p.vendor.name]));
  return {
    modalities: sorted(all.flatMap((f) => f.modalities)),
    bodyRegions: sorted(all.flatMap((f) => f.bodyRegions)),
    produces: sorted(all.flatMap((f) => f.produces)),
    vendors: [...vendors].map(([value, label]) => ({ value, label })).sort((a, b) => a.label.localeCompare(b.label)),
  };
}

/** Inputs the platform itself provides (the series volume), never another plugin. */
const PLATFORM_PROVIDED = /^polyrad\.volume\./;

const enabledManifests = (catalog: PluginView[], except: string): AlgorithmManifest[] =>
  catalog
    .filter((p) => p.id !== except && p.enablement?.enabled && p.enablement.resolvedVersion)
    .map((p) => p.versions.find((v) => v.version === p.enablement!.resolvedVersion)?.manifest)
    .filter((m): m is AlgorithmManifest => m !== undefined);

const produces = (manifest: AlgorithmManifest, type: string, range: string): boolean =>
  manifest.produces.some((p) => p.type === type && satisfies(p.version, range));

/**
 * The required inputs of `manifest` that no other plugin enabled at the site produces, as the API checks
 * when enabling (it refuses with PLUGIN_DEPENDENCY_UNSATISFIED); said before the admin tries.
 */
export function unmetDependencies(manifest: AlgorithmManifest, catalog: PluginView[]): Array<{ type: string; range: string; producers: string[] }> {
  const enabled = enabledManifests(catalog, manifest.id);
  return manifest.consumes
    .filter((c) => !c.optional && !PLATFORM_PROVIDED.test(c.type) && !enabled.some((m) => produces(m, c.type, c.range)))
    .map((c) => ({
      type: c.type,
      range: c.range,
      // plugins of the catalog that could provide it once enabled
      producers: catalog.filter((p) => p.versions.some((v) => produces(v.manifest, c.type, c.range))).map((p) => p.name),
    }));
}

/** Enabled plugins that rely on an output only `manifest` provides at the site: disabling it leaves them unmet. */
export function dependentsLeftUnmet(manifest: AlgorithmManifest, catalog: PluginView[]): string[] {
  const others = enabledManifests(catalog, manifest.id);
  return others
    .filter((m) =>
      m.consumes.some((c) => !c.optional && produces(manifest, c.type, c.range) && !others.some((o) => o.id !== m.id && produces(o, c.type, c.range))),
    )
    .map((m) => m.name);
}
