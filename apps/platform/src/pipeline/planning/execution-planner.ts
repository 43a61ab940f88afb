import { producersOf, type AlgorithmManifest, type MatchDecision } from '@polyrad/sdk';

/** One plugin to run on one series. */
export interface PlannedRun {
  manifest: AlgorithmManifest;
  seriesInstanceUid: string;
  /** consumed type id -> the run (index into the plan) that produces it */
  inputsFrom: Record<string, number>;
  /** why this series, when the study offered several the plugin could use */
  selection?: string;
}

export interface SkippedPlugin {
  manifest: AlgorithmManifest;
  seriesInstanceUid?: string;
  reason: string;
}

export interface ExecutionPlan {
  /** topologically ordered: every run comes after the runs it consumes from */
  runs: PlannedRun[];
  skipped: SkippedPlugin[];
}

/**
 * Plans which plugin runs on which series, and in what order, from the manifests alone.
 * Each plugin runs on its best-scoring matching series; a plugin it consumes from is run on that
 * same series (artifacts such as masks only make sense on the grid they were computed on).
 * A plugin whose inputs nobody can produce for that series is skipped with the reason.
 */
export function planExecution(
  manifests: AlgorithmManifest[],
  decisions: Map<string, MatchDecision[]>,
  seriesRank: (seriesInstanceUid: string) => number,
): ExecutionPlan {
  const runs: PlannedRun[] = [];
  const skipped: SkippedPlugin[] = [];
  const index = new Map<string, number>();
  const matches = (id: string, series: string) =>
    (decisions.get(series) ?? []).find((d) => d.pluginId === id)?.matched ?? false;

  // Depth-first over consumes: returns the run index or a reason it cannot run.
  const place = (manifest: AlgorithmManifest, series: string, visiting: Set<string>): number | string => {
    const key = `${manifest.id}|${series}`;
    const existing = index.get(key);
    if (existing !== undefined) return existing;
    if (visiting.has(manifest.id)) return `dependency cycle through ${[...visiting, manifest.id].join(' -> ')}`;
    if (!matches(manifest.id, series)) return `does not apply to series ${series}`;
    visiting.add(manifest.id);
    const inputsFrom: Record<string, number> = {};
    for (const consumed of manifest.consumes) {
      const [producer] = producersOf(manifests.filter((m) => m.id !== manifest.id), consumed.type, consumed.range);
      if (!producer) {
        if (consumed.optional) continue;
        visiting.delete(manifest.id);
        return `no enabled plugin produces ${consumed.type}@${consumed.range}`;
      }
      const placed = place(producer, series, visiting);
      if (typeof placed === 'string') {
        if (consumed.optional) continue;
        visiting.delete(manifest.id);
        return `needs ${consumed.type} from ${producer.id}, which cannot run: ${placed}`;
      }
      inputsFrom[consumed.type] = placed;
    }
    visiting.delete(manifest.id);
    runs.push({ manifest, seriesInstanceUid: series, inputsFrom });
    index.set(key, runs.length - 1);
    return runs.length - 1;
  };

  for (const manifest of manifests) {
    const candidates = [...decisions.entries()]
      .map(([series, list]) => ({ series, decision: list.find((d) => d.pluginId === manifest.id) }))
      .filter((c) => c.decision?.matched)
      .sort((a, b) => b.decision!.score - a.decision!.score || seriesRank(b.series) - seriesRank(a.series));
    if (candidates.length === 0) {
      const reasons = [...decisions.values()].flatMap((list) => list.filter((d) => d.pluginId === manifest.id).map((d) => d.reason));
      skipped.push({ manifest, reason: reasons[0] ?? 'no series in the study' });
      continue;
    }
    const series = candidates[0].series;
    const selection =
      candidates.length > 1
        ? `best of ${candidates.length} matching series: score ${candidates[0].decision!.score.toFixed(2)} here vs ${candidates
            .slice(1)
            .map((c) => `${c.decision!.score.toFixed(2)} on ${c.series}`)
            .join(', ')}${candidates[0].decision!.score === candidates[1].decision!.score ? ' (tie broken by more, thinner slices)' : ''}`
        : undefined;
    const existing = index.get(`${manifest.id}|${series}`);
    if (existing !== undefined) {
      if (selection) runs[existing].selection = selection;
      continue;
    }
    const placed = place(manifest, series, new Set());
    if (typeof placed === 'string') skipped.push({ manifest, seriesInstanceUid: series, reason: placed });
    else if (selection) runs[placed].selection = selection;
  }
  return { runs, skipped };
}
