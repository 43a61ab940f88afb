import type { Vec3, Volume } from '@polyrad/sdk';
import { generateChestPhantom, type ChestPhantomTruth } from '../chest-phantom.generator.js';
import { rescannedPoint, rescanVolume, type Rescan } from '../chest-rescan.generator.js';
import type { AortaPhantomOptions } from '../features/aorta.feature.js';
import type { NoduleSpec } from '../features/nodules.feature.js';
import type { ReportFinding } from './validation.types.js';

/**
 * Issue #18, Validation: phantom pairs of one patient at two dates with known change, the later exam
 * re-acquired otherwise (table position, slice thickness, field of view, a patient lying turned). The
 * same seed draws the same anatomy and the nodules at the same places; only what the pair names differs.
 */
export interface PriorPair {
  name: string;
  seed: number;
  priorDate: string;
  currentDate: string;
  /** nodules of each exam, index for index the same lesion; extra ones on the current exam are new */
  priorNodules: NoduleSpec[];
  currentNodules: NoduleSpec[];
  priorAorta: AortaPhantomOptions;
  currentAorta: AortaPhantomOptions;
  /** how the current exam was acquired differently */
  rescan: Rescan;
}

/** Tolerances of the issue: doubling times within 25 %, aortic growth within 1 mm. */
export const VDT_TOLERANCE_PERCENT = 25;
export const AORTA_GROWTH_TOLERANCE_MM = 1;

/** Both exams' grid before the rescan: 1.5 mm pixels, as fine as the aorta plugin measures on, 2.5 mm slices. */
export const PAIR_GRID = { dimensions: [214, 214, 90] as Vec3, spacing: [1.5, 1.5, 2.5] as Vec3 };

/** The pair's two exams: the prior as drawn, the current drawn with its changes and re-acquired (`rescanned`). */
export function generatePriorPair(pair: PriorPair): { prior: PairSide; current: PairSide; rescanned: Volume } {
  const draw = (nodules: NoduleSpec[], aorta: AortaPhantomOptions) => generateChestPhantom({ seed: pair.seed, ...PAIR_GRID, nodules: { specs: nodules }, aorta });
  const prior = draw(pair.priorNodules, pair.priorAorta);
  const current = draw(pair.currentNodules, pair.currentAorta);
  return { prior, current, rescanned: rescanVolume(current.volume, pair.rescan) };
}

const solid = (diameterMm: number): NoduleSpec => ({ diameterMm, type: 'solid', shape: 'sphere', attachment: 'isolated', hu: 40 });

export const PRIOR_PAIRS: PriorPair[] = [
  {
    name: 'growth, 5 mm sections, other table position and field of view',
    seed: 9301,
    priorDate: '20250101',
    currentDate: '20260101',
    priorNodules: [solid(8), solid(12)],
    currentNodules: [solid(10), solid(12)],
    priorAorta: { ascendingDiameterMm: 34, descendingDiameterMm: 24, aneurysm: false },
    currentAorta: { ascendingDiameterMm: 37, descendingDiameterMm: 25, aneurysm: false },
    rescan: { shiftMm: [6.2, -9.4, 38.5], slicesPerSection: 2, crop: { i: [10, 204], j: [8, 206], k: [3, 87] } },
  },
  {
    name: 'growth in 6 months, patient lying turned 4 degrees',
    seed: 9302,
    priorDate: '20250701',
    currentDate: '20260101',
    priorNodules: [solid(9), solid(7)],
    currentNodules: [solid(11), solid(7)],
    priorAorta: { ascendingDiameterMm: 42, descendingDiameterMm: 26, aneurysm: false },
    currentAorta: { ascendingDiameterMm: 44, descendingDiameterMm: 26, aneurysm: false },
    rescan: { shiftMm: [-5.1, 7.7, -31.2], rotationDeg: [0, 0, 4], crop: { k: [4, 90] } },
  },
  {
    name: 'stable, smaller field of view',
    seed: 9303,
    priorDate: '20250101',
    currentDate: '20260101',
    priorNodules: [solid(10), solid(7)],
    currentNodules: [solid(10), solid(7)],
    priorAorta: { ascendingDiameterMm: 33, descendingDiameterMm: 24, aneurysm: false },
    currentAorta: { ascendingDiameterMm: 33, descendingDiameterMm: 24, aneurysm: false },
    rescan: { shiftMm: [3.3, 4.1, -22.6], crop: { i: [16, 198], j: [13, 200], k: [0, 86] } },
  },
  {
    name: 'a new nodule',
    seed: 9304,
    priorDate: '20250101',
    currentDate: '20260101',
    priorNodules: [solid(10)],
    currentNodules: [solid(10), solid(9)],
    priorAorta: { ascendingDiameterMm: 32, descendingDiameterMm: 23, aneurysm: false },
    currentAorta: { ascendingDiameterMm: 32, descendingDiameterMm: 23, aneurysm: false },
    rescan: { shiftMm: [-4.4, -6.3, 27.9], slicesPerSection: 2 },
  },
];

