import semver from 'semver';
import type { AlgorithmManifest } from './manifest.types.js';

/**
 * The manifests, in the order given, that produce `type` in a version satisfying the semver `range`:
 * the one rule by which a consumed input is matched to the plugin that makes it.
 */
export function producersOf<T extends Pick<AlgorithmManifest, 'produces'>>(candidates: readonly T[], type: string, range: string): T[] {
  return candidates.filter((m) => m.produces.some((p) => p.type === type && semver.satisfies(p.version, range)));
}
