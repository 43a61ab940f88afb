import { PolyradError, unavailableInputReason, type AlgorithmRun, type Artifact, type MissingOutput, type ReportFinding, type Volume } from '@polyrad/sdk';
import { loadVolume } from '@polyrad/dicom';
import type { ExecutionPlan, PlannedRun } from '../planning/execution-planner.js';
import type { CatalogEntry } from '../planning/plugin-catalog.js';
import { notAssessedHere, onSeries } from '../report/series-findings.js';
import type { ScannedStudy } from '../study.scanner.js';
import { redactDiagnostics, type RunDiagnostics } from './diagnostics.redactor.js';
import type { PluginExecutor } from './plugin-executor.js';

/** What one planned run ended with; plan order is kept when they are merged into the report. */
export interface RunOutcome {
  run: AlgorithmRun;
  findings: ReportFinding[];
  artifacts: Artifact[];
  /** declared outputs the run could not make, with the reason */
  missing: MissingOutput[];
  warnings: string[];
  /** a failed run's stack and stderr, without patient data or paths outside the plugin package (for its vendor only, never in a report) */
  diagnostics?: RunDiagnostics;
}

/** Where one planned run is: waiting (for its inputs or a free worker), handed to the executor, or ended with a status. */
export interface RunProgress {
  pluginId: string;
  version: string;
  seriesInstanceUid: string;
  state: 'queued' | 'running' | 'done';
  /** once done */
  status?: AlgorithmRun['status'];
}

/** Called with every run's progress, in plan order, whenever one changes. */
export type ProgressListener = (runs: RunProgress[]) => void;

interface RunContext {
  catalog: CatalogEntry[];
  study: ScannedStudy;
  executor: PluginExecutor;
  log: (message: string) => void;
  /** one per planned run, in plan order; a run awaits those of its inputs */
  outcomes: Array<Promise<RunOutcome>>;
  progress: RunProgress[];
  onProgress: ProgressListener;
}

interface ResolvedInput {
  type: string;
  artifact?: Artifact;
  /** why the producer's output cannot be used */
  unavailable?: string;
}

/**
 * The run step: every planned run in a worker process, independent runs in parallel up to the executor's
 * worker limit. The executor is closed when all have ended.
 */
export async function runPlan(plan: ExecutionPlan, study: ScannedStudy, catalog: CatalogEntry[], executor: PluginExecutor, log: (message: string) => void, onProgress: ProgressListener = () => undefined): Promise<RunOutcome[]> {
  const progress = plan.runs.map(({ manifest, seriesInstanceUid }): RunProgress => ({ pluginId: manifest.id, version: manifest.version, seriesInstanceUid, state: 'queued' }));
  const context: RunContext = { catalog, study, executor, log, outcomes: [], progress, onProgress };
  onProgress(progress.map((p) => ({ ...p })));
  try {
    // The plan is topologically ordered, so every input's promise exists before its consumer starts.
    plan.runs.forEach((planned, index) =>
      context.outcomes.push(
        runPlanned(planned, context, index).then((outcome) => {
          report(context, index, { state: 'done', status: outcome.run.status });
          return outcome;
        }),
      ),
    );
    await Promise.all(context.outcomes);
  } finally {
    await executor.close();
  }
  return Promise.all(context.outcomes);
}

function report(context: RunContext, index: number, change: Partial<RunProgress>): void {
  Object.assign(context.progress[index], change);
  context.onProgress(context.progress.map((p) => ({ ...p })));
}

/** A run's outcome; a run that did not succeed measured nothing it declares, so its findings are not assessed. */
function outcomeOf({ manifest, seriesInstanceUid, selection }: PlannedRun, run: Omit<AlgorithmRun, 'id' | 'version' | 'seriesInstanceUid'>, rest: Partial<RunOutcome> = {}): RunOutcome {
  const reason = run.status === 'failed' ? `algorithm failed: ${run.reason ?? 'no reason given'}` : (run.reason ?? 'skipped');
  return {
    run: { id: manifest.id, version: manifest.version, seriesInstanceUid, ...(selection ? { selection } : {}), ...run },
    findings: run.status === 'succeeded' ? [] : notAssessedHere(manifest, seriesInstanceUid, reason),
    artifacts: [],
    missing: [],
    warnings: [],
    ...rest,
  };
}

