import { defineAlgorithm, PolyradError, readPackageManifest, type AlgorithmInputs, type AlgorithmOutputs } from '@polyrad/sdk';
import { lungDensityFindings, measureLungDensity } from './lung-density.quantifier.js';

export * from './lung-density.quantifier.js';

const manifest = readPackageManifest(import.meta.url);
const lungMaskType = manifest.consumes[0].type;

/** Plugin entry: the CT volume and the platform's lung mask in, mean lung density and lung mass out. */
export function run(inputs: AlgorithmInputs): AlgorithmOutputs {
  const artifact = inputs.artifacts[lungMaskType];
  if (!artifact || artifact.kind !== 'mask') throw new PolyradError('INPUT_MISSING', `the ${lungMaskType} mask artifact is required`);
  return { findings: lungDensityFindings(measureLungDensity(inputs.series.volume, artifact.mask)) };
}

export default defineAlgorithm(manifest, { run });
