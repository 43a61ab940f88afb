import type { AlgorithmRun, Report, ReportFinding } from '@polyrad/sdk';
import type { FailedRunDiagnostics } from '../../pipeline/study.pipeline.js';
import type { RunDiagnostics } from '../../pipeline/execution/diagnostics.redactor.js';

/** What a plugin saw: the acquisition of the series it ran on, from that series' fingerprint (no patient data). */
export interface SeenAcquisition {
  /** scanner maker */
  Manufacturer?: string;
  ConvolutionKernel?: string;
  SliceThickness?: number;
  contrast?: boolean;
  /** reconstruction field of view (PixelSpacing x Columns), mm: a stand-in for body size, which the FOV follows */
  fieldOfViewMm?: number;
  /** air enclosed by the body on lung slices, mL, when measured */
  lungAirMl?: number;
}

/** One finding a run produced, as kept for metrics, drift and the shadow comparison. */
export interface RunFinding {
  code: string;
  assessment: ReportFinding['assessment'];
  value: number | string | null;
  unit: string;
  category?: string;
  center?: [number, number, number];
  /** its index in the report's findings (active runs only): reader feedback names findings by index */
  index?: number;
}

/** One run of one plugin version in one analysis. */
export interface RunRecord {
  pluginId: string;
  pluginVersion: string;
  status: 'succeeded' | 'failed';
  reason: string | null;
  durationMs: number | null;
  seriesInstanceUid: string | null;
  seen: SeenAcquisition;
  findings: RunFinding[];
  /** a failed run's redacted stack and stderr, for its vendor */
  diagnostics: RunDiagnostics | null;
}

/**
 * The runs of an analysed report that actually ran (succeeded or failed; a plugin skipped at planning did
 * not run), each with what it saw and found. `only` keeps the runs of one plugin (a shadow analysis keeps
 * only the candidate's). A pure function.
 */
export function runRecords(report: Report, only?: string, diagnostics: FailedRunDiagnostics[] = []): RunRecord[] {
  return report.algorithms
    .filter((run): run is AlgorithmRun & { status: 'succeeded' | 'failed' } => run.status !== 'skipped' && (only === undefined || run.id === only))
    .map((run) => ({
      pluginId: run.id,
      pluginVersion: run.version,
      status: run.status,
      reason: run.reason ?? null,
      durationMs: run.durationMs === undefined ? null : Math.round(run.durationMs),
      seriesInstanceUid: run.seriesInstanceUid ?? null,
      seen: seenOf(report.series.find((s) => s.seriesInstanceUid === run.seriesInstanceUid)?.fingerprint),
      findings: report.findings.flatMap((f, index) => (ranIt(run, f) ? [runFinding(f, index)] : [])),
      diagnostics: diagnosticsOf(run, diagnostics),
    }));
}

function diagnosticsOf(run: AlgorithmRun, all: FailedRunDiagnostics[]): RunDiagnostics | null {
  const found = all.find((d) => d.pluginId === run.id && d.version === run.version && d.seriesInstanceUid === run.seriesInstanceUid);
  return found ? { ...(found.stack ? { stack: found.stack } : {}), ...(found.stderr ? { stderr: found.stderr } : {}) } : null;
}

function ranIt(run: AlgorithmRun, finding: ReportFinding): boolean {
  return finding.algorithm.id === run.id && finding.algorithm.version === run.version && (run.seriesInstanceUid === undefined || finding.seriesInstanceUid === run.seriesInstanceUid);
}

function runFinding(f: ReportFinding, index: number): RunFinding {
  const value = typeof f.value === 'number' || typeof f.value === 'string' ? f.value : null;
  return {
    code: f.code,
    assessment: f.assessment,
    value,
    unit: f.unit,
    ...(f.category === undefined ? {} : { category: String(f.category) }),
    ...(Array.isArray(f.center) ? { center: f.center as [number, number, number] } : {}),
    index,
  };
}

export function seenOf(fingerprint: Record<string, unknown> | undefined): SeenAcquisition {
  if (!fingerprint) return {};
  const seen: SeenAcquisition = {};
  if (typeof fingerprint.Manufacturer === 'string' && fingerprint.Manufacturer) seen.Manufacturer = fingerprint.Manufacturer;
  const kernel = fingerprint.ConvolutionKernel;
  if (typeof kernel === 'string' && kernel) seen.ConvolutionKernel = kernel;
  else if (Array.isArray(kernel) && kernel.length > 0) seen.ConvolutionKernel = kernel.join('\\');
  if (typeof fingerprint.SliceThickness === 'number') seen.SliceThickness = fingerprint.SliceThickness;
  if (typeof fingerprint.contrast === 'boolean') seen.contrast = fingerprint.contrast;
  const spacing = fingerprint.pixelSpacingMm;
  if (Array.isArray(spacing) && typeof spacing[1] === 'number' && typeof fingerprint.Columns === 'number') {
    seen.fieldOfViewMm = Math.round(spacing[1] * fingerprint.Columns * 10) / 10;
  }
  if (typeof fingerprint.lungAirMl === 'number') seen.lungAirMl = fingerprint.lungAirMl;
  return seen;
}
