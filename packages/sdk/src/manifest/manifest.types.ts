import type { Criterion } from '../criteria/criterion.types.js';

/** A versioned output type another plugin can consume, e.g. polyrad.mask.lungs@1.0.0. */
export interface ProducedType {
  type: string;
  version: string;
  description?: string;
  /** JSON Schema of the artifact's metadata (binary payloads such as masks are described by `kind`). */
  schema?: Record<string, unknown>;
  kind?: 'mask' | 'volume' | 'json';
}

/** An input taken from another plugin's output (or from the platform, for polyrad.volume.*). */
export interface ConsumedType {
  type: string;
  /** semver range of acceptable versions, e.g. "^1" */
  range: string;
  optional?: boolean;
}

export interface FindingDeclaration {
  code: string;
  /** the finding's name in the report's impression, e.g. "Left lung volume"; the code when absent */
  label?: string;
  unit: string;
  description?: string;
}

export interface RuntimeLimits {
  timeoutMs: number;
  memoryMb: number;
}

/** What a plugin declares about itself; the platform decides from this alone whether it applies. */
export interface AlgorithmManifest {
  id: string;
  name: string;
  version: string;
  description: string;
  vendor: { id: string; name: string; url?: string };
  /** semver ranges of the SDK and platform versions the plugin works with */
  engines: { sdk: string; polyrad?: string };
  /** module that default-exports the defineAlgorithm() result, relative to the package root */
  entry: string;
  /** which series the plugin can take: all `required` criteria must pass; weights rank candidates */
  series: { criteria: Criterion[] };
  consumes: ConsumedType[];
  produces: ProducedType[];
  findings: FindingDeclaration[];
  /** JSON Schema for per-site configuration */
  config?: Record<string, unknown>;
  limits: RuntimeLimits;
  /** model files shipped with the package, checked against their digests */
  models?: Array<{ path: string; sha256: string; provenance: string }>;
  intendedUse?: string;
}
