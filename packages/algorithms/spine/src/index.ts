import { defineAlgorithm, notAssessed, readPackageManifest, type AlgorithmInputs, type AlgorithmOutputs } from '@polyrad/sdk';
import { analyzeSpine } from './spine.analyzer.js';
import { spineFindings } from './spine.classifier.js';
import { operatingRangeFailure } from './spine-quality.gate.js';

export * from './spine.analyzer.js';
export * from './spine.classifier.js';
export * from './spine-quality.gate.js';

const manifest = readPackageManifest(import.meta.url);

/**
 * Plugin entry: the CT volume in, trabecular attenuation and graded vertebral fractures out. What could
 * not be measured is reported as not assessed with the reason, so silence never reads as "no fracture".
 */
export function run(inputs: AlgorithmInputs): AlgorithmOutputs {
  const { volume, fingerprint } = inputs.series;
  const outOfRange = operatingRangeFailure(volume.geometry);
  if (outOfRange) {
    return { findings: [notAssessed('spine.trabecular_attenuation', 'HU', `trabecular attenuation not assessed: ${outOfRange}`), notAssessed('spine.fracture', '', `fracture screening not assessed: ${outOfRange}`)] };
  }
  const analysis = analyzeSpine(volume);
  const contrast = fingerprint.contrast === true || fingerprint.contrastInHeader === true;
  // overlapping reconstructions: the endplates are blurred over the slice thickness, not the spacing
  const thickness = typeof fingerprint.SliceThickness === 'number' ? fingerprint.SliceThickness : 0;
  return { findings: spineFindings(analysis, { sliceSpacingMm: Math.max(volume.geometry.spacing[2], thickness), contrast }) };
}

export default defineAlgorithm(manifest, { run });
