import { categoryFields, defineAlgorithm, notAssessed, readPackageManifest, type AlgorithmFinding, type AlgorithmInputs, type AlgorithmOutputs } from '@polyrad/sdk';
import { aortaCategory, aortaCategoryDecision, aortaReference, type AortaSegment } from './aorta-diameter.classifier.js';
import { measureAorta, type AortaLimb, type AortaMeasurement } from './aorta.analyzer.js';
import { AORTA_TUBE_DESCRIPTION, buildAortaTubeMask } from './aorta-tube.builder.js';
import { limbGateFailure, limbsPositionFailure, operatingRangeFailure } from './aorta-quality.gate.js';

export * from './aorta-diameter.classifier.js';
export * from './aorta.analyzer.js';
export * from './aorta-quality.gate.js';
export * from './aorta-tube.builder.js';

const manifest = readPackageManifest(import.meta.url);
const centerLineArtifact = manifest.produces[0];
const tubeArtifact = manifest.produces[1];
const SEGMENTS: AortaSegment[] = ['ascending', 'descending'];

/**
 * Plugin entry: an axial chest CT in, maximum ascending and descending aortic diameters out. A limb
 * that was not found, or failed a quality check, is reported as not assessed with the reason; the run
 * still succeeds, and the centre line is listed as missing when neither limb passed.
 */
export function run(inputs: AlgorithmInputs): AlgorithmOutputs {
  const { volume } = inputs.series;
  const outOfRange = operatingRangeFailure(volume.geometry);
  if (outOfRange) {
    const reason = `aorta not measured: ${outOfRange}`;
    return { findings: SEGMENTS.map((s) => notAssessed(`aorta.${s}.diameter`, 'mm', reason)), missing: [centerLineArtifact, tubeArtifact].map(({ type }) => ({ type, reason })) };
  }
  const measurement = measureAorta(volume);
  const failures = gateFailures(measurement, volume.geometry.spacing[2]);
  const passed = SEGMENTS.flatMap((s) => (failures[s] === undefined && measurement[s] ? [measurement[s]] : []));
  const findings = SEGMENTS.map((s): AlgorithmFinding => {
    const limb = measurement[s];
    const failure = failures[s];
    if (failure === undefined && limb) return limbFinding(limb);
    const partial = limb && lowerBoundFinding(limb, failure, volume.geometry.spacing[2], measurement.contrast === true);
    if (partial) return partial;
    return notAssessed(`aorta.${s}.diameter`, 'mm', failure ?? `the ${s} aorta was not measured`, limb ? { center: limb.center } : {});
  });
  const outputs: AlgorithmOutputs = { findings };
  if (passed.length === 0) {
    const reason = `no aortic limb passed its checks (${SEGMENTS.map((s) => `${s}: ${failures[s]}`).join('; ')})`;
    outputs.missing = [centerLineArtifact, tubeArtifact].map(({ type }) => ({ type, reason }));
  } else {
    outputs.artifacts = [
      {
        kind: 'json',
        type: centerLineArtifact.type,
        version: centerLineArtifact.version,
        data: {
          contrast: measurement.contrast,
          bloodHu: measurement.bloodHu,
          ...Object.fromEntries(
            passed.map((limb) => [limb.segment, { centerLine: limb.centerLine, diameters: limb.sections.map((c) => ({ center: c.center, maxMm: round1(c.maxDiameterMm), meanMm: round1(c.meanDiameterMm) })) }]),
          ),
        },
      },
      {
        kind: 'mask',
        type: tubeArtifact.type,
        version: tubeArtifact.version,
        mask: buildAortaTubeMask(volume.geometry, passed),
        meta: { segmentDescription: AORTA_TUBE_DESCRIPTION },
      },
    ];
  }
  return outputs;
}

/** Per limb: why it is not reported (not found, or the first quality check it failed); absent when it passed. */
function gateFailures(measurement: AortaMeasurement, sliceSpacingMm: number): Partial<Record<AortaSegment, string>> {
  const failures: Partial<Record<AortaSegment, string>> = {};
  for (const s of SEGMENTS) {
    const limb = measurement[s];
    const failure = limb ? limbGateFailure(limb, sliceSpacingMm, measurement.contrast === true) : (measurement.notFound[s] ?? `the ${s} aorta was not found`);
    if (failure !== undefined) failures[s] = failure;
  }
  // the ascending limb is found from the descending one over the arch, and must lie in front of it
  const { ascending, descending } = measurement;
  if (ascending && failures.ascending === undefined) {
    // and stands only on a descending aorta whose sections passed their checks (followed over all of its
    // course or not): where that track followed something else, the pulmonary trunk or a vena cava in
    // front of it passed for the ascending aorta
    const sound = descending !== undefined && limbGateFailure(descending, sliceSpacingMm, measurement.contrast === true, { coverage: false }) === undefined;
    const misplaced =
      descending && sound
        ? limbsPositionFailure(ascending, descending)
        : `the ascending aorta is found in front of the descending aorta, which ${descending ? 'failed its checks' : 'could not be measured'} (${failures.descending})`;
    if (misplaced !== undefined) failures.ascending = misplaced;
  }
  return failures;
}

function limbFinding(limb: AortaLimb): AlgorithmFinding {
  const value = round1(limb.diameterMm);
  return {
    code: `aorta.${limb.segment}.diameter`,
    assessment: 'measured',
    value,
    unit: 'mm',
    ...categoryFields(aortaCategoryDecision(limb.segment, value)),
    reference: aortaReference(limb.segment),
    center: limb.center,
    meanDiameterMm: round1(limb.meanDiameterMm),
  };
}

/**
 * A limb measured soundly over part of its course only (the track stopped at an aneurysm, or did not
 * reach the arch) whose measured maximum is already dilated or aneurysmal: the true maximum can only be
 * larger, so the abnormal category holds and the value is reported as a lower bound. A normal partial
 * maximum says nothing about the unmeasured stretch and stays "not assessed".
 */
function lowerBoundFinding(limb: AortaLimb, coverageFailure: string | undefined, sliceSpacingMm: number, contrast: boolean): AlgorithmFinding | undefined {
  if (coverageFailure === undefined || limbGateFailure(limb, sliceSpacingMm, contrast, { coverage: false }) !== undefined) return undefined;
  if (aortaCategory(limb.segment, limb.diameterMm) === 'normal') return undefined;
  const finding = limbFinding(limb);
  return { ...finding, lowerBound: true, note: `at least ${finding.value} mm: ${coverageFailure}` };
}

function round1(v: number): number {
  return Math.round(v * 10) / 10;
}

export default defineAlgorithm(manifest, { run });
