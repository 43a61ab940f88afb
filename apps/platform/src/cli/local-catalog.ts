import { resolve } from 'node:path';
import { PolyradError } from '@polyrad/sdk';
import { bundledCatalog, catalogEntry, type CatalogEntry } from '../pipeline/planning/plugin-catalog.js';
import { validatePluginDir } from '../plugins/plugin-package.js';

/**
 * What `analyze` and `explain` run: the bundled plugins and, for a vendor's local loop, plugin folders
 * given with --plugin, each checked as `polyrad plugin validate` checks it (so a plugin that would be
 * refused at publishing is refused here too, with the same message). No signature: the folder is the
 * vendor's own, on the vendor's machine.
 */
export function localCatalog(pluginDirs: readonly string[]): CatalogEntry[] {
  const catalog = bundledCatalog();
  for (const dir of pluginDirs) {
    const root = resolve(dir);
    const manifest = validatePluginDir(root);
    const clash = catalog.find((entry) => entry.manifest.id === manifest.id);
    if (clash) throw new PolyradError('PLUGIN_DUPLICATE', `plugin id ${manifest.id} is already taken by ${clash.packageDir}; give the plugin its own id`, root);
    catalog.push(catalogEntry(root));
  }
  return catalog;
}
