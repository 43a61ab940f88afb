import { categoriseMeasurement, type CategoryDecision, type ReferenceRange } from '@polyrad/sdk';

/**
 * Upper limit of a normal heart volume (chambers + myocardium), mL. Derived from the 97.5th-percentile
 * BSA-indexed cardiac CT values of healthy men in the Copenhagen General Population Study (Fuchs A et al.,
 * Eur Heart J Cardiovasc Imaging 2016;17(9):1009-1017): LV 97 + RV 120 + LA 60 + RA 85 mL/m2 plus LV mass
 * 80 g/m2 (/1.05 g/mL) = 438 mL/m2, at a reference body surface area of 1.9 m2. Sex and body size are not
 * known here, so the larger (male) limit is used: "enlarged" flags clear outliers only.
 */
export const HEART_VOLUME_UPPER_ML = 830;

export const HEART_VOLUME_REFERENCE: ReferenceRange = {
  max: HEART_VOLUME_UPPER_ML,
  text: `heart (chambers + myocardium) up to ${HEART_VOLUME_UPPER_ML} mL: sum of 97.5th-percentile CT chamber volumes and LV mass of healthy men at 1.9 m2 body surface area; not indexed to this patient's size or sex`,
  source: 'Fuchs A et al., Eur Heart J Cardiovasc Imaging 2016;17(9):1009-1017 (Copenhagen General Population Study, 320-detector CT)',
};

/**
 * Measurement error of the whole-heart volume: ±15 % of the true volume, the tolerance the validation
 * holds the plugin to (README "Validation"; packages/phantom validation-tolerance.ts, heartVolumeTolerance;
 * p95 error 11 % on the reporting seeds 9120-9159). Relative to the truth, so a true volume at the cut-off
 * may be measured anywhere within ±15 % of the cut-off: the band is ±124.5 mL around 830 mL.
 */
export const HEART_VOLUME_ERROR_FRACTION = 0.15;

/** normal up to HEART_VOLUME_UPPER_ML, enlarged above; borderline within the measurement error of it */
export function heartVolumeCategory(volumeMl: number): CategoryDecision<'normal' | 'enlarged'> {
  return categoriseMeasurement<'normal' | 'enlarged'>(volumeMl, {
    categories: ['normal', 'enlarged'],
    cutoffs: [{ at: HEART_VOLUME_UPPER_ML, equalGoesTo: 'below', margin: HEART_VOLUME_ERROR_FRACTION * HEART_VOLUME_UPPER_ML }],
    unit: 'mL',
  });
}
