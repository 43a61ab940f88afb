import type { Vec3 } from '@polyrad/sdk';
import type { DetectedNodule, SubsolidCandidate } from './nodule.detector.js';
import { classifyNonSolidNodule, classifyPartSolidNodule, classifySolidNodule, highestCategory, type LungRadsAssessment } from './lung-rads.classifier.js';

/**
 * When may the examination's Lung-RADS v2022 category be stated? (ACR Lung-RADS v2022; Christensen J et
 * al., J Am Coll Radiol 2024;21:473-488.) The category is the highest of all nodules, so "1" or a low
 * category says as much about what was NOT found as about what was: it is stated only when the search
 * could have found what it says is absent. Checks, each with its reason:
 *
 * Found candidates that cannot be trusted (the category is not assessed at all):
 *  - more than `maxCandidates` solid candidates of >= 6 mm: a screening chest has a few at most; that
 *    many are vessels cut into pieces (5 mm sections) or fragments of something larger;
 *  - candidates that lie together like pieces of one lesion (`fragmentsOfMass`): the detector cut a mass
 *    (> 30 mm) into nodules; its pieces are not nodules and their sizes are not its size.
 * A search that could have missed something (a category below 4B is not stated; 4B, the highest size
 * category, stands because nothing missed can lower it):
 *  - a candidate on the mediastinal surface of a lung (DetectedNodule.juxtamediastinal): a hilar vessel
 *    or a nodule, listed as not measured;
 *  - a hazy (ground-glass range) region the detector flagged but could not measure: on sections > 2.5 mm or
 *    elongated, it cannot be told from vessels averaged into the section (nodule.detector.ts, step 6);
 *  - sections thicker than `maxSliceThicknessMm` (2.5 mm: the ACR-STR practice parameter for screening
 *    CT asks for <= 2.5 mm reconstructions, Lung-RADS sizes assume them; on 5 mm sections nodules under
 *    about 8 mm are missed or mis-sized, vessels cut obliquely look like nodules);
 *  - lungs not entirely in the scan (or a mask that does not say).
 */

export const LUNG_RADS_GATE_LIMITS = {
  maxCandidates: 10,
  candidateMinMeanMm: 6,
  maxSliceThicknessMm: 2.5,
  /** pieces whose surfaces are at most this far apart belong together, mm */
  fragmentGapMm: 10,
  /** a group of pieces spanning more than this is a possible mass, mm (DESIGN.md: lung.mass > 30 mm) */
  massMm: 30,
};

export interface LungRadsGateInput {
  nodules: DetectedNodule[];
  subsolid: SubsolidCandidate[];
  sliceThicknessMm: number;
  coverage?: { apices: boolean; bases: boolean };
  coverageNote?: string;
}

/** A lesion larger than a nodule that could not be measured as one: where it is and why. */
export interface UnmeasuredLesion {
  center: Vec3;
  side: 'left' | 'right';
  sizeMm: number;
  reason: string;
}

export interface LungRadsDecision {
  /** nodules reported one by one (fragments of a possible mass and untrusted candidates are not) */
  nodules: DetectedNodule[];
  /** solid lesions measured as one piece with a long axis > 30 mm */
  masses: DetectedNodule[];
  /** possible masses and subsolid lesions that were found but not measured */
  unmeasured: { masses: UnmeasuredLesion[]; nodules: UnmeasuredLesion[] };
  /** when the candidates are not trusted: why (one not-assessed lung.nodule stands for them) */
  candidatesNotTrusted?: string;
  /** the examination category, or why it is not assessed */
  lungRads: { assessment: LungRadsAssessment } | { reason: string };
}

const fmt = (c: Vec3): string => `(${c.map((x) => Math.round(x)).join(', ')}) mm`;
const distance = (a: Vec3, b: Vec3): number => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

