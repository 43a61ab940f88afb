import { categoryFields, defineAlgorithm, notAssessed, PolyradError, readPackageManifest, type AlgorithmInputs, type AlgorithmOutputs, type LabelMask, type Volume } from '@polyrad/sdk';
import { lungLabels, segmentHeart, type HeartSegmentation } from './heart.segmenter.js';
import { HEART_VOLUME_REFERENCE, heartVolumeCategory } from './heart-volume.classifier.js';
import { heartQualityProblems, measureHeartAnatomy } from './heart-quality.gate.js';

export * from './heart.segmenter.js';
export * from './heart-volume.classifier.js';
export * from './heart-quality.gate.js';
export * from './heart-shape.fitter.js';

const manifest = readPackageManifest(import.meta.url);
const lungMaskType = manifest.consumes[0].type;
const output = manifest.produces[0];

/** Segmentation errors that mean "no heart could be found on this series", not a broken run. */
const NOT_FOUND_CODES = new Set(['HEART_NOT_FOUND', 'LUNGS_MISSING']);

/** The heart and the gates' verdict on it, or why there is none. */
function gatedHeart(volume: Volume, lungs: LabelMask): { heart: HeartSegmentation; problems: string[] } | { reason: string } {
  let heart: HeartSegmentation;
  try {
    heart = segmentHeart(volume, lungs);
  } catch (error) {
    if (error instanceof PolyradError && NOT_FOUND_CODES.has(error.code)) return { reason: error.message };
    throw error;
  }
  const { right, left } = lungLabels(lungs);
  return { heart, problems: heartQualityProblems(measureHeartAnatomy(heart.mask, lungs, right, left, volume)) };
}

/**
 * Plugin entry: the series volume and the lung mask in; the heart mask and the heart volume out. A heart
 * that was not found or failed a quality gate (heart-quality.gate.ts) is reported as a missing mask and a
 * volume "not assessed" with the gates' findings, never as a normal or enlarged heart.
 */
export function run(inputs: AlgorithmInputs): AlgorithmOutputs {
  const lungs = inputs.artifacts[lungMaskType];
  if (!lungs || lungs.kind !== 'mask') throw new PolyradError('INPUT_MISSING', `the ${lungMaskType} mask artifact is required`);
  const result = gatedHeart(inputs.series.volume, lungs.mask);
  const failure = 'reason' in result ? result.reason : result.problems.length ? `heart segmentation failed its quality checks: ${result.problems.join('; ')}` : undefined;
  if (failure) {
    return { missing: [{ type: output.type, reason: failure }], findings: [notAssessed('heart.volume', 'mL', failure)] };
  }
  const { heart } = result as { heart: HeartSegmentation };
  const volumeMl = Math.round(heart.volumeMl);
  return {
    artifacts: [{ kind: 'mask', type: output.type, version: output.version, mask: heart.mask, meta: { volumeMl: heart.volumeMl, bloodPoolHu: heart.bloodPoolHu } }],
    findings: [{ code: 'heart.volume', value: volumeMl, unit: 'mL', ...categoryFields(heartVolumeCategory(volumeMl)), reference: HEART_VOLUME_REFERENCE, center: heart.center }],
  };
}

export default defineAlgorithm(manifest, { run });
