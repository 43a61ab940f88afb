import type { FeedbackView } from '../feedback/feedback.repository.js';
import type { StoredRun } from './learning.repository.js';
import type { RunFinding } from './run-records.js';

/** Findings of one code further apart than this (mm, between centres) are different lesions, not one seen twice. */
const SAME_PLACE_MM = 15;

interface Side {
  value: number | string | null;
  category: string | null;
  assessment: RunFinding['assessment'];
}

/** One finding as the active and the shadow version reported it on the same study, and what the reader decided. */
export interface ComparedPair {
  studyInstanceUid: string;
  code: string;
  active: Side | null;
  shadow: Side | null;
  /** null when the finding has no category on either side, or one side lacks it */
  sameCategory: boolean | null;
  /** shadow - active, for numbers on both sides */
  valueDifference: number | null;
  /** the reader's latest decision on the active finding: accepted (its value stands), edited (theirs) or rejected */
  reader: { action: 'accept' | 'edit' | 'reject'; value: number | string | null; category: string | null } | null;
}

export interface ShadowComparison {
  site: string;
  pluginId: string;
  activeVersion: string | null;
  shadowVersion: string;
  /** analyses both versions ran on */
  studies: number;
  failures: { active: number; shadow: number };
  pairs: ComparedPair[];
  agreement: {
    /** findings both reported */
    matched: number;
    onlyActive: number;
    onlyShadow: number;
    /** of the matched findings with a category on both sides, the share with the same category */
    categoryAgreement: number | null;
    meanAbsValueDifference: number | null;
  };
  /** both versions against the reader's corrections, on the findings a reader decided on */
  againstReader: {
    reviewed: number;
    rejectedByReader: number;
    activeMeanAbsError: number | null;
    shadowMeanAbsError: number | null;
    activeCategoryAgreement: number | null;
    shadowCategoryAgreement: number | null;
  };
}

/**
 * Agreement of a shadow version with the active one on the same analyses (a shadow run is stored with the report
 * version the active runs made), per finding: same category, value difference; and both against the reader's
 * corrections of the active findings. Findings pair by code, and by the nearest centre when they have one. A pure function.
 */
export function compareShadow(
  scope: { site: string; pluginId: string; shadowVersion: string },
  active: StoredRun[],
  shadow: StoredRun[],
  feedback: FeedbackView[],
): ShadowComparison {
  const keyOf = (r: { studyInstanceUid: string; reportVersion: number }) => `${r.studyInstanceUid}\u0000${r.reportVersion}`;
  const shadowRuns = shadow.filter((r) => r.pluginVersion === scope.shadowVersion);
  const analyses = new Set(shadowRuns.map(keyOf));
  const activeRuns = active.filter((r) => analyses.has(keyOf(r)));
  const decisions = new Map<string, FeedbackView>();
  for (const f of feedback) if (f.findingIndex !== null && f.action !== 'add' && f.action !== 'impression') decisions.set(`${keyOf(f)}\u0000${f.findingIndex}`, f);
  const pairs: ComparedPair[] = [];
  for (const analysis of analyses) {
    const ours = activeRuns.filter((r) => keyOf(r) === analysis);
    const theirs = shadowRuns.filter((r) => keyOf(r) === analysis);
    if (ours.length === 0) continue;
    const uid = theirs[0]!.studyInstanceUid;
    for (const [a, s] of pairFindings(ours.flatMap((r) => r.findings), theirs.flatMap((r) => r.findings))) {
      const decision = a?.index === undefined ? undefined : decisions.get(`${analysis}\u0000${a.index}`);
      pairs.push(comparedPair(uid, a, s, decision));
    }
  }
  const both = pairs.filter((p) => p.active && p.shadow);
  const categorised = both.filter((p) => p.sameCategory !== null);
  const differences = both.flatMap((p) => (p.valueDifference === null ? [] : [Math.abs(p.valueDifference)]));
  const reviewed = pairs.filter((p) => p.reader && p.active);
  const kept = reviewed.filter((p) => p.reader!.action !== 'reject');
  const errorOf = (side: 'active' | 'shadow') =>
    mean(kept.flatMap((p) => (typeof p[side]?.value === 'number' && typeof p.reader!.value === 'number' ? [Math.abs((p[side]!.value as number) - (p.reader!.value as number))] : [])));
  const categoryOf = (side: 'active' | 'shadow') => {
    const judged = kept.filter((p) => p.reader!.category !== null);
    return judged.length ? judged.filter((p) => p[side]?.category === p.reader!.category).length / judged.length : null;
  };
  const compared = new Set(activeRuns.map(keyOf));
  return {
    ...scope,
    activeVersion: activeRuns.at(-1)?.pluginVersion ?? null,
    studies: compared.size,
    failures: { active: activeRuns.filter((r) => r.status === 'failed').length, shadow: shadowRuns.filter((r) => compared.has(keyOf(r)) && r.status === 'failed').length },
    pairs,
    agreement: {
      matched: both.length,
      onlyActive: pairs.filter((p) => p.active && !p.shadow).length,
      onlyShadow: pairs.filter((p) => !p.active && p.shadow).length,
      categoryAgreement: categorised.length ? categorised.filter((p) => p.sameCategory).length / categorised.length : null,
      meanAbsValueDifference: mean(differences),
    },
    againstReader: {
      reviewed: reviewed.length,
      rejectedByReader: reviewed.length - kept.length,
      activeMeanAbsError: errorOf('active'),
      shadowMeanAbsError: errorOf('shadow'),
      activeCategoryAgreement: categoryOf('active'),
      shadowCategoryAgreement: categoryOf('shadow'),
    },
  };
}

