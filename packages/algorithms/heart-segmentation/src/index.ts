import { defineAlgorithm, PolyradError, readPackageManifest, type AlgorithmInputs, type AlgorithmOutputs } from '@polyrad/sdk';
import { segmentHeart } from './heart.segmenter.js';
import { HEART_VOLUME_REFERENCE, heartVolumeCategory } from './heart-volume.classifier.js';

export * from './heart.segmenter.js';
export * from './heart-volume.classifier.js';

const manifest = readPackageManifest(import.meta.url);
const lungMaskType = manifest.consumes[0].type;
const output = manifest.produces[0];

/** Plugin entry: the series volume and the lung mask in; the heart mask and the heart volume out. */
export function run(inputs: AlgorithmInputs): AlgorithmOutputs {
  const lungs = inputs.artifacts[lungMaskType];
  if (!lungs || lungs.kind !== 'mask') throw new PolyradError('INPUT_MISSING', `the ${lungMaskType} mask artifact is required`);
  const heart = segmentHeart(inputs.series.volume, lungs.mask);
  const volumeMl = Math.round(heart.volumeMl);
  return {
    artifacts: [{ kind: 'mask', type: output.type, version: output.version, mask: heart.mask, meta: { volumeMl: heart.volumeMl, bloodPoolHu: heart.bloodPoolHu } }],
    findings: [{ code: 'heart.volume', value: volumeMl, unit: 'mL', category: heartVolumeCategory(volumeMl), reference: HEART_VOLUME_REFERENCE, center: heart.center }],
  };
}

export default defineAlgorithm(manifest, { run });
