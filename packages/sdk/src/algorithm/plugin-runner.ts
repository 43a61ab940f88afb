import Ajv2020 from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import semver from 'semver';
import { PolyradError } from '../errors.js';
import { MODEL_LOAD_FAILED, type ModelProvider } from '../onnx/model-session.js';
import { reportSchema } from '../report/report.schema.js';
import type { Algorithm, AlgorithmFinding, AlgorithmOutputs, Artifact, MissingOutput, SeriesInput } from './algorithm.types.js';

export interface RunResult {
  status: 'succeeded' | 'failed';
  reason?: string;
  durationMs: number;
  artifacts: Artifact[];
  findings: AlgorithmFinding[];
  /** declared outputs the plugin could not make, with the reason */
  missing: MissingOutput[];
  warnings: string[];
  /** each thing wrong with the outputs, when they were refused (the reason joins them) */
  problems?: string[];
  /** the stack of the error the plugin threw: for its vendor's diagnostics, never put in a report */
  stack?: string;
}

/**
 * The rules report.json sets for one finding, without what the platform adds afterwards (algorithm,
 * seriesInstanceUid): a plugin's finding that breaks them would break the report it lands in.
 */
const reportFinding = reportSchema.properties.findings.items;
const addedByPlatform = new Set(['algorithm', 'seriesInstanceUid', 'assessment']);
// typed by name: the type TypeScript infers from the filtered entries is a union whose order varies from
// build to build, which would make the checked-in API report differ on a clean checkout
export const algorithmFindingSchema: Readonly<Record<string, unknown>> = {
  type: 'object',
  required: reportFinding.required.filter((key) => !addedByPlatform.has(key)),
  if: reportFinding.if,
  dependentRequired: reportFinding.dependentRequired,
  then: reportFinding.then,
  else: reportFinding.else,
  properties: Object.fromEntries(Object.entries(reportFinding.properties).filter(([key]) => key !== 'algorithm' && key !== 'seriesInstanceUid' && key !== 'review')),
};

// Compiled on first use, so plugin workers that only run code pay nothing at import.
let ajv: Ajv2020.default | undefined;
let validateFinding: ValidateFunction | undefined;
const schemaValidators = new WeakMap<object, ValidateFunction>();
function compiled(schema: object): ValidateFunction {
  ajv ??= new Ajv2020.default({ allErrors: true, strict: false });
  let validate = schemaValidators.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    schemaValidators.set(schema, validate);
  }
  return validate;
}

function schemaProblems(validate: ValidateFunction, value: unknown, what: string): string[] {
  return validate(value) ? [] : (validate.errors ?? []).map((e) => `${what}${e.instancePath} ${e.message ?? 'is invalid'}`);
}


/**
 * Checks outputs against what the manifest declares before anything downstream uses them: findings
 * follow the report's finding rules and use a declared code with its declared unit; artifacts are
 * declared in `produces` (type, version, kind), their data/meta match the declared schema and masks lie
 * on the series grid; every declared output is there. Only the manifest is read, so the platform can
 * re-check what a worker process sent back without loading plugin code.
 */
