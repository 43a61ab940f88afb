import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import semver from 'semver';
import { PolyradError } from '../errors.js';
import { SERIES_FINGERPRINT_FIELDS } from '../criteria/series-fingerprint.js';
import { SDK_VERSION } from '../version.js';
import { manifestSchema } from './manifest.schema.js';
import type { AlgorithmManifest } from './manifest.types.js';

// Compiled on first use: plugin workers import the SDK but rarely validate, and compiling costs ~0.2 s.
let ajv: Ajv2020.default | undefined;
let validateShape: ValidateFunction | undefined;
function validator(): { ajv: Ajv2020.default; validateShape: ValidateFunction } {
  ajv ??= new Ajv2020.default({ allErrors: true, strict: false });
  validateShape ??= ajv.compile(manifestSchema);
  return { ajv, validateShape };
}

export interface EngineVersions {
  sdk: string;
  polyrad?: string;
}

/**
 * Validates a parsed manifest: its shape (JSON Schema), then what a schema cannot say: ranges are
 * valid semver, the engines accept the running SDK/platform, regexes compile, output schemas compile.
 * Throws PolyradError MANIFEST_INVALID naming `source` and every problem found.
 */
export function validateManifest(
  data: unknown,
  source: string,
  engines: EngineVersions = { sdk: SDK_VERSION },
): AlgorithmManifest {
  const problems: string[] = [];
  const { ajv, validateShape } = validator();
  if (!validateShape(data)) {
    for (const e of validateShape.errors ?? []) {
      problems.push(`${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
    }
    throw new PolyradError('MANIFEST_INVALID', `invalid manifest: ${problems.join('; ')}`, source);
  }
  const manifest = data as unknown as AlgorithmManifest;
  for (const [engine, range] of Object.entries(manifest.engines)) {
    const running = engines[engine as keyof EngineVersions];
    if (!semver.validRange(range)) problems.push(`/engines/${engine} "${range}" is not a semver range`);
    else if (running && !semver.satisfies(running, range)) {
      problems.push(`/engines/${engine} "${range}" does not accept the running ${engine} ${running}`);
    }
  }
  manifest.consumes.forEach((c, n) => {
    if (!semver.validRange(c.range)) problems.push(`/consumes/${n}/range "${c.range}" is not a semver range`);
  });
  problems.push(...criterionFieldProblems(manifest));
  manifest.series.criteria.forEach((c, n) => {
    if (c.op !== 'regex') return;
    try {
      new RegExp(c.value, c.flags);
    } catch (error) {
      problems.push(`/series/criteria/${n}/value is not a valid regex: ${(error as Error).message}`);
    }
  });
  manifest.produces.forEach((p, n) => {
    if (!p.schema) return;
    try {
      ajv.compile(p.schema);
    } catch (error) {
      problems.push(`/produces/${n}/schema does not compile: ${(error as Error).message}`);
    }
  });
  if (manifest.config) {
    try {
      ajv.compile(manifest.config);
    } catch (error) {
      problems.push(`/config does not compile: ${(error as Error).message}`);
    }
  }
  if (problems.length > 0) {
    throw new PolyradError('MANIFEST_INVALID', `invalid manifest: ${problems.join('; ')}`, source);
  }
  return manifest;
}

const KNOWN_FIELDS = new Set<string>(SERIES_FINGERPRINT_FIELDS);
/** Instance criteria read each instance's header, whose attributes are DICOM keywords (ImageType, KVP). */
const DICOM_KEYWORD = /^[A-Z][A-Za-z0-9]*$/;

/** A criterion on a field the platform never fills would silently never match. */
function criterionFieldProblems(manifest: AlgorithmManifest): string[] {
  return manifest.series.criteria.flatMap(({ field, instances }, n) => {
    if (instances) {
      return DICOM_KEYWORD.test(field) ? [] : [`/series/criteria/${n}/field "${field}" is not a DICOM keyword; criteria with "instances" read each instance's header attributes (e.g. ImageType)`];
    }
    return KNOWN_FIELDS.has(field) ? [] : [`/series/criteria/${n}/field "${field}" is not a series fingerprint field; known fields: ${SERIES_FINGERPRINT_FIELDS.join(', ')}`];
  });
}

/**
 * Problems of a value against a JSON Schema such as a manifest's `config` (per-site configuration);
 * [] when it is valid. Throws when the schema itself does not compile.
 */
export function jsonSchemaErrors(schema: Record<string, unknown>, value: unknown): string[] {
  const { ajv } = validator();
  const validate = ajv.compile(schema);
  // Schemas come from the database as new objects each time: drop the compiled copy so the cache cannot grow.
  ajv.removeSchema(schema);
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
}

/** Reads and validates a manifest.json file. */
export function readManifestFile(path: string, engines?: EngineVersions): AlgorithmManifest {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new PolyradError('MANIFEST_UNREADABLE', `cannot read manifest: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, path);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new PolyradError('MANIFEST_INVALID', `manifest is not valid JSON: ${(error as Error).message}`, path);
  }
  return validateManifest(data, path, engines);
}
