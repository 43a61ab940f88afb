import { fileURLToPath } from 'node:url';
import { readManifestFile } from '../manifest/manifest-validator.js';
import type { AlgorithmManifest } from '../manifest/manifest.types.js';
import type { Algorithm, AlgorithmImplementation } from './algorithm.types.js';

/** Binds a plugin's implementation to its manifest; the package's entry default-exports the result. */
export function defineAlgorithm(manifest: AlgorithmManifest, implementation: AlgorithmImplementation): Algorithm {
  return { manifest, run: (inputs, context) => implementation.run(inputs, context) };
}

/**
 * Reads the manifest.json at the root of the package that `moduleUrl` (import.meta.url of a file in
 * its dist/ folder) belongs to, so a plugin ships one manifest that the platform also reads as data.
 */
export function readPackageManifest(moduleUrl: string): AlgorithmManifest {
  return readManifestFile(fileURLToPath(new URL('../manifest.json', moduleUrl)));
}
