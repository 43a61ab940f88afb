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

/** A measurement a plugin reports; the platform adds algorithm and series before it enters report.json. */
export interface AlgorithmFinding {
  code: string;
  value: number | string;
  unit: string;
  category?: string;
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

export interface AlgorithmOutputs {
  artifacts?: Artifact[];
  findings?: AlgorithmFinding[];
  warnings?: string[];
}

export interface AlgorithmContext {
  log(message: string): void;
}

export interface AlgorithmImplementation {
  run(inputs: AlgorithmInputs, context: AlgorithmContext): AlgorithmOutputs | Promise<AlgorithmOutputs>;
}

export interface Algorithm extends AlgorithmImplementation {
  manifest: AlgorithmManifest;
}
