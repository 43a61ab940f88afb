import { defineAlgorithm, PolyradError, readPackageManifest, type AlgorithmInputs, type AlgorithmOutputs } from '@polyrad/sdk';
import { segmentLungs, type LungSegmentation } from './lung.segmenter.js';

export * from './lung.segmenter.js';
export * from './lung-quality.gate.js';
export * from './airway.extractor.js';
export * from './lung.splitter.js';
export * from './optimal-threshold.js';
export * from './slice-hole.filler.js';

const manifest = readPackageManifest(import.meta.url);
const output = manifest.produces[0];

/** Input the segmenter cannot work on is "no mask, because", not a crash. */
const DECLINED = new Set(['NO_LUNGS_FOUND', 'UNSUPPORTED_ORIENTATION']);

function segmentOrDecline(inputs: AlgorithmInputs): LungSegmentation | string {
  try {
    return segmentLungs(inputs.series.volume);
  } catch (error) {
    if (error instanceof PolyradError && DECLINED.has(error.code)) return error.message;
    throw error;
  }
}

/**
 * Plugin entry: the series volume in, a polyrad.mask.lungs artifact out; a mask that fails its
 * anatomical checks is reported missing with the checks that failed, so its consumers are skipped.
 */
export function run(inputs: AlgorithmInputs): AlgorithmOutputs {
  const result = segmentOrDecline(inputs);
  if (typeof result === 'string') return { missing: [{ type: output.type, reason: `lung segmentation: ${result}` }], warnings: [result] };
  const { quality } = result;
  if (!quality.passed) {
    const reason = `lung segmentation failed its anatomical checks: ${quality.failures.join('; ')}`;
    return { missing: [{ type: output.type, reason }], warnings: [...result.warnings, reason] };
  }
  return {
    artifacts: [
      {
        kind: 'mask',
        type: output.type,
        version: output.version,
        mask: result.mask,
        meta: {
          volumesMl: result.volumesMl,
          threshold: result.threshold,
          airwayThreshold: result.airway.threshold,
          airwayVoxels: result.airway.voxelCount,
          separation: result.separation,
          erosionMm: result.erosionMm,
          coverage: quality.coverage,
          ...(quality.coverageNote ? { coverageNote: quality.coverageNote } : {}),
        },
      },
    ],
    warnings: [...result.warnings, ...(quality.coverageNote ? [quality.coverageNote] : [])],
  };
}

export default defineAlgorithm(manifest, { run });
