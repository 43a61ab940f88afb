import type { SeriesFingerprint } from '@polyrad/sdk';
import type { ScannedStudy } from '../study.scanner.js';
import { planExecution, type ExecutionPlan } from './execution-planner.js';
import type { StudyDecisions } from './match-decisions.js';
import type { CatalogEntry } from './plugin-catalog.js';

/** Thin slices and more of them make the better candidate when scores tie. */
function seriesRank(fingerprint: SeriesFingerprint): number {
  const thickness = Number(fingerprint.SliceThickness) || Number(fingerprint.sliceSpacingMm) || 10;
  return Number(fingerprint.sliceCount ?? 0) / thickness;
}

/** The plan step: which plugin runs on which series, in dependency order. */
export function planStudy(catalog: CatalogEntry[], study: ScannedStudy, decisions: StudyDecisions): ExecutionPlan {
  return planExecution(
    catalog.map((c) => c.manifest),
    decisions,
    (uid) => seriesRank(study.fingerprints.get(uid)!),
  );
}
