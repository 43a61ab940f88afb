import { defineAlgorithm, PolyradError, readPackageManifest, type AlgorithmInputs, type AlgorithmOutputs } from '@polyrad/sdk';
import { quantifyEmphysema } from './emphysema.quantifier.js';

export * from './emphysema.quantifier.js';

const manifest = readPackageManifest(import.meta.url);
const lungMaskType = manifest.consumes[0].type;

/** Plugin entry: the series volume and a polyrad.mask.lungs artifact in, densitometry findings out. */
export function run(inputs: AlgorithmInputs): AlgorithmOutputs {
  const artifact = inputs.artifacts[lungMaskType];
  if (!artifact || artifact.kind !== 'mask') {
    throw new PolyradError('INPUT_MISSING', `the ${lungMaskType} mask artifact is required`);
  }
  const { findings, measurements } = quantifyEmphysema(inputs.series.volume, artifact.mask);
  const warnings: string[] = [];
  for (const side of ['right', 'left'] as const) {
    if (measurements.voxelCount[side] === 0) warnings.push(`no ${side} lung in the mask; its volume and LAA-950 are not reported`);
  }
  return { findings, warnings };
}

export default defineAlgorithm(manifest, { run });