/** Each consumed type with the artifact its producer made, or why it is unavailable. */
function resolveInputs({ inputsFrom }: PlannedRun, outcomes: Array<Promise<RunOutcome>>): Promise<ResolvedInput[]> {
  return Promise.all(
    Object.entries(inputsFrom).map(async ([type, from]) => {
      const { run, artifacts, missing } = await outcomes[from];
      const unavailable = unavailableInputReason(type, run.id, { ...run, missing, produced: artifacts.map((a) => a.type) });
      return { type, artifact: artifacts.find((a) => a.type === type), unavailable };
    }),
  );
}

/** The series' volume, read now unless fingerprinting already did; a string says why it cannot be read. */
async function volumeOf(study: ScannedStudy, seriesInstanceUid: string): Promise<Volume | string> {
  const loaded = study.volumes.get(seriesInstanceUid);
  if (loaded) return loaded;
  try {
    const volume = await loadVolume(study.series.find((s) => s.SeriesInstanceUID === seriesInstanceUid)!);
    study.volumes.set(seriesInstanceUid, volume);
    return volume;
  } catch (error) {
    return error instanceof PolyradError ? error.toLine() : String(error);
  }
}

async function runPlanned(planned: PlannedRun, context: RunContext, index: number): Promise<RunOutcome> {
  const { manifest, seriesInstanceUid } = planned;
  const inputs = await resolveInputs(planned, context.outcomes);
  const optional = new Set(manifest.consumes.filter((c) => c.optional).map((c) => c.type));
  const blocked = inputs.filter((i) => i.unavailable && !optional.has(i.type));
  if (blocked.length) return outcomeOf(planned, { status: 'skipped', reason: blocked.map((i) => i.unavailable).join('; ') });
  const warnings = inputs.filter((i) => i.unavailable).map((i) => `${manifest.id}: ran without its optional input: ${i.unavailable}`);
  const volume = await volumeOf(context.study, seriesInstanceUid);
  if (typeof volume === 'string') return outcomeOf(planned, { status: 'failed', reason: `series could not be loaded: ${volume}` });
  const artifacts: Record<string, Artifact> = {};
  for (const { type, artifact, unavailable } of inputs) if (artifact && !unavailable) artifacts[type] = artifact;
  const entry = context.catalog.find((c) => c.manifest.id === manifest.id)!;
  context.log(`running ${manifest.id}@${manifest.version} on series ${seriesInstanceUid}`);
  const fingerprint = context.study.fingerprints.get(seriesInstanceUid)!;
  report(context, index, { state: 'running' });
  const result = await context.executor.execute({
    packageDir: entry.packageDir,
    manifest,
    series: { seriesInstanceUid, modality: String(fingerprint.Modality ?? ''), volume, fingerprint },
    artifacts,
    config: entry.config ?? {},
    log: context.log,
  });
  const ended = { status: result.status, durationMs: result.durationMs, ...(result.reason ? { reason: result.reason } : {}) };
  const allWarnings = [...warnings, ...result.warnings];
  if (result.status === 'succeeded') {
    return outcomeOf(planned, ended, { artifacts: result.artifacts, missing: result.missing, warnings: allWarnings, findings: onSeries(result.findings, manifest, seriesInstanceUid) });
  }
  const diagnostics = redactDiagnostics({ stack: result.stack, stderr: result.stderr }, studyIdentifiers(context.study), entry.packageDir);
  return outcomeOf(planned, ended, { warnings: allWarnings, ...(diagnostics ? { diagnostics } : {}) });
}

/** Every patient and visit identifier in the study's headers, to be kept out of diagnostics. */
function studyIdentifiers(study: ScannedStudy): string[] {
  return [...new Set(study.series.flatMap((s) => s.instances.flatMap((i) => [i.PatientName, i.PatientID, i.AccessionNumber, i.IssuerOfPatientID ?? ''])))].filter(Boolean);
}
