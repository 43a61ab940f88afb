import { defineAlgorithm, readPackageManifest, type AlgorithmInputs, type AlgorithmOutputs } from '@polyrad/sdk';
import { segmentLungs } from './lung.segmenter.js';

export * from './lung.segmenter.js';
export * from './airway.extractor.js';
export * from './lung.splitter.js';
export * from './optimal-threshold.js';
export * from './slice-hole.filler.js';

const manifest = readPackageManifest(import.meta.url);
const output = manifest.produces[0];

/** Plugin entry: the series volume in, a polyrad.mask.lungs artifact out. */
export function run(inputs: AlgorithmInputs): AlgorithmOutputs {
  const result = segmentLungs(inputs.series.volume);
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
        },
      },
    ],
    warnings: result.warnings,
  };
}

export default defineAlgorithm(manifest, { run });
