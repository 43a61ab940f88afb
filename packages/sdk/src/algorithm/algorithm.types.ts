import type { ModelSession } from '../onnx/model-session.js';
import type { IndeterminateCategory } from './borderline-category.js';
import type { AlgorithmManifest } from '../manifest/manifest.types.js';
import type { LabelMask, Vec3, Volume } from '../volume/volume.js';

/** An output passed between plugins, keyed by its versioned type id (e.g. polyrad.mask.lungs). */
export type Artifact =
  | { kind: 'mask'; type: string; version: string; mask: LabelMask; meta?: Record<string, unknown> }
  | { kind: 'volume'; type: string; version: string; volume: Volume; meta?: Record<string, unknown> }
  | { kind: 'json'; type: string; version: string; data: Record<string, unknown> };

/** The reference range a value is judged against, and where the range comes from. */
export interface ReferenceRange {
  min?: number;
  max?: number;
  text: string;
  source: string;
}

/**
 * Whether a finding is a measurement or an explicit "could not measure" (DESIGN.md, report.json).
 * A negative or normal statement ("Lung-RADS 1", "CAC 0") is a measured finding, never a default.
 */
export type FindingAssessment = 'measured' | 'not-assessed';

/** A measurement a plugin reports; the platform adds algorithm and series before it enters report.json. */
export interface AlgorithmFinding {
  code: string;
  /** absent means "measured"; the platform writes it into every report finding */
  assessment?: FindingAssessment;
  /** null exactly when not assessed */
  value: number | string | null;
  unit: string;
  /** why it was not assessed, in words a radiologist can act on (which check failed, what was seen) */
  reason?: string;
  category?: string;
  /**
   * The value lies within the measurement error of a category cut-off (categoriseMeasurement): `category`
   * then says "borderline a/b" and neither category is stated.
   */
  indeterminate?: IndeterminateCategory;
  reference?: ReferenceRange;
  center?: Vec3;
  /**
   * The plugin's judgement that the finding is abnormal, for values a numeric range cannot judge
   * (a Lung-RADS 4A category, a fracture grade); when absent, the value is checked against `reference`.
   */
  abnormal?: boolean;
  [extra: string]: unknown;
}

export interface SeriesInput {
  seriesInstanceUid: string;
  modality: string;
  volume: Volume;
  fingerprint: Record<string, unknown>;
}

export interface AlgorithmInputs {
  series: SeriesInput;
  /** what the manifest consumes, by type id */
  artifacts: Record<string, Artifact>;
  config: Record<string, unknown>;
}

/**
 * A declared output the plugin could not make (a heart it could not find), with the reason. Plugins
 * consuming it are skipped with that reason and their findings reported as not assessed; a declared
 * output that is neither produced nor listed here makes the run fail as invalid output.
 */
export interface MissingOutput {
  type: string;
  reason: string;
}

export interface AlgorithmOutputs {
  artifacts?: Artifact[];
  missing?: MissingOutput[];
  findings?: AlgorithmFinding[];
  warnings?: string[];
}

export interface AlgorithmContext {
  log(message: string): void;
  /**
   * The session of a model the manifest lists (`models[].path`), loaded once per worker and reused across
   * studies. The platform runs it outside the plugin sandbox (which refuses native code) after checking the
   * file's sha256; a model not listed, missing or altered is a PolyradError MODEL_LOAD_FAILED. The platform
   * and runPluginForTest always give it; it is absent only where a test calls `run` directly.
   */
  model?(path: string): Promise<ModelSession>;
}

export interface AlgorithmImplementation {
  run(inputs: AlgorithmInputs, context: AlgorithmContext): AlgorithmOutputs | Promise<AlgorithmOutputs>;
}

export interface Algorithm extends AlgorithmImplementation {
  manifest: AlgorithmManifest;
}
