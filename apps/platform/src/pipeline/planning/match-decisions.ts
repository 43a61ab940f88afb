import { matchCriteria, type MatchDecision } from '@polyrad/sdk';
import type { ScannedStudy } from '../study.scanner.js';
import type { CatalogEntry } from './plugin-catalog.js';

/** Per series (SeriesInstanceUID), every catalog plugin's match decision, in catalog order. */
export type StudyDecisions = Map<string, MatchDecision[]>;

/** The match step: each plugin's series criteria judged on each series, from the manifests alone. */
export function decideStudy(catalog: CatalogEntry[], study: ScannedStudy): StudyDecisions {
  return new Map(
    study.series.map((s) => [
      s.SeriesInstanceUID,
      catalog.map(({ manifest }) =>
        matchCriteria(manifest, manifest.series.criteria, study.fingerprints.get(s.SeriesInstanceUID)!, s.instances as unknown as Array<Record<string, unknown>>),
      ),
    ]),
  );
}
