import {
  matchCriteria,
  PolyradError,
  type AlgorithmRun,
  type Artifact,
  type MatchDecision,
  type Report,
  type ReportFinding,
  type Volume,
} from '@polyrad/sdk';
import { groupSeries, loadVolume, scanDicomInputs, type DicomSeries } from '@polyrad/dicom';
import { planExecution } from '../dispatch/execution-planner.js';
import { fingerprintSeries, type SeriesFingerprint } from '../dispatch/series-fingerprint.js';
import type { CatalogEntry } from '../dispatch/plugin-catalog.js';
import { LocalProcessExecutor } from '../execution/local-process.executor.js';
import type { PluginExecutor } from '../execution/plugin-executor.js';
import { buildReport } from '../reports/report.builder.js';
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
  rejected: RejectedInput[];
}

/** Thin slices and more of them make the better candidate when scores tie. */
function seriesRank(fingerprint: SeriesFingerprint): number {
  const thickness = Number(fingerprint.SliceThickness) || Number(fingerprint.sliceSpacingMm) || 10;
  return Number(fingerprint.sliceCount ?? 0) / thickness;
}

/**
 * The whole pipeline on local files: read, fingerprint, match, plan, run, merge into one report.
 * Used by `polyrad analyze` and `polyrad explain`.
 */
export class AnalysisService {
  constructor(
    private readonly catalog: CatalogEntry[],
    private readonly log: (message: string) => void = () => undefined,
    /** plugin code runs here, never in this process */
    private readonly executor: () => PluginExecutor = () => new LocalProcessExecutor(),
  ) {}

  private async scan(paths: string[]): Promise<ScannedStudy> {
    const { instances, rejected } = await scanDicomInputs(paths);
    const series = groupSeries(instances);
    const fingerprints = new Map(series.map((s) => [s.SeriesInstanceUID, fingerprintSeries(s.instances)]));
    return { series, fingerprints, rejected };
  }

  private decide(study: ScannedStudy): Map<string, MatchDecision[]> {
    return new Map(
      study.series.map((s) => [
        s.SeriesInstanceUID,
        this.catalog.map(({ manifest }) => matchCriteria(manifest, manifest.series.criteria, study.fingerprints.get(s.SeriesInstanceUID)!)),
      ]),
    );
  }

  async explain(paths: string[]): Promise<{ series: SeriesExplanation[]; rejected: RejectedInput[] }> {
    const study = await this.scan(paths);
    const decisions = this.decide(study);
    return {
      rejected: study.rejected,
      series: study.series.map((s) => ({
        seriesInstanceUid: s.SeriesInstanceUID,
        studyInstanceUid: s.StudyInstanceUID,
        fingerprint: study.fingerprints.get(s.SeriesInstanceUID)!,
        decisions: decisions.get(s.SeriesInstanceUID)!,
      })),
    };
  }

  async analyze(paths: string[]): Promise<AnalysisResult> {
    const study = await this.scan(paths);
    if (study.series.length === 0) {
      throw new UnusableInputError('no usable DICOM image series in the input', study.rejected);
    }
    const studies = [...new Set(study.series.map((s) => s.StudyInstanceUID))];
    if (studies.length > 1) {
      throw new UnusableInputError(`the input holds ${studies.length} studies (${studies.join(', ')}); analyze one study at a time`, study.rejected);
    }
    const decisions = this.decide(study);
    const plan = planExecution(
      this.catalog.map((c) => c.manifest),
      decisions,
      (uid) => seriesRank(study.fingerprints.get(uid)!),
    );

    const algorithms: AlgorithmRun[] = plan.skipped.map(({ manifest, seriesInstanceUid, reason }) => ({
      id: manifest.id,
      version: manifest.version,
      status: 'skipped',
      reason,
      ...(seriesInstanceUid ? { seriesInstanceUid } : {}),
    }));
    const findings: ReportFinding[] = [];
    const warnings = study.rejected.map((r) => `skipped input ${r.path}: ${r.message}`);
    const produced: Array<Artifact[] | undefined> = [];
    const volumes = new Map<string, Volume>();
    const failedRuns = new Set<number>();

    const executor = this.executor();
    try {
      for (const [n, run] of plan.runs.entries()) {
        const { manifest, seriesInstanceUid } = run;
        const blocked = Object.values(run.inputsFrom).filter((i) => failedRuns.has(i));
        if (blocked.length) {
          failedRuns.add(n);
          algorithms.push({ id: manifest.id, version: manifest.version, status: 'skipped', seriesInstanceUid, reason: `an input plugin failed: ${blocked.map((i) => plan.runs[i].manifest.id).join(', ')}` });
          continue;
        }
        const series = study.series.find((s) => s.SeriesInstanceUID === seriesInstanceUid)!;
        let volume = volumes.get(seriesInstanceUid);
        if (!volume) {
          try {
            volume = await loadVolume(series);
          } catch (error) {
            failedRuns.add(n);
            const reason = error instanceof PolyradError ? error.toLine() : String(error);
            algorithms.push({ id: manifest.id, version: manifest.version, status: 'failed', seriesInstanceUid, reason: `series could not be loaded: ${reason}` });
            continue;
          }
          volumes.set(seriesInstanceUid, volume);
        }
        const artifacts: Record<string, Artifact> = {};
        for (const [type, from] of Object.entries(run.inputsFrom)) {
          const artifact = produced[from]?.find((a) => a.type === type);
          if (artifact) artifacts[type] = artifact;
        }
        const entry = this.catalog.find((c) => c.manifest.id === manifest.id)!;
        this.log(`running ${manifest.id}@${manifest.version} on series ${seriesInstanceUid}`);
        const fingerprint = study.fingerprints.get(seriesInstanceUid)!;
        const result = await executor.execute({
          packageDir: entry.packageDir,
          manifest,
          series: { seriesInstanceUid, modality: String(fingerprint.Modality ?? ''), volume, fingerprint },
          artifacts,
          config: {},
          log: this.log,
        });
        produced[n] = result.artifacts;
        if (result.status === 'failed') failedRuns.add(n);
        warnings.push(...result.warnings);
        algorithms.push({
          id: manifest.id,
          version: manifest.version,
          status: result.status,
          seriesInstanceUid,
          durationMs: result.durationMs,
          ...(result.reason ? { reason: result.reason } : {}),
        });
        findings.push(...result.findings.map((f) => ({ ...f, algorithm: { id: manifest.id, version: manifest.version }, seriesInstanceUid })));
      }
    } finally {
      await executor.close();
    }

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
      })),
      algorithms,
      findings,
      warnings,
    });
    return { report, rejected: study.rejected };
  }
}
