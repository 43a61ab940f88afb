import { defineAlgorithm, PolyradError, readPackageManifest, type AlgorithmContext, type AlgorithmInputs, type AlgorithmOutputs } from '@polyrad/sdk';
import { LAA950_REFERENCE, lungDensityFindings, lungHistogram, measureLungDensity } from './lung-density.quantifier.js';

export * from './lung-density.quantifier.js';

const manifest = readPackageManifest(import.meta.url);
const lungMaskType = manifest.consumes[0].type;
/** The ONNX model this package ships (manifest `models`, with its sha256). */
const MODEL = 'models/laa950-readout.onnx';

/** Plugin entry: the CT volume and the platform's lung mask in; mean lung density, lung mass and the model's LAA-950 out. */
export async function run(inputs: AlgorithmInputs, context: AlgorithmContext): Promise<AlgorithmOutputs> {
  const artifact = inputs.artifacts[lungMaskType];
  if (!artifact || artifact.kind !== 'mask') throw new PolyradError('INPUT_MISSING', `the ${lungMaskType} mask artifact is required`);
  if (!context.model) throw new PolyradError('MODEL_LOAD_FAILED', 'this run offers no model runtime', MODEL);
  // the session is the platform's: loaded once per worker, run outside the sandbox
  const model = await context.model(MODEL);
  const histogram = lungHistogram(inputs.series.volume, artifact.mask);
  const { laa950 } = await model.run({ histogram: { data: histogram, dims: [1, histogram.length] } });
  const laa = Math.round(Number(laa950.data[0]) * 10) / 10;
  return {
    findings: [...lungDensityFindings(measureLungDensity(inputs.series.volume, artifact.mask)), { code: 'acme.lung.laa950', value: laa, unit: '%', reference: LAA950_REFERENCE }],
  };
}

export default defineAlgorithm(manifest, { run });
