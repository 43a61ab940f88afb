import { defineAlgorithm, notAssessed, readPackageManifest, type AlgorithmInputs, type AlgorithmOutputs } from '@polyrad/sdk';
import { analyzeSpine } from './spine.analyzer.js';
import { spineFindings } from './spine.classifier.js';
import { operatingRangeFailure } from './spine-quality.gate.js';
import { buildVertebralBodyMask, VERTEBRAL_BODY_DESCRIPTION, vertebralBodyLabel } from './vertebral-body-mask.builder.js';

export * from './spine.analyzer.js';
export * from './spine.classifier.js';
export * from './spine-quality.gate.js';
export * from './vertebral-body-mask.builder.js';

const manifest = readPackageManifest(import.meta.url);
const bodyMaskOutput = manifest.produces[0];

/**
 * Plugin entry: the CT volume in, trabecular attenuation and graded vertebral fractures out. What could
 * not be measured is reported as not assessed with the reason, so silence never reads as "no fracture".
 */
export function run(inputs: AlgorithmInputs): AlgorithmOutputs {
  const { volume, fingerprint } = inputs.series;
  const outOfRange = operatingRangeFailure(volume.geometry);
  if (outOfRange) {
    return { findings: [notAssessed('spine.trabecular_attenuation', 'HU', `trabecular attenuation not assessed: ${outOfRange}`), notAssessed('spine.fracture', '', `fracture screening not assessed: ${outOfRange}`)], missing: [{ type: bodyMaskOutput.type, reason: outOfRange }] };
  }
  const analysis = analyzeSpine(volume);
  const contrast = fingerprint.contrast === true || fingerprint.contrastInHeader === true;
  // overlapping reconstructions: the endplates are blurred over the slice thickness, not the spacing
  const thickness = typeof fingerprint.SliceThickness === 'number' ? fingerprint.SliceThickness : 0;
  const findings = spineFindings(analysis, { sliceSpacingMm: Math.max(volume.geometry.spacing[2], thickness), contrast });
  // a fracture finding points at its body's segment
  for (const f of findings) {
    const body = f.code === 'spine.fracture' ? analysis.vertebrae.find((v) => v.index === f.vertebraIndex) : undefined;
    if (body) f.segmentLabel = vertebralBodyLabel(body);
  }
  if (analysis.vertebrae.length === 0) return { findings, missing: [{ type: bodyMaskOutput.type, reason: 'no vertebral body found (the spine may be outside the field of view)' }] };
  const mask = buildVertebralBodyMask(volume.geometry, analysis.vertebrae);
  return { findings, artifacts: [{ kind: 'mask', type: bodyMaskOutput.type, version: bodyMaskOutput.version, mask, meta: { segmentDescription: VERTEBRAL_BODY_DESCRIPTION } }] };
}

export default defineAlgorithm(manifest, { run });