export function outputProblems(algorithm: Pick<Algorithm, 'manifest'>, outputs: AlgorithmOutputs, series: SeriesInput): string[] {
  const { manifest } = algorithm;
  const problems: string[] = [];
  const declaredUnits = new Map(manifest.findings.map((f) => [f.code, f.unit]));
  validateFinding ??= compiled(algorithmFindingSchema);
  const findings: unknown = outputs.findings ?? [];
  const artifacts: unknown = outputs.artifacts ?? [];
  if (!Array.isArray(findings)) return ['findings must be a list'];
  if (!Array.isArray(artifacts)) return ['artifacts must be a list'];
  for (const [n, finding] of (findings as AlgorithmFinding[]).entries()) {
    const label = `finding ${typeof finding?.code === 'string' ? finding.code : `#${n}`}`;
    const shape = schemaProblems(validateFinding, finding, `${label} `);
    if (shape.length) {
      problems.push(...shape);
      continue;
    }
    const unit = declaredUnits.get(finding.code);
    if (unit === undefined) problems.push(`finding code ${finding.code} is not declared in the manifest`);
    else if (unit !== finding.unit) problems.push(`${label} has unit "${finding.unit}" but the manifest declares "${unit}"`);
    if (typeof finding.value === 'number' && !Number.isFinite(finding.value)) problems.push(`finding ${finding.code} has a non-finite value`);
    if ('review' in finding) problems.push(`${label} has a review: only a radiologist reviews a finding`);
  }
  for (const artifact of artifacts as Artifact[]) {
    const declared = manifest.produces.find((p) => p.type === artifact?.type);
    if (!declared) {
      problems.push(`artifact ${String(artifact?.type)} is not declared in produces`);
      continue;
    }
    if (typeof artifact.version !== 'string' || !semver.valid(artifact.version) || !semver.eq(declared.version, artifact.version)) {
      problems.push(`artifact ${artifact.type}@${String(artifact.version)} differs from declared ${declared.version}`);
    }
    if (declared.kind && artifact.kind !== declared.kind) problems.push(`artifact ${artifact.type} is a ${String(artifact.kind)}, declared as ${declared.kind}`);
    if (artifact.kind === 'mask') {
      const [nx, ny, nz] = series.volume.geometry.dimensions;
      if (artifact.mask?.labels?.length !== nx * ny * nz) problems.push(`mask ${artifact.type} does not match the series grid`);
    }
    if (declared.schema) {
      const payload = artifact.kind === 'json' ? artifact.data : (artifact.meta ?? {});
      problems.push(...schemaProblems(compiled(declared.schema), payload, `artifact ${artifact.type} ${artifact.kind === 'json' ? 'data' : 'meta'}`));
    }
  }
  const missing: unknown = outputs.missing ?? [];
  if (!Array.isArray(missing)) return [...problems, 'missing must be a list'];
  for (const entry of missing as MissingOutput[]) {
    if (!manifest.produces.some((p) => p.type === entry?.type)) problems.push(`missing output ${String(entry?.type)} is not declared in produces`);
    else if (typeof entry.reason !== 'string' || !entry.reason.trim()) problems.push(`missing output ${entry.type} needs a reason`);
    else if ((artifacts as Artifact[]).some((a) => a?.type === entry.type)) problems.push(`output ${entry.type} is both produced and missing`);
  }
  for (const produced of manifest.produces) {
    const made = (artifacts as Artifact[]).some((a) => a?.type === produced.type) || (missing as MissingOutput[]).some((m) => m?.type === produced.type);
    if (!made) problems.push(`declared output ${produced.type} was neither produced nor reported missing with a reason`);
  }
  return problems;
}

/** Where no model runtime is given (an Algorithm object under test without a package folder). */
const noModels: ModelProvider = (path) => Promise.reject(new PolyradError(MODEL_LOAD_FAILED, 'no model runtime is available to this run', String(path)));

/**
 * Runs one plugin in the current process and validates its outputs. The platform calls this only
 * inside an isolated worker process (which adds the timeout and memory cap); @polyrad/sdk/testing calls
 * it directly, so a vendor's test checks outputs exactly as the platform will.
 */
export async function runPlugin(
  algorithm: Algorithm,
  series: SeriesInput,
  artifacts: Record<string, Artifact>,
  config: Record<string, unknown> = {},
  log: (message: string) => void = () => undefined,
  models: ModelProvider = noModels,
): Promise<RunResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const failed = (reason: string, problems?: string[], stack?: string): RunResult => ({
    status: 'failed',
    reason,
    durationMs: elapsed(),
    artifacts: [],
    findings: [],
    missing: [],
    warnings: [],
    ...(problems ? { problems } : {}),
    ...(stack ? { stack } : {}),
  });
  try {
    const outputs = (await algorithm.run({ series, artifacts, config }, { log: (m) => log(`${algorithm.manifest.id}: ${m}`), model: models })) ?? {};
    const problems = outputProblems(algorithm, outputs, series);
    if (problems.length) return failed(`invalid output: ${problems.join('; ')}`, problems);
    return {
      status: 'succeeded',
      durationMs: elapsed(),
      artifacts: outputs.artifacts ?? [],
      findings: outputs.findings ?? [],
      missing: outputs.missing ?? [],
      warnings: (outputs.warnings ?? []).map((w) => `${algorithm.manifest.id}: ${w}`),
    };
  } catch (error) {
    const stack = typeof (error as Error)?.stack === 'string' ? (error as Error).stack : undefined;
    return failed(error instanceof PolyradError ? error.toLine() : `threw ${(error as Error)?.name ?? 'error'}: ${(error as Error)?.message ?? String(error)}`, undefined, stack);
  }
}
