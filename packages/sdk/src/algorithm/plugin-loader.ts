import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PolyradError } from '../errors.js';
import { readManifestFile } from '../manifest/manifest-validator.js';
import type { AlgorithmManifest } from '../manifest/manifest.types.js';
import type { Algorithm } from './algorithm.types.js';

/**
 * Loads a plugin package's code: imports the entry its manifest declares and checks it default-exports
 * defineAlgorithm(...). The result carries `manifest` (read from the package's manifest.json when not
 * given), never what the module claims, so outputs are checked against the manifest that was validated.
 * Throws PolyradError PACKAGE_FILE_MISSING when the entry was not built, PLUGIN_ENTRY_INVALID when it
 * exports no algorithm.
 */
export async function loadPlugin(packageDir: string, manifest?: AlgorithmManifest): Promise<Algorithm> {
  const dir = resolve(packageDir);
  const declared = manifest ?? readManifestFile(join(dir, 'manifest.json'));
  const entry = join(dir, declared.entry);
  if (!existsSync(entry)) throw new PolyradError('PACKAGE_FILE_MISSING', `entry ${declared.entry} is missing; build the plugin first`, dir);
  const module = (await import(pathToFileURL(entry).href)) as { default?: Partial<Algorithm> };
  const implementation = module.default;
  if (!implementation || typeof implementation.run !== 'function') {
    throw new PolyradError('PLUGIN_ENTRY_INVALID', `entry ${declared.entry} does not default-export defineAlgorithm(...)`, dir);
  }
  return { manifest: declared, run: (inputs, context) => implementation.run!(inputs, context) };
}
