import { producersOf, type AlgorithmManifest } from '@polyrad/sdk';

/**
 * Whether `candidate` could ever run next to the plugins already enabled at a site: every input it
 * requires must be produced, in a matching version, by one of them, and following producers must not
 * lead back to it. Checked when a plugin is enabled, so a site never records a plan that cannot run.
 * Returns the problem in words, or undefined.
 */
export function dependencyProblem(candidate: AlgorithmManifest, enabled: AlgorithmManifest[]): string | undefined {
  const others = enabled.filter((m) => m.id !== candidate.id);
  const all = [...others, candidate];
  const inputProducers = (manifest: AlgorithmManifest): AlgorithmManifest[] =>
    manifest.consumes
      .filter((c) => !c.optional)
      .map((c) => producersOf(all.filter((m) => m.id !== manifest.id), c.type, c.range)[0])
      .filter((m): m is AlgorithmManifest => m !== undefined);

  for (const consumed of candidate.consumes) {
    if (consumed.optional) continue;
    if (producersOf(others, consumed.type, consumed.range).length === 0) {
      const near = others.flatMap((m) => m.produces.filter((p) => p.type === consumed.type).map((p) => `${m.id} produces ${p.version}`));
      return `${candidate.id}@${candidate.version} needs ${consumed.type}@${consumed.range}, which no plugin enabled at this site produces${near.length ? ` (${near.join('; ')})` : ''}; enable a producer first`;
    }
  }
  // depth-first over producers: reaching the candidate again is a cycle
  const path: string[] = [];
  const visit = (manifest: AlgorithmManifest): string | undefined => {
    path.push(manifest.id);
    for (const producer of inputProducers(manifest)) {
      if (producer.id === candidate.id) return `dependency cycle: ${[...path, candidate.id].join(' -> ')}`;
      if (path.includes(producer.id)) continue;
      const found = visit(producer);
      if (found) return found;
    }
    path.pop();
    return undefined;
  };
  return visit(candidate);
}
