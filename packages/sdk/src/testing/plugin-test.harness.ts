import semver from 'semver';
import type { Algorithm, AlgorithmFinding, Artifact, MissingOutput, SeriesInput } from '../algorithm/algorithm.types.js';
import { loadPlugin } from '../algorithm/plugin-loader.js';
import { runPlugin } from '../algorithm/plugin-runner.js';
import type { MatchDecision } from '../criteria/criterion.types.js';
import { matchCriteria } from '../criteria/criteria-matcher.js';
import { notAssessedFindings, unavailableInputReason } from '../report/not-assessed.findings.js';
import { jsonSchemaErrors, validateManifest } from '../manifest/manifest-validator.js';
import { producersOf } from '../manifest/producer.lookup.js';
import type { ModelProvider } from '../onnx/model-session.js';
import type { PackageModels } from '../onnx/package-models.js';
import type { Volume } from '../volume/volume.js';

/**
 * A plugin under test: its package folder (holding manifest.json and the built entry), loaded as the
 * platform loads it, or an Algorithm object (what the entry default-exports).
 */
export type PluginUnderTest = string | Algorithm;

export interface PluginTestInput {
  /**
   * The series' voxels. The SDK does not read DICOM: for a DICOM folder, load it with
   * `loadVolume(groupSeries((await scanDicomInputs([dir])).instances)[0])` from @polyrad/dicom.
   */
  volume: Volume;
  /** header facts the series criteria are matched against; default { Modality: modality } */
  fingerprint?: Record<string, unknown>;
  /** default 'CT' */
  modality?: string;
  seriesInstanceUid?: string;
  /** artifacts to hand to consumers, as if another plugin had produced them on this series */
  artifacts?: Artifact[];
  /** other plugins run first (in order) when what the plugin consumes is not among `artifacts` */
  plugins?: PluginUnderTest[];
  /** per-site configuration, validated against the manifest's config schema */
  config?: Record<string, unknown>;
}

export interface PluginTestOptions {
  /** receives context.log messages */
  log?: (message: string) => void;
  /**
   * `context.model` for an Algorithm object under test; a plugin given by its folder gets the models its
   * manifest lists from that folder (sha256 checked), run in this process with onnxruntime-node
   */
  models?: ModelProvider;
}

export interface PluginTestResult {
  /** 'skipped': the platform would not run it (series criteria, missing input, a failed input plugin) */
  status: 'succeeded' | 'failed' | 'skipped';
  reason?: string;
  /**
   * What it reported; when it applies to the series but was skipped for an input, each declared code not
   * assessed with the reason, as in the platform's report
   */
  findings: AlgorithmFinding[];
  artifacts: Artifact[];
  /** declared outputs it reported it could not make, with the reason (its consumers are skipped for them) */
  missing: MissingOutput[];
  warnings: string[];
  /** every reason the platform would refuse this run or its outputs; empty when it would accept them */
  problems: string[];
  /** the series-criteria decision the platform would make on `fingerprint` */
  match: MatchDecision;
  durationMs: number;
}

/** The folder each plugin given by its folder was loaded from: where its models are. */
const packageDirs = new WeakMap<Algorithm, string>();

async function loadUnderTest(plugin: PluginUnderTest): Promise<Algorithm> {
  if (typeof plugin !== 'string') {
    return { manifest: validateManifest(plugin.manifest, plugin.manifest?.id ?? 'plugin'), run: plugin.run };
  }
  const algorithm = await loadPlugin(plugin);
  packageDirs.set(algorithm, plugin);
  return algorithm;
}

/** Models of plugins loaded from their folders, loaded on first use (onnxruntime-node is imported only then). */
class TestModels {
  private models: PackageModels | undefined;

  constructor(private readonly given: ModelProvider | undefined) {}

  for(algorithm: Algorithm): ModelProvider | undefined {
    const dir = packageDirs.get(algorithm);
    if (!dir) return this.given;
    return async (path) => {
      const { PackageModels } = await import('../onnx/package-models.js');
      this.models ??= new PackageModels();
      return this.models.open(dir, algorithm.manifest, path);
    };
  }

  async release(): Promise<void> {
    await this.models?.release();
  }
}

const onGrid = (artifact: Artifact, volume: Volume) => {
  const [nx, ny, nz] = volume.geometry.dimensions;
  return artifact.kind !== 'mask' || artifact.mask.labels.length === nx * ny * nz;
};

