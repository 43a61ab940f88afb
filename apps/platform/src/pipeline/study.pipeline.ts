import type { LabelMask, MatchDecision, Report, SeriesFingerprint, Volume } from '@polyrad/sdk';
import type { ScanDicomInputsOptions } from '@polyrad/dicom';
import type { RunDiagnostics } from './execution/diagnostics.redactor.js';
import { LocalProcessExecutor } from './execution/local-process.executor.js';
import type { PluginExecutor } from './execution/plugin-executor.js';
import { runPlan, type RunProgress } from './execution/planned-run.runner.js';
import { UnusableInputError } from './pipeline.errors.js';
import type { ExecutionPlan } from './planning/execution-planner.js';
import { decideStudy } from './planning/match-decisions.js';
import type { CatalogEntry } from './planning/plugin-catalog.js';
import { planStudy } from './planning/study.planner.js';
import { findingLabels } from './report/finding-labels.js';
import { assembleReport } from './report/report.assembler.js';
import { scanStudy, type RejectedInput, type ScannedStudy } from './study.scanner.js';

export interface StudyRequest {
  /** the plugins to consider: the bundled ones (CLI) or the versions a site enabled (server) */
  catalog: CatalogEntry[];
  /** DICOM files or folders of one study */
  paths: string[];
  /** `roots` confines the walk to those real folders (paths a client sent to the server) */
  scan?: ScanDicomInputsOptions;
  log?: (message: string) => void;
  /** each planned run's progress, whenever one changes (analyze only) */
  progress?: (studyInstanceUid: string, runs: RunProgress[]) => void;
}

export interface SeriesExplanation {
  seriesInstanceUid: string;
  studyInstanceUid: string;
  fingerprint: SeriesFingerprint;
  decisions: MatchDecision[];
}

export interface StudyExplanation {
  series: SeriesExplanation[];
  /** which plugin would run on which series, and why that series */
  plan: ExecutionPlan;
  rejected: RejectedInput[];
}

/** A label mask a plugin produced during the analysis, with where it came from (for the DICOM SEG). */
export interface AnalysisMask {
  /** artifact type, e.g. polyrad.mask.lungs */
  type: string;
  algorithmId: string;
  algorithmVersion: string;
  seriesInstanceUid: string;
  mask: LabelMask;
  /** what the mask shows, when its plugin says (artifact meta `segmentDescription`): a SEG segment's description */
  description?: string;
}

export interface AnalysisResult {
  report: Report;
  rejected: RejectedInput[];
  /** the masks of the runs that succeeded, in plan order */
  masks: AnalysisMask[];
  /** the volumes plugins ran on, by SeriesInstanceUID (a comparison with a prior registers them) */
  volumes: ReadonlyMap<string, Volume>;
  /** failed runs' stack and stderr, redacted, for their vendors; never part of the report */
  diagnostics: FailedRunDiagnostics[];
}

export interface FailedRunDiagnostics extends RunDiagnostics {
  pluginId: string;
  version: string;
  seriesInstanceUid?: string;
}

const maskDescription = (meta: Record<string, unknown> | undefined): { description?: string } =>
  typeof meta?.segmentDescription === 'string' && meta.segmentDescription ? { description: meta.segmentDescription } : {};

/**
 * The path a study takes: scan -> fingerprint -> match -> plan -> run -> assemble, on local files.
 * The one pipeline behind `polyrad analyze`/`explain`, the C-STORE intake and POST /api/studies/analyze;
 * the server injects it (pipeline.module.ts). Free of NestJS, so the CLI starts without loading it.
 */
export class StudyPipeline {
  /** `executor` makes the executor of one study's runs (closed when they end); local worker processes by default. */
  constructor(private readonly executor: () => PluginExecutor = () => new LocalProcessExecutor()) {}

  /** which plugin would run on which series, and why, without running any */
  async explain({ catalog, paths }: StudyRequest): Promise<StudyExplanation> {
    const study = await scanStudy(paths);
    const decisions = decideStudy(catalog, study);
    return {
      rejected: study.rejected,
      plan: planStudy(catalog, study, decisions),
      series: study.series.map((s) => ({
        seriesInstanceUid: s.SeriesInstanceUID,
        studyInstanceUid: s.StudyInstanceUID,
        fingerprint: study.fingerprints.get(s.SeriesInstanceUID)!,
        decisions: decisions.get(s.SeriesInstanceUID)!,
      })),
    };
  }

  /** The whole pipeline; throws UnusableInputError when the inputs hold no single study to analyse. */
  async analyze({ catalog, paths, scan, log = () => undefined, progress }: StudyRequest): Promise<AnalysisResult> {
    const study = await scanStudy(paths, scan);
    assertOneStudy(study);
    const decisions = decideStudy(catalog, study);
    const plan = planStudy(catalog, study, decisions);
    // a series no plugin runs on need not stay in memory
    const used = new Set(plan.runs.map((r) => r.seriesInstanceUid));
    for (const uid of [...study.volumes.keys()]) if (!used.has(uid)) study.volumes.delete(uid);
    // plugin code runs in worker processes, never in this one
    const studyInstanceUid = study.series[0].StudyInstanceUID;
    const outcomes = await runPlan(plan, study, catalog, this.executor(), log, progress && ((runs) => progress(studyInstanceUid, runs)));
    const labels = findingLabels(catalog.map((c) => c.manifest));
    const masks = outcomes.flatMap(({ run, artifacts }) =>
      run.status !== 'succeeded'
        ? []
        : artifacts.flatMap((a) => (a.kind === 'mask' ? [{ type: a.type, algorithmId: run.id, algorithmVersion: run.version, seriesInstanceUid: run.seriesInstanceUid ?? '', mask: a.mask, ...maskDescription(a.meta) }] : [])),
    );
    const diagnostics = outcomes.flatMap(({ run, diagnostics: d }) => (d ? [{ pluginId: run.id, version: run.version, ...(run.seriesInstanceUid ? { seriesInstanceUid: run.seriesInstanceUid } : {}), ...d }] : []));
    return { report: assembleReport({ study, decisions, plan, outcomes, labels }), rejected: study.rejected, masks, volumes: study.volumes, diagnostics };
  }
}

function assertOneStudy(study: ScannedStudy): void {
  if (study.series.length === 0) {
    throw new UnusableInputError('no usable DICOM image series in the input', study.rejected);
  }
  const studies = [...new Set(study.series.map((s) => s.StudyInstanceUID))];
  if (studies.length > 1) {
    throw new UnusableInputError(`the input holds ${studies.length} studies (${studies.join(', ')}); analyze one study at a time`, study.rejected);
  }
}
