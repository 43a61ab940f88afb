import { defineAlgorithm, readPackageManifest, type AlgorithmFinding, type AlgorithmInputs, type AlgorithmOutputs } from '@polyrad/sdk';
import { aortaCategory, aortaReference } from './aorta-diameter.classifier.js';
import { measureAorta, type AortaLimb } from './aorta.analyzer.js';

export * from './aorta-diameter.classifier.js';
export * from './aorta.analyzer.js';

const manifest = readPackageManifest(import.meta.url);
const centerLineArtifact = manifest.produces[0];

/** Plugin entry: an axial chest CT in, maximum ascending and descending aortic diameters out. */
export function run(inputs: AlgorithmInputs): AlgorithmOutputs {
  const measurement = measureAorta(inputs.series.volume);
  const warnings: string[] = [];
  const findings: AlgorithmFinding[] = [];
  for (const limb of [measurement?.ascending, measurement?.descending]) {
    if (limb) findings.push(limbFinding(limb));
  }
  if (!measurement) warnings.push('no thoracic aorta found (neither an enhanced nor an unenhanced descending aorta beside the spine); no aortic diameters are reported');
  else {
    for (const segment of ['ascending', 'descending'] as const) {
      if (!measurement[segment]) warnings.push(`the ${segment} aorta was not found or could not be measured; its diameter is not reported`);
    }
  }
  const artifacts: AlgorithmOutputs['artifacts'] = measurement
    ? [
        {
          kind: 'json',
          type: centerLineArtifact.type,
          version: centerLineArtifact.version,
          data: {
            contrast: measurement.contrast,
            bloodHu: measurement.bloodHu,
            ...Object.fromEntries(
              (['ascending', 'descending'] as const).flatMap((s) => {
                const limb = measurement[s];
                return limb ? [[s, { centerLine: limb.centerLine, diameters: limb.sections.map((c) => ({ center: c.center, maxMm: round1(c.maxDiameterMm), meanMm: round1(c.meanDiameterMm) })) }]] : [];
              }),
            ),
          },
        },
      ]
    : [];
  return { findings, artifacts, warnings };
}

function limbFinding(limb: AortaLimb): AlgorithmFinding {
  const value = round1(limb.diameterMm);
  return {
    code: `aorta.${limb.segment}.diameter`,
    value,
    unit: 'mm',
    category: aortaCategory(limb.segment, value),
    reference: aortaReference(limb.segment),
    center: limb.center,
    meanDiameterMm: round1(limb.meanDiameterMm),
  };
}

function round1(v: number): number {
  return Math.round(v * 10) / 10;
}

export default defineAlgorithm(manifest, { run });
