import type { NoduleType } from '../features/nodules.feature.js';
import type { CaseScore, FindingOutcome, NoduleOutcome } from './validation.types.js';

/**
 * The p-th percentile (0..100) by linear interpolation between order statistics (Hyndman & Fan 1996,
 * definition 7, the default of R and NumPy); undefined for no values.
 */
export function percentile(values: number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const h = ((sorted.length - 1) * p) / 100;
  const lo = Math.floor(h);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

export interface FindingSummary {
  code: string;
  /** expected findings (cases x findings of this code) */
  n: number;
  measured: number;
  notAssessed: number;
  missing: number;
  medianError?: number;
  p95Error?: number;
  errorUnit?: string;
  /** measured findings within tolerance */
  within: number;
  wrongNegatives: number;
}

/** Per finding code, in order of first appearance: counts, error percentiles and tolerance shares. */
export function summariseFindings(outcomes: FindingOutcome[]): FindingSummary[] {
  const byCode = new Map<string, FindingOutcome[]>();
  for (const o of outcomes) byCode.set(o.code, [...(byCode.get(o.code) ?? []), o]);
  return [...byCode].map(([code, list]) => {
    const measured = list.filter((o) => o.status === 'measured');
    const errors = measured.map((o) => o.error).filter((e): e is number => e !== undefined && Number.isFinite(e));
    return {
      code,
      n: list.length,
      measured: measured.length,
      notAssessed: list.filter((o) => o.status === 'not-assessed').length,
      missing: list.filter((o) => o.status === 'missing').length,
      medianError: percentile(errors, 50),
      p95Error: percentile(errors, 95),
      errorUnit: measured.find((o) => o.errorUnit)?.errorUnit,
      within: measured.filter((o) => o.within).length,
      wrongNegatives: list.filter((o) => o.wrongNegative).length,
    };
  });
}

export const SIZE_BANDS: { label: string; min: number; max: number }[] = [
  { label: '6–8 mm', min: 6, max: 8 },
  { label: '8–15 mm', min: 8, max: 15 },
  { label: '15–30 mm', min: 15, max: 30 },
  { label: '> 30 mm', min: 30, max: Infinity },
];

export interface SensitivityRow {
  type: NoduleType;
  band: string;
  n: number;
  found: number;
  missed: number;
  notAssessed: number;
}

/** Nodules >= 6 mm by type and long-axis band; only non-empty cells. */
export function noduleSensitivity(nodules: NoduleOutcome[]): SensitivityRow[] {
  const rows: SensitivityRow[] = [];
  for (const type of ['solid', 'part-solid', 'non-solid'] as NoduleType[]) {
    for (const band of SIZE_BANDS) {
      const cell = nodules.filter((n) => n.reference.type === type && n.reference.longAxisMm >= band.min && n.reference.longAxisMm < band.max);
      if (cell.length === 0) continue;
      rows.push({
        type,
        band: band.label,
        n: cell.length,
        found: cell.filter((n) => n.status === 'found').length,
        missed: cell.filter((n) => n.status === 'missed').length,
        notAssessed: cell.filter((n) => n.status === 'not-assessed').length,
      });
    }
  }
  return rows;
}

/** "honest": no measured finding out of tolerance and no wrong negative/normal statement */
export function isHonest(cases: CaseScore[]): boolean {
  return cases.every((c) => c.outcomes.every((o) => !o.wrongNegative && !(o.status === 'measured' && o.within === false)));
}
