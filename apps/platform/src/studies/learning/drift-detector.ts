import { type AlgorithmManifest, type Criterion, matchCriteria, type Report } from '@polyrad/sdk';
import type { NewDriftAlert } from './learning.repository.js';

/**
 * Fingerprint fields that describe the acquisition rather than what a series is: a plugin's required criteria
 * on these are its declared operating range (slice thickness, kernel, contrast, scanner, voxel size, body size).
 */
export const OPERATING_FIELDS: ReadonlySet<string> = new Set([
  'SliceThickness',
  'ConvolutionKernel',
  'Manufacturer',
  'contrast',
  'contrastInHeader',
  'contrastMeasured',
  'mediastinalBloodHu',
  'pixelSpacingMm',
  'sliceSpacingMm',
  'lungAirMl',
]);

/**
 * Series of the report a plugin was meant for (every required criterion on what the series is passes: modality,
 * body region, coverage...) but whose acquisition is outside its declared operating range (a required criterion
 * on an operating field fails). One alert per plugin and failed field, naming the study, series and value.
 */
export function operatingRangeAlerts(site: string, report: Report, manifests: AlgorithmManifest[]): NewDriftAlert[] {
  const alerts: NewDriftAlert[] = [];
  for (const manifest of manifests) {
    const required = manifest.series.criteria.filter((c) => c.required !== false);
    const operating = required.filter((c) => OPERATING_FIELDS.has(c.field));
    if (operating.length === 0) continue;
    const identity = required.filter((c) => !OPERATING_FIELDS.has(c.field));
    for (const series of report.series) {
      if (!matchCriteria(manifest, identity, series.fingerprint).matched) continue;
      for (const result of matchCriteria(manifest, operating, series.fingerprint).results.filter((r) => !r.passed)) {
        alerts.push({
          site,
          pluginId: manifest.id,
          pluginVersion: manifest.version,
          kind: 'operating-range',
          subject: result.criterion.field,
          message: `study ${report.study.studyInstanceUid} series ${series.seriesInstanceUid}: ${result.criterion.field} ${JSON.stringify(result.actual ?? null)} is outside the range ${manifest.id}@${manifest.version} declares (${describe(result.criterion)})`,
          details: {
            studyInstanceUid: report.study.studyInstanceUid,
            seriesInstanceUid: series.seriesInstanceUid,
            field: result.criterion.field,
            actual: result.actual ?? null,
            declared: describe(result.criterion),
          },
        });
      }
    }
  }
  return alerts;
}

function describe(c: Criterion): string {
  switch (c.op) {
    case 'range':
      return [c.min === undefined ? '' : `>= ${c.min}`, c.max === undefined ? '' : `<= ${c.max}`].filter(Boolean).join(' and ');
    case 'in':
      return `one of ${c.value.join(', ')}`;
    case 'equals':
      return `= ${String(c.value)}`;
    case 'regex':
      return `matching /${c.value}/`;
    case 'contains':
      return `containing ${String(c.value)}`;
    default:
      return 'present';
  }
}

/** The windowed comparison behind output-shift alerts. */
export const SHIFT_TEST = {
  /** the first values of a plugin version at a site are its baseline, the newest ones the window compared with it */
  window: 30,
  /** no test before the baseline and the window each hold this many values */
  minSample: 20,
  /** two-sample Kolmogorov-Smirnov, significance 0.01: critical D = 1.628 * sqrt((n + m) / (n * m)) */
  cAlpha: 1.628,
} as const;

export interface ShiftResult {
  statistic: number;
  critical: number;
  baseline: number;
  recent: number;
  shifted: boolean;
}

/**
 * Has a plugin version's output distribution at a site moved? `values` are one finding code's measured values,
 * oldest first. Baseline: the first `window` values; recent: the newest `window` values, never overlapping the
 * baseline. Statistic: the two-sample Kolmogorov-Smirnov D (largest gap between the two empirical distribution
 * functions), compared with its critical value at alpha 0.01. Undefined while either sample is under minSample.
 */
export function outputShift(values: number[], test: typeof SHIFT_TEST = SHIFT_TEST): ShiftResult | undefined {
  const baselineSize = Math.min(test.window, Math.floor(values.length / 2));
  const recentSize = Math.min(test.window, values.length - baselineSize);
  if (baselineSize < test.minSample || recentSize < test.minSample) return undefined;
  const baseline = values.slice(0, baselineSize);
  const recent = values.slice(values.length - recentSize);
  const statistic = ksStatistic(baseline, recent);
  const critical = test.cAlpha * Math.sqrt((baseline.length + recent.length) / (baseline.length * recent.length));
  return { statistic, critical, baseline: baseline.length, recent: recent.length, shifted: statistic > critical };
}

/** sup |F_a(x) - F_b(x)| over the pooled values. */
export function ksStatistic(a: number[], b: number[]): number {
  const x = [...a].sort((p, q) => p - q);
  const y = [...b].sort((p, q) => p - q);
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i]!, y[j]!);
    while (i < x.length && x[i]! <= v) i++;
    while (j < y.length && y[j]! <= v) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  return d;
}
