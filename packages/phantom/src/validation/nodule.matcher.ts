import type { Vec3 } from '@polyrad/sdk';
import type { ReferenceNodule, ReportFinding } from './validation.types.js';
import { noduleMatchRadiusMm } from './validation-tolerance.js';

export interface ReportedNodule {
  center: Vec3;
  longAxisMm: number;
}

export interface NoduleMatch<R extends ReportedNodule> {
  pairs: { reference: ReferenceNodule; reported: R; distanceMm: number }[];
  unmatchedReferences: ReferenceNodule[];
  unmatchedReported: R[];
}

const distance = (a: Vec3, b: Vec3): number => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

/** measured `lung.nodule` and `lung.mass` findings with a centre and a numeric long axis */
export function reportedNodules(findings: ReportFinding[]): (ReportedNodule & { finding: ReportFinding })[] {
  return findings
    .filter((f) => (f.code === 'lung.nodule' || f.code === 'lung.mass') && f.assessment !== 'not-assessed')
    .filter((f) => typeof f.value === 'number' && Array.isArray(f.center))
    .map((f) => ({ center: f.center!, longAxisMm: f.value as number, finding: f }));
}

/**
 * One-to-one matching of reported nodules to reference lesions: a pair qualifies when the reported
 * centre lies within max(5 mm, the lesion's radius) of the reference centre, and the closest pairs are
 * taken first, so a lesion reported as several fragments matches one and the others stay unmatched.
 */
export function matchNodules<R extends ReportedNodule>(reported: R[], references: ReferenceNodule[]): NoduleMatch<R> {
  const candidates: { r: number; t: number; d: number }[] = [];
  references.forEach((ref, t) =>
    reported.forEach((rep, r) => {
      const d = distance(ref.center, rep.center);
      if (d <= noduleMatchRadiusMm(ref.longAxisMm)) candidates.push({ r, t, d });
    }),
  );
  candidates.sort((a, b) => a.d - b.d);
  const usedR = new Set<number>();
  const usedT = new Set<number>();
  const pairs: NoduleMatch<R>['pairs'] = [];
  for (const c of candidates) {
    if (usedR.has(c.r) || usedT.has(c.t)) continue;
    usedR.add(c.r);
    usedT.add(c.t);
    pairs.push({ reference: references[c.t], reported: reported[c.r], distanceMm: c.d });
  }
  return {
    pairs,
    unmatchedReferences: references.filter((_, t) => !usedT.has(t)),
    unmatchedReported: reported.filter((_, r) => !usedR.has(r)),
  };
}
