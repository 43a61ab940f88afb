import {
  matchCriteria,
  notAssessedFindings,
  PolyradError,
  unavailableInputReason,
  type AlgorithmManifest,
  type AlgorithmRun,
  type Artifact,
  type MatchDecision,
  type MissingOutput,
  type Report,
  type ReportFinding,
  type Volume,
} from '@polyrad/sdk';
import { groupSeries, loadVolume, scanDicomInputs, type DicomSeries, type ScanDicomInputsOptions } from '@polyrad/dicom';
import { detectBodyRegions } from './fingerprint/body-region.detector.js';
import { planExecution, type ExecutionPlan, type PlannedRun } from './planning/execution-planner.js';
import { fingerprintSeries, type SeriesFingerprint } from './fingerprint/series-fingerprint.js';
import type { CatalogEntry } from './planning/plugin-catalog.js';
import { LocalProcessExecutor } from './execution/local-process.executor.js';
import type { PluginExecutor } from './execution/plugin-executor.js';
import { buildReport } from './report/report.builder.js';
import { PLATFORM_VERSION } from '../platform-version.js';

export interface RejectedInput {
  path: string;
  code: string;
  message: string;
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
}

/** Thrown when nothing in the inputs can be analysed; carries every rejected file. */
export class UnusableInputError extends PolyradError {
  constructor(
    message: string,
    readonly rejected: RejectedInput[],
  ) {
    super('INPUT_UNUSABLE', message);
  }
}

interface ScannedStudy {
  series: DicomSeries[];
  fingerprints: Map<string, SeriesFingerprint>;
  /** volumes read while fingerprinting, kept for the runs so no series is decoded twice */
  volumes: Map<string, Volume>;
  rejected: RejectedInput[];
}

/** What one planned run ended with; plan order is kept when they are merged into the report. */
interface RunOutcome {
  run: AlgorithmRun;
  findings: ReportFinding[];
  artifacts: Artifact[];
  /** declared outputs the run could not make, with the reason */
  missing: MissingOutput[];
  warnings: string[];
}

/** The findings of a plugin that applies to the series but did not run: each declared code, not assessed. */
function notAssessedHere(manifest: AlgorithmManifest, seriesInstanceUid: string, reason: string): ReportFinding[] {
  return notAssessedFindings(manifest, reason).map((f) => ({ ...f, algorithm: { id: manifest.id, version: manifest.version }, seriesInstanceUid }));
}

/** Thin slices and more of them make the better candidate when scores tie. */
function seriesRank(fingerprint: SeriesFingerprint): number {
  const thickness = Number(fingerprint.SliceThickness) || Number(fingerprint.sliceSpacingMm) || 10;
  return Number(fingerprint.sliceCount ?? 0) / thickness;
}

/** CT stacks are judged from their pixels too: body regions, lung coverage, measured contrast. */
const wantsContent = (fingerprint: SeriesFingerprint): boolean => fingerprint.Modality === 'CT' && Number(fingerprint.sliceCount) >= 10;

/**
 * The whole pipeline on local files: read, fingerprint, match, plan, run, merge into one report.
 * Used by `polyrad analyze`, `polyrad explain` and the server's dispatch.
 */
export class AnalysisService {
  constructor(
    private readonly catalog: CatalogEntry[],
    private readonly log: (message: string) => void = () => undefined,
    /** plugin code runs here, never in this process */
    private readonly executor: () => PluginExecutor = () => new LocalProcessExecutor(),
  ) {}

  private async scan(paths: string[], options?: ScanDicomInputsOptions): Promise<ScannedStudy> {
    const { instances, rejected } = await scanDicomInputs(paths, options);
    const series = groupSeries(instances);
    const fingerprints = new Map<string, SeriesFingerprint>();
    const volumes = new Map<string, Volume>();
    for (const s of series) {
      const fingerprint = fingerprintSeries(s.instances);
      if (wantsContent(fingerprint)) {
        try {
          const volume = await loadVolume(s);
          volumes.set(s.SeriesInstanceUID, volume);
          const content = detectBodyRegions(volume);
          if (content) Object.assign(fingerprint, content);
        } catch (error) {
          fingerprint.contentError = error instanceof PolyradError ? error.toLine() : String(error);
        }
      }
      fingerprint.contrast = fingerprint.contrastInHeader === true || fingerprint.contrastMeasured === true;
      fingerprints.set(s.SeriesInstanceUID, fingerprint);
    }
    return { series, fingerprints, volumes, rejected };
  }