/** One expected comparison of one pair and how the report came out. */
export interface PairOutcome {
  pair: string;
  /** 'nodule 1', 'aorta.ascending.diameter', ... */
  item: string;
  truth: string;
  reported: string;
  /** relative (%) or absolute (mm) error of the judged quantity, when one was compared */
  error?: number;
  errorUnit?: '%' | 'mm';
  /** met the criterion; undefined when the plugin itself declined (not assessed, with its reason) */
  within: boolean | undefined;
  note?: string;
}

/** One exam of a pair as drawn (before any rescan): its truth and volume. */
export interface PairSide {
  truth: ChestPhantomTruth;
  volume: Volume;
}

interface ComparedFinding extends ReportFinding {
  prior?: { center?: Vec3; value?: number; volumeMm3?: number; studyDate?: string };
  change?: string;
  volumeDoublingDays?: number;
  changeMm?: number;
  comparison?: string;
}

const days = (a: string, b: string) => (Date.UTC(+b.slice(0, 4), +b.slice(4, 6) - 1, +b.slice(6)) - Date.UTC(+a.slice(0, 4), +a.slice(4, 6) - 1, +a.slice(6))) / 86_400_000;
const dist = (a: Vec3, b: Vec3) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
const r1 = (x: number) => Math.round(x * 10) / 10;

/**
 * Scores the current exam's report (analysed with the prior) against the pair's truth: each nodule
 * matched to its own prior (the reported prior centre within max(5 mm, half its long axis) of the truth),
 * each grown one's doubling time within 25 % of the truth's (VDT = t ln2 / ln(V2/V1) of the drawn
 * volumes), each unchanged one called stable, each new one called new, and each aortic segment's change
 * within 1 mm of the drawn change.
 */
