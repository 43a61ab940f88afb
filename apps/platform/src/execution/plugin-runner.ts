import semver from 'semver';
import {
  PolyradError,
  type Algorithm,
  type AlgorithmFinding,
  type AlgorithmOutputs,
  type Artifact,
  type SeriesInput,
} from '@polyrad/sdk';

export interface RunResult {
  status: 'succeeded' | 'failed';
  reason?: string;
  durationMs: number;
  artifacts: Artifact[];
  findings: AlgorithmFinding[];
  warnings: string[];
}

/**
 * Checks outputs against what the manifest declares before anything downstream uses them. Only the
 * manifest is read, so the parent process can re-check what a worker sent back without loading plugin code.
 */
export function outputProblems(algorithm: Pick<Algorithm, 'manifest'>, outputs: AlgorithmOutputs, series: SeriesInput): string[] {
  const { manifest } = algorithm;
  const problems: string[] = [];
  const codes = new Set(manifest.findings.map((f) => f.code));
  for (const finding of outputs.findings ?? []) {
    if (!codes.has(finding.code)) problems.push(`finding code ${finding.code} is not declared in the manifest`);
    if (typeof finding.value === 'number' && !Number.isFinite(finding.value)) problems.push(`finding ${finding.code} has a non-finite value`);
  }
  for (const artifact of outputs.artifacts ?? []) {
    const declared = manifest.produces.find((p) => p.type === artifact.type);
    if (!declared) problems.push(`artifact ${artifact.type} is not declared in produces`);
    else if (!semver.eq(declared.version, artifact.version)) problems.push(`artifact ${artifact.type}@${artifact.version} differs from declared ${declared.version}`);
    if (artifact.kind === 'mask') {
      const [nx, ny, nz] = series.volume.geometry.dimensions;
      if (artifact.mask.labels.length !== nx * ny * nz) problems.push(`mask ${artifact.type} does not match the series grid`);
    }
  }
  for (const produced of manifest.produces) {
    if (!(outputs.artifacts ?? []).some((a) => a.type === produced.type)) problems.push(`declared output ${produced.type} was not produced`);
  }
  return problems;
}

/**
 * Runs one plugin in the current process and validates its outputs. Only plugin-worker.ts calls this,
 * inside an isolated child process; the platform itself goes through a PluginExecutor
 * (LocalProcessExecutor), which adds the process boundary, the timeout and the memory cap.
 */
export async function runPlugin(
  algorithm: Algorithm,
  series: SeriesInput,
  artifacts: Record<string, Artifact>,
  config: Record<string, unknown> = {},
  log: (message: string) => void = () => undefined,
): Promise<RunResult> {
  const started = performance.now();
  const warnings: string[] = [];
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const outputs = await algorithm.run({ series, artifacts, config }, { log: (m) => log(`${algorithm.manifest.id}: ${m}`) });
    const problems = outputProblems(algorithm, outputs ?? {}, series);
    if (problems.length) {
      return { status: 'failed', reason: `invalid output: ${problems.join('; ')}`, durationMs: elapsed(), artifacts: [], findings: [], warnings };
    }
    return {
      status: 'succeeded',
      durationMs: elapsed(),
      artifacts: outputs.artifacts ?? [],
      findings: outputs.findings ?? [],
      warnings: [...warnings, ...(outputs.warnings ?? []).map((w) => `${algorithm.manifest.id}: ${w}`)],
    };
  } catch (error) {
    const reason = error instanceof PolyradError ? error.toLine() : `threw ${(error as Error)?.name ?? 'error'}: ${(error as Error)?.message ?? String(error)}`;
    return { status: 'failed', reason, durationMs: elapsed(), artifacts: [], findings: [], warnings };
  }
}
