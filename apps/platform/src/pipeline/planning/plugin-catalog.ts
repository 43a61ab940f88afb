import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { readManifestFile, type AlgorithmManifest } from '@polyrad/sdk';

/** A plugin known to the platform: its manifest (data) and the folder its code is loaded from when it must run. */
export interface CatalogEntry {
  manifest: AlgorithmManifest;
  packageDir: string;
  /** the site's configuration for this plugin (registry); none for the CLI */
  config?: Record<string, unknown>;
}

/** The first-party plugins shipped in packages/algorithms. */
export const BUNDLED_PLUGIN_PACKAGES = [
  '@polyrad/algorithm-lung-segmentation',
  '@polyrad/algorithm-emphysema',
  '@polyrad/algorithm-lung-nodules',
  '@polyrad/algorithm-heart-segmentation',
  '@polyrad/algorithm-coronary-calcium',
  '@polyrad/algorithm-aorta',
  '@polyrad/algorithm-spine',
  '@polyrad/algorithm-cardiothoracic-ratio',
];

const require = createRequire(import.meta.url);

/** Reads a plugin package's manifest without importing its code. */
export function catalogEntry(packageDir: string): CatalogEntry {
  return { manifest: readManifestFile(join(packageDir, 'manifest.json')), packageDir };
}

export function bundledCatalog(): CatalogEntry[] {
  return BUNDLED_PLUGIN_PACKAGES.map((name) => catalogEntry(dirname(require.resolve(`${name}/package.json`))));
}
