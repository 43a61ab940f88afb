/**
 * Tolerances of issue #11 ("Honest before right"): what a measurement may differ from the truth and
 * still count as right. Each check gives the absolute error in the unit it is judged in.
 */

export interface ToleranceCheck {
  error: number;
  /** unit of `error` ('%' = relative to the truth, 'points' = percentage points, 'mm', 'HU', 'Agatston') */
  errorUnit: string;
  within: boolean;
  /** the tolerance applied, for the table ("±8 %") */
  tolerance: string;
}

function relative(measured: number, truth: number, percent: number): ToleranceCheck {
  const error = truth === 0 ? (measured === 0 ? 0 : Infinity) : (100 * Math.abs(measured - truth)) / Math.abs(truth);
  return { error, errorUnit: '%', within: error <= percent, tolerance: `±${percent} %` };
}

function absolute(measured: number, truth: number, limit: number, unit: string): ToleranceCheck {
  const error = Math.abs(measured - truth);
  return { error, errorUnit: unit, within: error <= limit, tolerance: `±${limit} ${unit}` };
}

/** lung volume, per lung: ±8 % */
export const lungVolumeTolerance = (measured: number, truth: number): ToleranceCheck => relative(measured, truth, 8);

/** LAA-950 (Gevenois PA et al., AJRCCM 1996;154:187-192): ±2 percentage points */
export const laa950Tolerance = (measured: number, truth: number): ToleranceCheck => absolute(measured, truth, 2, 'points');

/** maximum aortic diameter: ±3 mm */
export const aortaDiameterTolerance = (measured: number, truth: number): ToleranceCheck => absolute(measured, truth, 3, 'mm');

/** whole-heart volume: ±15 % */
export const heartVolumeTolerance = (measured: number, truth: number): ToleranceCheck => relative(measured, truth, 15);

/** mean vertebral trabecular attenuation: ±20 HU */
export const trabecularTolerance = (measured: number, truth: number): ToleranceCheck => absolute(measured, truth, 20, 'HU');

/**
 * Agatston score (Agatston AS et al., JACC 1990;15:827-832): ±15 %, but at least ±10 points (15 % of
 * 67), so small scores are not judged on a handful of voxels. The CAC-DRS class is checked separately.
 */
export function agatstonTolerance(measured: number, truth: number): ToleranceCheck {
  const limit = Math.max(10, 0.15 * truth);
  const error = Math.abs(measured - truth);
  return { error, errorUnit: 'Agatston', within: error <= limit, tolerance: '±15 % (±10 below 67)' };
}

/** nodule long axis: ±20 %, at least ±2 mm */
export function noduleSizeTolerance(measured: number, truth: number): ToleranceCheck {
  const error = Math.abs(measured - truth);
  return { error, errorUnit: 'mm', within: error <= Math.max(2, 0.2 * truth), tolerance: '±20 % (≥ ±2 mm)' };
}

/** a reported nodule matches a reference lesion when its centre lies within max(5 mm, the lesion's radius) */
export const noduleMatchRadiusMm = (referenceLongAxisMm: number): number => Math.max(5, referenceLongAxisMm / 2);

/** nodules the suite must find, and the size from which an unmatched report is a false positive */
export const NODULE_MIN_MM = 6;
/** at most this many false positives >= 6 mm per scan */
export const MAX_FALSE_POSITIVES_PER_SCAN = 2;