function comparedPair(studyInstanceUid: string, a: RunFinding | undefined, s: RunFinding | undefined, decision: FeedbackView | undefined): ComparedPair {
  const active = a ? side(a) : null;
  const shadow = s ? side(s) : null;
  let reader: ComparedPair['reader'] = null;
  if (decision && active && (decision.action === 'accept' || decision.action === 'edit' || decision.action === 'reject')) {
    reader =
      decision.action === 'edit'
        ? { action: 'edit', value: decision.newValue, category: decision.newCategory ?? (typeof decision.newValue === 'string' ? decision.newValue : active.category) }
        : { action: decision.action, value: active.value, category: active.category };
  }
  return {
    studyInstanceUid,
    code: (a ?? s)!.code,
    active,
    shadow,
    sameCategory: active?.category != null && shadow?.category != null ? active.category === shadow.category : null,
    valueDifference: typeof active?.value === 'number' && typeof shadow?.value === 'number' ? shadow.value - active.value : null,
    reader,
  };
}

/** A finding's category: its own, or its value where the value is a category (lung.lungrads "4A"). */
function side(f: RunFinding): Side {
  return { value: f.value, category: f.category ?? (typeof f.value === 'string' ? f.value : null), assessment: f.assessment };
}

/** Pairs by code; within a code, nearest centres first (within SAME_PLACE_MM), then in order for findings without a centre. */
function pairFindings(active: RunFinding[], shadow: RunFinding[]): Array<[RunFinding | undefined, RunFinding | undefined]> {
  const pairs: Array<[RunFinding | undefined, RunFinding | undefined]> = [];
  const left = [...shadow];
  for (const a of active) {
    const candidates = left.filter((s) => s.code === a.code);
    let best: RunFinding | undefined;
    if (a.center) {
      const near = candidates.filter((s) => s.center && distance(a.center!, s.center) <= SAME_PLACE_MM).sort((p, q) => distance(a.center!, p.center!) - distance(a.center!, q.center!));
      best = near[0];
    } else {
      best = candidates.find((s) => !s.center);
    }
    if (best) left.splice(left.indexOf(best), 1);
    pairs.push([a, best]);
  }
  for (const s of left) pairs.push([undefined, s]);
  return pairs;
}

function distance(p: [number, number, number], q: [number, number, number]): number {
  return Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
}

function mean(values: number[]): number | null {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : null;
}
