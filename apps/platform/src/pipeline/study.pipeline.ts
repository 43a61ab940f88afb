import type { MatchDecision, Report, SeriesFingerprint, Volume } from '@polyrad/sdk';
import type { ScanDicomInputsOptions } from '@polyrad/dicom';
import { LocalProcessExecutor } from './execution/local-process.executor.js';
import { runPlan } from './execution/planned-run.runner.js';
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

export interface AnalysisResult {
  report: Report;
  rejected: RejectedInput[];
  /** the volumes plugins ran on, by SeriesInstanceUID (a comparison with a prior registers them) */
  volumes: ReadonlyMap<string, Volume>;
}

/**
 * The path a study takes: scan -> fingerprint -> match -> plan -> run -> assemble, on local files.
 * The one pipeline behind `polyrad analyze`/`explain`, the C-STORE intake and POST /api/studies/analyze;
 * the server injects it (pipeline.module.ts). Free of NestJS, so the CLI starts without loading it.
 */
export class StudyPipeline {
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
  async analyze({ catalog, paths, scan, log = () => undefined }: StudyRequest): Promise<AnalysisResult> {
    const study = await scanStudy(paths, scan);
    assertOneStudy(study);
    const decisions = decideStudy(catalog, study);
    const plan = planStudy(catalog, study, decisions);
    // a series no plugin runs on need not stay in memory
    const used = new Set(plan.runs.map((r) => r.seriesInstanceUid));
    for (const uid of [...study.volumes.keys()]) if (!used.has(uid)) study.volumes.delete(uid);
    // plugin code runs in worker processes, never in this one
    const outcomes = await runPlan(plan, study, catalog, new LocalProcessExecutor(), log);
    const labels = findingLabels(catalog.map((c) => c.manifest));
    return { report: assembleReport({ study, decisions, plan, outcomes, labels }), rejected: study.rejected, volumes: study.volumes };
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