export function scorePriorPair(pair: PriorPair, report: { findings: ReportFinding[]; comparison?: { status: string; reason?: string } }, prior: PairSide, current: PairSide): PairOutcome[] {
  const out: PairOutcome[] = [];
  const base = { pair: pair.name };
  if (report.comparison?.status !== 'assessed') {
    return [{ ...base, item: 'comparison', truth: 'assessed', reported: `not assessed: ${report.comparison?.reason ?? 'no comparison'}`, within: false }];
  }
  const interval = days(pair.priorDate, pair.currentDate);
  const nodules = report.findings.filter((f) => f.code === 'lung.nodule' || f.code === 'lung.mass') as ComparedFinding[];
  current.truth.nodules.forEach((now, index) => {
    const then = prior.truth.nodules[index];
    const item = `nodule ${index + 1}`;
    const at = rescannedPoint(current.volume, pair.rescan, now.center);
    const radius = Math.max(5, now.longAxisMm / 2);
    const found = nodules.filter((f) => f.center && dist(f.center, at) <= radius).sort((a, b) => dist(a.center!, at) - dist(b.center!, at))[0];
    const truth = then ? `${r1(then.longAxisMm)} → ${r1(now.longAxisMm)} mm` : `new, ${r1(now.longAxisMm)} mm`;
    if (!found || found.assessment === 'not-assessed') {
      out.push({ ...base, item, truth, reported: found ? `not assessed: ${found.reason}` : 'not found on this exam', within: found ? undefined : false, note: 'detection, not comparison' });
      return;
    }
    if (!then) {
      out.push({ ...base, item, truth, reported: found.change === 'new' ? 'new' : found.prior ? 'matched to a prior nodule' : found.comparison ?? 'no change stated', within: found.change === 'new' });
      return;
    }
    if (!found.prior?.center) {
      out.push({ ...base, item, truth, reported: found.comparison ?? (found.change === 'new' ? 'called new' : 'not matched'), within: false });
      return;
    }
    const matchMiss = dist(found.prior.center, then.center);
    if (matchMiss > Math.max(5, then.longAxisMm / 2)) {
      out.push({ ...base, item, truth, reported: `matched to a prior finding ${r1(matchMiss)} mm from this nodule`, within: false });
      return;
    }
    const reported = `${r1(found.prior.value ?? NaN)} → ${r1(found.value as number)} mm, ${found.change}`;
    const grew = now.volumeMm3 / then.volumeMm3;
    if (Math.abs(Math.log(grew)) < Math.log(1.25)) {
      // unchanged (within the drawing's voxel noise): stable must read stable
      out.push({ ...base, item, truth: `${truth}, stable`, reported, within: found.change === 'stable' });
      return;
    }
    const vdt = (interval * Math.LN2) / Math.log(grew);
    if (found.volumeDoublingDays === undefined) {
      out.push({ ...base, item, truth: `${truth}, VDT ${Math.round(vdt)} d`, reported: `${reported}, no doubling time`, within: false });
      return;
    }
    const error = (100 * Math.abs(found.volumeDoublingDays - vdt)) / vdt;
    out.push({ ...base, item, truth: `${truth}, VDT ${Math.round(vdt)} d`, reported: `${reported}, VDT ${Math.round(found.volumeDoublingDays)} d`, error, errorUnit: '%', within: error <= VDT_TOLERANCE_PERCENT });
  });
  for (const segment of ['ascending', 'descending'] as const) {
    const code = `aorta.${segment}.diameter`;
    const key = `${segment}DiameterMm` as const;
    const change = current.truth.aorta[key] - prior.truth.aorta[key];
    const truth = `${r1(prior.truth.aorta[key])} → ${r1(current.truth.aorta[key])} mm (${change >= 0 ? '+' : ''}${r1(change)})`;
    const f = report.findings.find((x) => x.code === code) as ComparedFinding | undefined;
    if (!f || f.assessment === 'not-assessed' || typeof f.changeMm !== 'number') {
      out.push({ ...base, item: code, truth, reported: f?.comparison ?? f?.reason ?? 'no change measured', within: f?.assessment === 'not-assessed' || /^not assessed/.test(f?.comparison ?? '') ? undefined : false });
      continue;
    }
    const error = Math.abs(f.changeMm - change);
    out.push({ ...base, item: code, truth, reported: `${r1(f.prior?.value ?? NaN)} → ${r1(f.value as number)} mm (${f.changeMm >= 0 ? '+' : ''}${r1(f.changeMm)})`, error, errorUnit: 'mm', within: error <= AORTA_GROWTH_TOLERANCE_MM });
  }
  return out;
}

/** The pairs as one Markdown table. */
export function formatPairTable(outcomes: PairOutcome[]): string {
  const rows = outcomes.map((o) => [o.pair, o.item, o.truth, o.reported, o.error === undefined ? '–' : `${r1(o.error)} ${o.errorUnit}`, o.within === undefined ? 'not assessed' : o.within ? 'yes' : 'NO', o.note ?? ''].map((c) => c.replace(/\|/g, '\\|')));
  return [
    `| pair | finding | truth | reported | error | within (VDT ±${VDT_TOLERANCE_PERCENT} %, aorta ±${AORTA_GROWTH_TOLERANCE_MM} mm, match, stable, new) | note |`,
    '|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}
