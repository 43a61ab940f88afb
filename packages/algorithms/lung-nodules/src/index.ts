import { defineAlgorithm, PolyradError, readPackageManifest, type AlgorithmFinding, type AlgorithmInputs, type AlgorithmOutputs } from '@polyrad/sdk';
import { classifyExamination, classifySolidNodule, LUNG_RADS_SOLID_BASELINE_TEXT, LUNG_RADS_SOURCE } from './lung-rads.classifier.js';
import { detectNodules, type DetectedNodule } from './nodule.detector.js';

export * from './nodule.detector.js';
export * from './lung-rads.classifier.js';
export * from './lung-hull.builder.js';

const manifest = readPackageManifest(import.meta.url);
const lungMaskType = manifest.consumes[0].type;

const round1 = (x: number): number => Math.round(x * 10) / 10;
/** Lung-RADS 1 and 2 continue annual screening; 3 and above call for earlier follow-up or work-up. */
const needsFollowUp = (category: string): boolean => category !== '1' && category !== '2';

/** One lung.nodule finding per nodule, one lung.lungrads for the examination (largest solid nodule). */
export function noduleFindings(nodules: DetectedNodule[]): AlgorithmFinding[] {
  const findings: AlgorithmFinding[] = nodules.map((n) => ({
    code: 'lung.nodule',
    value: round1(n.longAxisMm),
    unit: 'mm',
    category: classifySolidNodule(n.meanDiameterMm).category,
    // judged on the mean diameter, as Lung-RADS does, not on the long axis against the 6 mm reference
    abnormal: needsFollowUp(classifySolidNodule(n.meanDiameterMm).category),
    reference: { max: 6, text: LUNG_RADS_SOLID_BASELINE_TEXT, source: LUNG_RADS_SOURCE },
    center: n.center.map(round1) as [number, number, number],
    shortAxisMm: round1(n.shortAxisMm),
    meanDiameterMm: n.meanDiameterMm,
    volumeMm3: Math.round(n.volumeMm3),
    side: n.side,
    type: 'solid',
  }));
  const exam = classifyExamination(nodules.map((n) => n.meanDiameterMm));
  findings.push({
    code: 'lung.lungrads',
    value: exam.category,
    unit: '',
    category: exam.descriptor,
    abnormal: needsFollowUp(exam.category),
    reference: { text: `${exam.management} Category from the largest solid nodule (${LUNG_RADS_SOLID_BASELINE_TEXT}).`, source: LUNG_RADS_SOURCE },
  });
  return findings;
}

/** Plugin entry: the series volume and a polyrad.mask.lungs artifact in, nodules and Lung-RADS out. */
export function run(inputs: AlgorithmInputs): AlgorithmOutputs {
  const artifact = inputs.artifacts[lungMaskType];
  if (!artifact || artifact.kind !== 'mask') {
    throw new PolyradError('INPUT_MISSING', `the ${lungMaskType} mask artifact is required`);
  }
  const { nodules } = detectNodules(inputs.series.volume, artifact.mask);
  const warnings: string[] = [];
  const { SliceThickness, contrast, contrastInHeader } = inputs.series.fingerprint;
  if (typeof SliceThickness === 'number' && SliceThickness > 2.5) {
    warnings.push(`slices are ${SliceThickness} mm thick: Lung-RADS sizes assume <= 2.5 mm, and nodules under 6 mm may be missed`);
  }
  if (contrast === true || contrastInHeader === true) warnings.push('Lung-RADS is defined for low-dose non-contrast screening CT; this series has IV contrast');
  return { findings: noduleFindings(nodules), warnings };
}

export default defineAlgorithm(manifest, { run });
