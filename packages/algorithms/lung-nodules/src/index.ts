import { defineAlgorithm, notAssessed, PolyradError, readPackageManifest, type AlgorithmFinding, type AlgorithmInputs, type AlgorithmOutputs } from '@polyrad/sdk';
import { LUNG_RADS_NON_SOLID_BASELINE_TEXT, LUNG_RADS_PART_SOLID_BASELINE_TEXT, LUNG_RADS_SOLID_BASELINE_TEXT, LUNG_RADS_SOURCE } from './lung-rads.classifier.js';
import { decideLungRads, noduleCategory, type LungRadsDecision, type LungRadsGateInput } from './lung-rads.gate.js';
import { detectNodules, type DetectedNodule } from './nodule.detector.js';
import { buildLesionMask } from './nodule-mask.builder.js';

export * from './nodule.detector.js';
export * from './lung-rads.classifier.js';
export * from './lung-rads.gate.js';
export * from './lung-hull.builder.js';
export * from './subsolid.screen.js';
export * from './nodule-mask.builder.js';

const manifest = readPackageManifest(import.meta.url);
const lungMaskType = manifest.consumes[0].type;
const lesionMaskOutput = manifest.produces[0];

const round1 = (x: number): number => Math.round(x * 10) / 10;
/** Lung-RADS 1 and 2 continue annual screening; 3 and above call for earlier follow-up or work-up. */
const needsFollowUp = (category: string): boolean => category !== '1' && category !== '2';

const REFERENCE_TEXT = { solid: LUNG_RADS_SOLID_BASELINE_TEXT, 'part-solid': LUNG_RADS_PART_SOLID_BASELINE_TEXT, 'non-solid': LUNG_RADS_NON_SOLID_BASELINE_TEXT };

/**
 * A measured nodule (code lung.nodule) or mass (lung.mass, long axis > 30 mm) with its own category by its
 * type; axes and volume are those of the whole lesion, a part-solid one also gives its solid component.
 */
function lesionFinding(code: 'lung.nodule' | 'lung.mass', n: DetectedNodule): AlgorithmFinding {
  const { category } = noduleCategory(n);
  return {
    code,
    value: round1(n.longAxisMm),
    unit: 'mm',
    category,
    // judged on the mean diameter, as Lung-RADS does, not on the long axis against the 6 mm reference
    abnormal: needsFollowUp(category),
    reference: { ...(n.type === 'solid' ? { max: 6 } : {}), text: REFERENCE_TEXT[n.type], source: LUNG_RADS_SOURCE },
    center: n.center.map(round1) as [number, number, number],
    shortAxisMm: round1(n.shortAxisMm),
    meanDiameterMm: n.meanDiameterMm,
    volumeMm3: Math.round(n.volumeMm3),
    side: n.side,
    type: n.type,
    lungrads: category,
    ...(n.meanHu !== undefined ? { meanHu: n.meanHu } : {}),
    ...(n.solidComponent ? { solidComponentMm: round1(n.solidComponent.longAxisMm), solidComponentMeanMm: n.solidComponent.meanDiameterMm } : {}),
  };
}

/**
 * The findings of a gated decision: measured nodules and masses; lesions seen but not measured as
 * not-assessed lung.mass / lung.nodule at their place; the examination's Lung-RADS, measured or not
 * assessed with the reason (lung-rads.gate.ts).
 */
export function noduleFindings(decision: LungRadsDecision): AlgorithmFinding[] {
  const findings: AlgorithmFinding[] = [
    ...decision.nodules.map((n) => lesionFinding('lung.nodule', n)),
    ...decision.masses.map((n) => lesionFinding('lung.mass', n)),
    ...decision.unmeasured.masses.map((u) => notAssessed('lung.mass', 'mm', u.reason, { center: u.center.map(round1), side: u.side })),
    ...decision.unmeasured.nodules.map((u) => notAssessed('lung.nodule', 'mm', u.reason, { center: u.center.map(round1), side: u.side })),
    ...(decision.candidatesNotTrusted ? [notAssessed('lung.nodule', 'mm', decision.candidatesNotTrusted)] : []),
  ];
  if ('reason' in decision.lungRads) {
    findings.push(notAssessed('lung.lungrads', '', decision.lungRads.reason));
  } else {
    const exam = decision.lungRads.assessment;
    findings.push({
      code: 'lung.lungrads',
      value: exam.category,
      unit: '',
      category: exam.descriptor,
      abnormal: needsFollowUp(exam.category),
      reference: { text: `${exam.management} Category of the most suspicious nodule by its type (${LUNG_RADS_SOLID_BASELINE_TEXT}; ${LUNG_RADS_PART_SOLID_BASELINE_TEXT}; ${LUNG_RADS_NON_SOLID_BASELINE_TEXT}).`, source: LUNG_RADS_SOURCE },
    });
  }
  return findings;
}

/** What the gates need from the series header and the lung mask's meta. */
function gateContext(inputs: AlgorithmInputs, meta: Record<string, unknown> | undefined): Omit<LungRadsGateInput, 'nodules' | 'subsolid'> {
  const { SliceThickness } = inputs.series.fingerprint;
  const coverage = meta?.coverage as LungRadsGateInput['coverage'];
  return {
    sliceThicknessMm: typeof SliceThickness === 'number' && SliceThickness > 0 ? SliceThickness : inputs.series.volume.geometry.spacing[2],
    ...(coverage && typeof coverage.apices === 'boolean' && typeof coverage.bases === 'boolean' ? { coverage } : {}),
    ...(typeof meta?.coverageNote === 'string' ? { coverageNote: meta.coverageNote } : {}),
  };
}

/** Plugin entry: the series volume and a polyrad.mask.lungs artifact in, nodules and Lung-RADS out. */
export function run(inputs: AlgorithmInputs): AlgorithmOutputs {
  const artifact = inputs.artifacts[lungMaskType];
  if (!artifact || artifact.kind !== 'mask') {
    throw new PolyradError('INPUT_MISSING', `the ${lungMaskType} mask artifact is required`);
  }
  const { nodules, subsolid } = detectNodules(inputs.series.volume, artifact.mask);
  const decision = decideLungRads({ nodules, subsolid, ...gateContext(inputs, artifact.meta) });
  const { contrast, contrastInHeader } = inputs.series.fingerprint;
  const warnings = contrast === true || contrastInHeader === true ? ['Lung-RADS is defined for low-dose non-contrast screening CT; this series has IV contrast'] : [];
  // each measured lesion's voxels, labelled as its finding: the SEG segment the SR references
  const lesions = [...decision.nodules.map((lesion) => ({ kind: 'nodule' as const, lesion })), ...decision.masses.map((lesion) => ({ kind: 'mass' as const, lesion }))];
  const findings = noduleFindings(decision);
  if (lesions.length === 0) return { findings, warnings, missing: [{ type: lesionMaskOutput.type, reason: 'no nodule or mass was measured' }] };
  const lesionMask = buildLesionMask(inputs.series.volume.geometry, lesions);
  lesionMask.labels.forEach((label, i) => {
    if (label) findings[i]!.segmentLabel = label;
  });
  return { findings, warnings, artifacts: [{ kind: 'mask', type: lesionMaskOutput.type, version: lesionMaskOutput.version, mask: lesionMask.mask }] };
}

export default defineAlgorithm(manifest, { run });
