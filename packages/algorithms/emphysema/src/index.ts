import { defineAlgorithm, PolyradError, readPackageManifest, type AlgorithmInputs, type AlgorithmOutputs } from '@polyrad/sdk';
import { quantifyEmphysema, type EmphysemaContext } from './emphysema.quantifier.js';

export * from './emphysema.quantifier.js';
export * from './densitometry-range.gate.js';

const manifest = readPackageManifest(import.meta.url);
const lungMaskType = manifest.consumes[0].type;

/** What the gates need from the series header and the lung mask's meta. */
function contextOf(inputs: AlgorithmInputs, meta: Record<string, unknown> | undefined): EmphysemaContext {
  const { SliceThickness, ConvolutionKernel } = inputs.series.fingerprint;
  const kernel = Array.isArray(ConvolutionKernel) ? ConvolutionKernel[0] : ConvolutionKernel;
  const coverage = meta?.coverage as EmphysemaContext['coverage'];
  return {
    ...(typeof SliceThickness === 'number' && SliceThickness > 0 ? { sliceThicknessMm: SliceThickness } : {}),
    ...(typeof kernel === 'string' && kernel.trim() ? { kernel } : {}),
    ...(coverage && typeof coverage.apices === 'boolean' && typeof coverage.bases === 'boolean' ? { coverage } : {}),
    ...(typeof meta?.coverageNote === 'string' ? { coverageNote: meta.coverageNote } : {}),
  };
}

/** Plugin entry: the series volume and a polyrad.mask.lungs artifact in, densitometry findings out. */
export function run(inputs: AlgorithmInputs): AlgorithmOutputs {
  const artifact = inputs.artifacts[lungMaskType];
  if (!artifact || artifact.kind !== 'mask') {
    throw new PolyradError('INPUT_MISSING', `the ${lungMaskType} mask artifact is required`);
  }
  const { findings } = quantifyEmphysema(inputs.series.volume, artifact.mask, contextOf(inputs, artifact.meta));
  return { findings };
}

export default defineAlgorithm(manifest, { run });