  private decide(study: ScannedStudy): Map<string, MatchDecision[]> {
    return new Map(
      study.series.map((s) => [
        s.SeriesInstanceUID,
        this.catalog.map(({ manifest }) =>
          matchCriteria(manifest, manifest.series.criteria, study.fingerprints.get(s.SeriesInstanceUID)!, s.instances as unknown as Array<Record<string, unknown>>),
        ),
      ]),
    );
  }

  async explain(paths: string[]): Promise<StudyExplanation> {
    const study = await this.scan(paths);
    const decisions = this.decide(study);
    return {
      rejected: study.rejected,
      plan: this.plan(study, decisions),
      series: study.series.map((s) => ({
        seriesInstanceUid: s.SeriesInstanceUID,
        studyInstanceUid: s.StudyInstanceUID,
        fingerprint: study.fingerprints.get(s.SeriesInstanceUID)!,
        decisions: decisions.get(s.SeriesInstanceUID)!,
      })),
    };
  }

  private plan(study: ScannedStudy, decisions: Map<string, MatchDecision[]>): ExecutionPlan {
    return planExecution(
      this.catalog.map((c) => c.manifest),
      decisions,
      (uid) => seriesRank(study.fingerprints.get(uid)!),
    );
  }

  /** `scan.roots` confines the walk to those real folders (paths a client sent to the server). */
  async analyze(paths: string[], scan?: ScanDicomInputsOptions): Promise<AnalysisResult> {
    const study = await this.scan(paths, scan);
    if (study.series.length === 0) {
      throw new UnusableInputError('no usable DICOM image series in the input', study.rejected);
    }
    const studies = [...new Set(study.series.map((s) => s.StudyInstanceUID))];
    if (studies.length > 1) {
      throw new UnusableInputError(`the input holds ${studies.length} studies (${studies.join(', ')}); analyze one study at a time`, study.rejected);
    }
    const decisions = this.decide(study);
    const plan = this.plan(study, decisions);
    // a series no plugin runs on need not stay in memory
    const used = new Set(plan.runs.map((r) => r.seriesInstanceUid));
    for (const uid of [...study.volumes.keys()]) if (!used.has(uid)) study.volumes.delete(uid);

    const executor = this.executor();
    const outcomes: Array<Promise<RunOutcome>> = [];
    try {
      // The plan is topologically ordered, so every input's promise exists before its consumer starts;
      // independent runs proceed in parallel, up to the executor's worker limit.
      plan.runs.forEach((_, n) => outcomes.push(this.runPlanned(plan.runs, n, outcomes, study, executor)));
      await Promise.all(outcomes);
    } finally {
      await executor.close();
    }
    const done = await Promise.all(outcomes);

    const algorithms: AlgorithmRun[] = [
      ...plan.skipped.map(({ manifest, seriesInstanceUid, reason }) => ({
        id: manifest.id,
        version: manifest.version,
        status: 'skipped' as const,
        reason,
        ...(seriesInstanceUid ? { seriesInstanceUid } : {}),
      })),
      ...done.map((o) => o.run),
    ];
    const first = study.series[0].instances[0];
    const report = buildReport({
      version: PLATFORM_VERSION,
      study: {
        studyInstanceUid: study.series[0].StudyInstanceUID,
        patientId: first.PatientID ?? '',
        studyDate: first.StudyDate ?? '',
        accessionNumber: first.AccessionNumber ?? '',
      },
      series: study.series.map((s) => ({
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
      })),
      algorithms,
      findings: [
        // Skipped at planning on the series the plugin's own criteria chose (an input nobody can make
        // there): it applies, so what it would have measured is not assessed. A plugin that matched no
        // series does not apply and has no findings.
        ...plan.skipped.flatMap(({ manifest, seriesInstanceUid, reason }) => (seriesInstanceUid ? notAssessedHere(manifest, seriesInstanceUid, reason) : [])),
        ...done.flatMap((o) => o.findings),
      ],
      warnings: [
        ...study.rejected.map((r) => `skipped input ${r.path}: ${r.message}`),
        // how a series was put together (generated UIDs, repeated instances, a stack split from a multi-stack file)
        ...study.series.flatMap((s) => s.warnings.map((w) => `series ${s.SeriesInstanceUID}: ${w}`)),
        ...done.flatMap((o) => o.warnings),
      ],
    });
    return { report, rejected: study.rejected };
  }