/** One plugin on one series, with its consumed inputs resolved the way the platform plans them. */
async function runResolved(
  algorithm: Algorithm,
  series: SeriesInput,
  available: Artifact[],
  upstream: Algorithm[],
  config: Record<string, unknown>,
  log: (message: string) => void,
  visiting: Set<string>,
  models: TestModels,
): Promise<PluginTestResult> {
  const { manifest } = algorithm;
  const match = matchCriteria(manifest, manifest.series.criteria, series.fingerprint);
  const skipped = (reason: string, findings: AlgorithmFinding[] = []): PluginTestResult => ({ status: 'skipped', reason, findings, artifacts: [], missing: [], warnings: [], problems: [reason], match, durationMs: 0 });
  if (!match.matched) return skipped(`does not apply to this series: ${match.reason}`);
  // From here on it applies to the series: what it could not run for is not assessed, as on the platform.
  const blocked = (reason: string) => skipped(reason, notAssessedFindings(manifest, reason));

  const inputs: Record<string, Artifact> = {};
  for (const consumed of manifest.consumes) {
    const wanted = `${consumed.type}@${consumed.range}`;
    const find = () => available.find((a) => a.type === consumed.type && semver.satisfies(a.version, consumed.range));
    let artifact = find();
    const [producerManifest] = producersOf(upstream.map((p) => p.manifest).filter((m) => m.id !== manifest.id), consumed.type, consumed.range);
    const producer = upstream.find((p) => p.manifest === producerManifest);
    if (!artifact && producer && !visiting.has(producer.manifest.id)) {
      const produced = await runResolved(producer, series, available, upstream, {}, log, new Set([...visiting, manifest.id]), models);
      const unavailable = unavailableInputReason(consumed.type, producer.manifest.id, { ...produced, produced: produced.artifacts.map((a) => a.type) });
      if (unavailable) {
        if (consumed.optional) continue;
        return blocked(unavailable);
      }
      available.push(...produced.artifacts);
      artifact = find();
    }
    if (!artifact) {
      if (consumed.optional) continue;
      const offered = available.find((a) => a.type === consumed.type);
      return blocked(offered ? `${consumed.type}@${offered.version} does not satisfy the consumed range ${consumed.range}` : `no plugin or artifact provides ${wanted}`);
    }
    if (!onGrid(artifact, series.volume)) return blocked(`input mask ${artifact.type} is not on the series grid`);
    inputs[consumed.type] = artifact;
  }

  const badConfig = manifest.config ? jsonSchemaErrors(manifest.config, config).map((p) => `config ${p}`) : [];
  if (badConfig.length) {
    return { status: 'failed', reason: `invalid configuration: ${badConfig.join('; ')}`, findings: [], artifacts: [], missing: [], warnings: [], problems: badConfig, match, durationMs: 0 };
  }

  const result = await runPlugin(algorithm, series, inputs, config, log, models.for(algorithm));
  const problems = result.problems ?? (result.reason ? [result.reason] : []);
  if (result.status === 'succeeded' && result.durationMs > manifest.limits.timeoutMs) {
    // In-process runs cannot be stopped; the platform's worker would have been killed at the limit.
    const reason = `took ${result.durationMs} ms, over limits.timeoutMs ${manifest.limits.timeoutMs}: the platform would stop it`;
    return { ...result, status: 'failed', reason, findings: [], artifacts: [], missing: [], problems: [reason], match };
  }
  return { ...result, problems, match };
}

/**
 * Runs a plugin as the platform would, in this process: validates its manifest, matches its series
 * criteria against the fingerprint, resolves what it consumes by type and semver range (from
 * `input.artifacts`, or by running `input.plugins` first), runs it, and validates its outputs against
 * the manifest (declared codes and units, the report's finding rules, produced types, versions, kinds,
 * schemas, mask grids). Memory limits are only enforced by the platform's worker processes.
 */
export async function runPluginForTest(plugin: PluginUnderTest, input: PluginTestInput, options: PluginTestOptions = {}): Promise<PluginTestResult> {
  const algorithm = await loadUnderTest(plugin);
  const upstream = await Promise.all((input.plugins ?? []).map(loadUnderTest));
  const modality = input.modality ?? String(input.fingerprint?.Modality ?? 'CT');
  const series: SeriesInput = {
    seriesInstanceUid: input.seriesInstanceUid ?? '2.25.1',
    modality,
    volume: input.volume,
    fingerprint: input.fingerprint ?? { Modality: modality },
  };
  const models = new TestModels(options.models);
  try {
    return await runResolved(algorithm, series, [...(input.artifacts ?? [])], upstream, input.config ?? {}, options.log ?? (() => undefined), new Set(), models);
  } finally {
    await models.release();
  }
}
