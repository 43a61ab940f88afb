import type { AlgorithmRun, Report, ReportFinding } from '@polyrad/sdk';
import { PLATFORM_VERSION } from '../../platform-version.js';
import type { RunOutcome } from '../execution/planned-run.runner.js';
import type { ExecutionPlan } from '../planning/execution-planner.js';
import type { StudyDecisions } from '../planning/match-decisions.js';
import type { ScannedStudy } from '../study.scanner.js';
import { buildReport, type FindingLabels } from './report.builder.js';
import { notAssessedHere } from './series-findings.js';

/** Everything the pipeline learnt about a study, which the report is assembled from. */
export interface StudyOutcome {
  study: ScannedStudy;
  decisions: StudyDecisions;
  plan: ExecutionPlan;
  /** one per planned run, in plan order */
  outcomes: RunOutcome[];
  labels: FindingLabels;
}

/** The assemble step: one combined report.json from the scan, the decisions, the plan and every run. */
export function assembleReport(outcome: StudyOutcome): Report {
  const { study } = outcome;
  const first = study.series[0].instances[0];
  return buildReport({
    version: PLATFORM_VERSION,
    labels: outcome.labels,
    study: {
      studyInstanceUid: study.series[0].StudyInstanceUID,
      patientId: first.PatientID ?? '',
      studyDate: first.StudyDate ?? '',
      accessionNumber: first.AccessionNumber ?? '',
    },
    series: seriesOf(study, outcome.decisions),
    algorithms: algorithmsOf(outcome),
    findings: findingsOf(outcome),
    warnings: warningsOf(outcome),
  });
}

function seriesOf(study: ScannedStudy, decisions: StudyDecisions): Report['series'] {
  return study.series.map((s) => ({
    seriesInstanceUid: s.SeriesInstanceUID,
    modality: String(study.fingerprints.get(s.SeriesInstanceUID)!.Modality ?? ''),
    fingerprint: study.fingerprints.get(s.SeriesInstanceUID)!,
    // stored with the report, so "why did (not) this algorithm run?" has an answer later
    decisions: decisions.get(s.SeriesInstanceUID)!.map(({ pluginId, pluginVersion, matched, score, reason }) => ({
      pluginId,
      pluginVersion,
      matched,
      score: Math.round(score * 1000) / 1000,
      reason,
    })),
  }));
}

/** Plugins skipped at planning first, then every planned run in plan order. */
function algorithmsOf({ plan, outcomes }: StudyOutcome): AlgorithmRun[] {
  return [
    ...plan.skipped.map(({ manifest, seriesInstanceUid, reason }) => ({
      id: manifest.id,
      version: manifest.version,
      status: 'skipped' as const,
      reason,
      ...(seriesInstanceUid ? { seriesInstanceUid } : {}),
    })),
    ...outcomes.map((o) => o.run),
  ];
}

function findingsOf({ plan, outcomes }: StudyOutcome): ReportFinding[] {
  return [
    // Skipped at planning on the series the plugin's own criteria chose (an input nobody can make
    // there): it applies, so what it would have measured is not assessed. A plugin that matched no
    // series does not apply and has no findings.
    ...plan.skipped.flatMap(({ manifest, seriesInstanceUid, reason }) => (seriesInstanceUid ? notAssessedHere(manifest, seriesInstanceUid, reason) : [])),
    ...outcomes.flatMap((o) => o.findings),
  ];
}

function warningsOf({ study, outcomes }: StudyOutcome): string[] {
  return [
    ...study.rejected.map((r) => `skipped input ${r.path}: ${r.message}`),
    // how a series was put together (generated UIDs, repeated instances, a stack split from a multi-stack file)
    ...study.series.flatMap((s) => s.warnings.map((w) => `series ${s.SeriesInstanceUID}: ${w}`)),
    ...outcomes.flatMap((o) => o.warnings),
  ];
}