  private async runPlanned(runs: PlannedRun[], n: number, outcomes: Array<Promise<RunOutcome>>, study: ScannedStudy, executor: PluginExecutor): Promise<RunOutcome> {
    const { manifest, seriesInstanceUid, inputsFrom, selection } = runs[n];
    const outcome = (run: Omit<AlgorithmRun, 'id' | 'version' | 'seriesInstanceUid'>, rest: Partial<RunOutcome> = {}): RunOutcome => ({
      run: { id: manifest.id, version: manifest.version, seriesInstanceUid, ...(selection ? { selection } : {}), ...run },
      // a run that did not succeed measured nothing it declares
      findings: run.status === 'succeeded' ? [] : notAssessedHere(manifest, seriesInstanceUid, run.status === 'failed' ? `algorithm failed: ${run.reason ?? 'no reason given'}` : (run.reason ?? 'skipped')),
      artifacts: [],
      missing: [],
      warnings: [],
      ...rest,
    });
    const inputs = await Promise.all(
      Object.entries(inputsFrom).map(async ([type, from]) => {
        const { run, artifacts, missing } = await outcomes[from];
        const unavailable = unavailableInputReason(type, run.id, { ...run, missing, produced: artifacts.map((a) => a.type) });
        return { type, artifact: artifacts.find((a) => a.type === type), unavailable };
      }),
    );
    const optional = new Set(manifest.consumes.filter((c) => c.optional).map((c) => c.type));
    const blocked = inputs.filter((i) => i.unavailable && !optional.has(i.type));
    if (blocked.length) return outcome({ status: 'skipped', reason: blocked.map((i) => i.unavailable).join('; ') });
    const warnings = inputs.filter((i) => i.unavailable).map((i) => `${manifest.id}: ran without its optional input: ${i.unavailable}`);
    let volume = study.volumes.get(seriesInstanceUid);
    if (!volume) {
      try {
        volume = await loadVolume(study.series.find((s) => s.SeriesInstanceUID === seriesInstanceUid)!);
        study.volumes.set(seriesInstanceUid, volume);
      } catch (error) {
        const reason = error instanceof PolyradError ? error.toLine() : String(error);
        return outcome({ status: 'failed', reason: `series could not be loaded: ${reason}` });
      }
    }
    const artifacts: Record<string, Artifact> = {};
    for (const { type, artifact, unavailable } of inputs) if (artifact && !unavailable) artifacts[type] = artifact;
    const entry = this.catalog.find((c) => c.manifest.id === manifest.id)!;
    this.log(`running ${manifest.id}@${manifest.version} on series ${seriesInstanceUid}`);
    const fingerprint = study.fingerprints.get(seriesInstanceUid)!;
    const result = await executor.execute({
      packageDir: entry.packageDir,
      manifest,
      series: { seriesInstanceUid, modality: String(fingerprint.Modality ?? ''), volume, fingerprint },
      artifacts,
      config: entry.config ?? {},
      log: this.log,
    });
    return outcome(
      { status: result.status, durationMs: result.durationMs, ...(result.reason ? { reason: result.reason } : {}) },
      result.status === 'succeeded'
        ? {
            artifacts: result.artifacts,
            missing: result.missing,
            warnings: [...warnings, ...result.warnings],
            findings: result.findings.map((f) => ({ ...f, algorithm: { id: manifest.id, version: manifest.version }, seriesInstanceUid })),
          }
        : { warnings: [...warnings, ...result.warnings] },
    );
  }
}