export function decideLungRads(input: LungRadsGateInput, limits = LUNG_RADS_GATE_LIMITS): LungRadsDecision {
  // a mass may lie against the mediastinum: its pieces are grouped whatever side they lean on
  const groups = fragmentsOfMass(input.nodules.filter((n) => n.longAxisMm <= limits.massMm), limits);
  const inGroup = new Set(groups.flatMap((g) => g.pieces));
  const rest = input.nodules.filter((n) => !inGroup.has(n));
  const mediastinal = rest.filter((n) => n.juxtamediastinal).map(juxtamediastinalLesion);
  const pulmonary = rest.filter((n) => !n.juxtamediastinal);
  const solidLarge = pulmonary.filter((n) => n.longAxisMm > limits.massMm);
  const fragmentMasses = groups.map((g) => ({
    center: g.center,
    side: g.pieces[0].side,
    sizeMm: Math.round(g.spanMm),
    reason: `possible mass of about ${Math.round(g.spanMm)} mm at ${fmt(g.center)}: the detector found it as ${g.pieces.length} pieces (${g.pieces.map((p) => `${p.longAxisMm.toFixed(0)} mm`).join(', ')}); not measured`,
  }));
  const near = (c: Vec3): boolean => groups.some((g) => distance(c, g.center) <= g.spanMm / 2);
  const subsolid = input.subsolid.filter((s) => !near(s.center));
  const unmeasuredOf = (s: SubsolidCandidate): UnmeasuredLesion => ({
    center: s.center,
    side: s.side,
    sizeMm: Math.round(s.longAxisMm),
    reason: `possible ${s.longAxisMm > limits.massMm ? 'subsolid mass or consolidation' : 'subsolid lesion'} at ${fmt(s.center)}, about ${Math.round(s.longAxisMm)} mm, mean ${s.meanHu} HU (ground-glass range); not measured: on thick sections or when elongated it cannot be told from vessels`,
  });
  const unmeasured = {
    masses: [...fragmentMasses, ...subsolid.filter((s) => s.longAxisMm > limits.massMm).map(unmeasuredOf), ...mediastinal.filter((m) => m.sizeMm > limits.massMm)],
    nodules: [...subsolid.filter((s) => s.longAxisMm <= limits.massMm).map(unmeasuredOf), ...mediastinal.filter((m) => m.sizeMm <= limits.massMm)],
  };

  const candidates = input.nodules.filter((n) => n.meanDiameterMm >= limits.candidateMinMeanMm);
  if (candidates.length > limits.maxCandidates) {
    const largest = candidates.slice(0, 3).map((n) => `${n.meanDiameterMm} mm at ${fmt(n.center)}`).join('; ');
    const why = `${candidates.length} solid candidates of ${limits.candidateMinMeanMm} mm or more (at most ${limits.maxCandidates} expected): likely vessels or fragments, not nodules; largest: ${largest}`;
    return { nodules: [], masses: solidLarge, unmeasured, candidatesNotTrusted: why, lungRads: { reason: why } };
  }
  const nodules = pulmonary.filter((n) => n.longAxisMm <= limits.massMm);
  if (fragmentMasses.length) {
    return { nodules, masses: solidLarge, unmeasured, lungRads: { reason: `${fragmentMasses.map((m) => m.reason).join('; ')} (Lung-RADS at least 4B if confirmed)` } };
  }
  const assessment = highestCategory([...nodules, ...solidLarge].map(noduleCategory));
  const searchProblems = [
    ...[...unmeasured.masses, ...unmeasured.nodules].map((u) => u.reason),
    ...(input.sliceThicknessMm > limits.maxSliceThicknessMm
      ? [`sections are ${input.sliceThicknessMm} mm thick (Lung-RADS assumes <= ${limits.maxSliceThicknessMm} mm): nodules under about 8 mm may be missed or mis-sized`]
      : []),
    ...(!input.coverage ? ['the lung mask does not say whether both lungs lie entirely in the scan'] : []),
    ...(input.coverage && !(input.coverage.apices && input.coverage.bases) ? [input.coverageNote ?? 'the lungs are not entirely in the scan'] : []),
  ];
  if (searchProblems.length && assessment.category !== '4B') {
    const found = assessment.category === '1' ? 'no solid nodule found' : `largest solid nodule category ${assessment.category}`;
    return { nodules, masses: solidLarge, unmeasured, lungRads: { reason: `${found}, but the search was incomplete: ${searchProblems.join('; ')}` } };
  }
  return { nodules, masses: solidLarge, unmeasured, lungRads: { assessment } };
}

/**
 * A nodule's own category by its type (Lung-RADS v2022): solid by its mean diameter, non-solid by its
 * mean diameter, part-solid by its whole and its solid component's mean diameter.
 */
export function noduleCategory(n: DetectedNodule): LungRadsAssessment {
  if (n.type === 'non-solid') return classifyNonSolidNodule(n.meanDiameterMm);
  if (n.type === 'part-solid') return classifyPartSolidNodule(n.solidComponent?.meanDiameterMm ?? 0, n.meanDiameterMm);
  return classifySolidNodule(n.meanDiameterMm);
}

function juxtamediastinalLesion(n: DetectedNodule): UnmeasuredLesion {
  return {
    center: n.center,
    side: n.side,
    sizeMm: Math.round(n.longAxisMm),
    reason: `solid candidate of about ${Math.round(n.longAxisMm)} mm at ${fmt(n.center)} on the mediastinal surface of the ${n.side} lung: may be a hilar vessel or lymph node, which the detector cannot tell from a nodule; not measured`,
  };
}

interface FragmentGroup {
  pieces: DetectedNodule[];
  center: Vec3;
  /** largest distance between the far edges of two pieces, mm */
  spanMm: number;
}

/**
 * Pieces whose surfaces (spheres of half the long axis) lie within `fragmentGapMm` of each other are
 * linked; a linked group of two or more spanning more than `massMm` is one possible mass.
 */
function fragmentsOfMass(pieces: DetectedNodule[], limits: typeof LUNG_RADS_GATE_LIMITS): FragmentGroup[] {
  const parent = pieces.map((_, i) => i);
  const root = (i: number): number => (parent[i] === i ? i : (parent[i] = root(parent[i])));
  for (let a = 0; a < pieces.length; a++) {
    for (let b = a + 1; b < pieces.length; b++) {
      const gap = distance(pieces[a].center, pieces[b].center) - (pieces[a].longAxisMm + pieces[b].longAxisMm) / 2;
      if (gap <= limits.fragmentGapMm) parent[root(a)] = root(b);
    }
  }
  const byRoot = new Map<number, DetectedNodule[]>();
  pieces.forEach((p, i) => byRoot.set(root(i), [...(byRoot.get(root(i)) ?? []), p]));
  const groups: FragmentGroup[] = [];
  for (const group of byRoot.values()) {
    if (group.length < 2) continue;
    let spanMm = 0;
    for (const a of group) for (const b of group) spanMm = Math.max(spanMm, distance(a.center, b.center) + (a.longAxisMm + b.longAxisMm) / 2);
    if (spanMm <= limits.massMm) continue;
    const weight = group.reduce((s, p) => s + p.volumeMm3, 0);
    const center = [0, 1, 2].map((d) => group.reduce((s, p) => s + p.center[d] * p.volumeMm3, 0) / weight) as Vec3;
    groups.push({ pieces: group, center, spanMm });
  }
  return groups;
}
