import { defineAlgorithm, readPackageManifest, type AlgorithmInputs, type AlgorithmOutputs } from '@polyrad/sdk';
import { analyzeSpine } from './spine.analyzer.js';
import { densityVertebrae, spineFindings } from './spine.classifier.js';

export * from './spine.analyzer.js';
export * from './spine.classifier.js';

const manifest = readPackageManifest(import.meta.url);

/** Plugin entry: the CT volume in, trabecular attenuation and graded vertebral fractures out. */
export function run(inputs: AlgorithmInputs): AlgorithmOutputs {
  const analysis = analyzeSpine(inputs.series.volume);
  const warnings: string[] = [];
  if (analysis.vertebrae.length === 0) warnings.push('no vertebral body found; the spine may be outside the field of view');
  else if (densityVertebrae(analysis).length === 0) warnings.push('no fully covered vertebral body could be measured');
  const ungraded = analysis.vertebrae.filter((v) => v.complete && !v.heightsReliable).length;
  if (ungraded > 0) warnings.push(`${ungraded} vertebral bodies not graded for fracture: endplates not resolved on the mid-sagittal columns`);
  if (inputs.series.fingerprint.contrast === true || inputs.series.fingerprint.contrastInHeader === true) {
    // Pickhardt PJ et al., Osteoporos Int 2016;27:147-152: portal-venous contrast raises L1 attenuation by ~10 HU
    warnings.push('contrast-enhanced series: trabecular attenuation reads slightly higher than without contrast');
  }
  return { findings: spineFindings(analysis), warnings };
}

export default defineAlgorithm(manifest, { run });
