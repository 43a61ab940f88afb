import { categoriseMeasurement, type CategoryDecision, type ReferenceRange } from '@polyrad/sdk';

export type AortaSegment = 'ascending' | 'descending';
export type AortaCategory = 'normal' | 'dilated' | 'aneurysm';

/**
 * Adult thoracic aortic diameter bands, mm, measured perpendicular to the vessel axis.
 * Upper limit of normal: ascending < 40 mm, descending < 30 mm (Erbel R et al., 2014 ESC Guidelines on
 * the diagnosis and treatment of aortic diseases, Eur Heart J 2014;35:2873-2926). Aneurysm: dilatation
 * to >= 1.5 x the expected normal diameter (Isselbacher EM et al., 2022 ACC/AHA Guideline for the
 * diagnosis and management of aortic disease, Circulation 2022;146:e334-e482, as in the 2010 ACCF/AHA
 * guideline before it), i.e. >= 50 mm for the ascending and >= 40 mm for the descending thoracic aorta;
 * in between is dilatation (ectasia). Diameters are the maximum perpendicular to the axis of flow.
 */
export const AORTA_DIAMETER_BANDS: Record<AortaSegment, { dilatedFrom: number; aneurysmFrom: number }> = {
  ascending: { dilatedFrom: 40, aneurysmFrom: 50 },
  descending: { dilatedFrom: 30, aneurysmFrom: 40 },
};

export function aortaCategory(segment: AortaSegment, diameterMm: number): AortaCategory {
  const band = AORTA_DIAMETER_BANDS[segment];
  if (diameterMm >= band.aneurysmFrom) return 'aneurysm';
  return diameterMm >= band.dilatedFrom ? 'dilated' : 'normal';
}

/**
 * Measurement error of a maximum aortic diameter: ±3 mm, the tolerance the validation holds the plugin
 * to (README "Validation"; packages/phantom validation-tolerance.ts, aortaDiameterTolerance; p95 error
 * 1.4-2 mm on the reporting seeds 9120-9159).
 */
export const AORTA_DIAMETER_ERROR_MM = 3;

/** The category of a measured diameter, or borderline where it lies within AORTA_DIAMETER_ERROR_MM of a cut-off. */
export function aortaCategoryDecision(segment: AortaSegment, diameterMm: number): CategoryDecision<AortaCategory> {
  const { dilatedFrom, aneurysmFrom } = AORTA_DIAMETER_BANDS[segment];
  return categoriseMeasurement<AortaCategory>(diameterMm, {
    categories: ['normal', 'dilated', 'aneurysm'],
    cutoffs: [
      { at: dilatedFrom, equalGoesTo: 'above', margin: AORTA_DIAMETER_ERROR_MM },
      { at: aneurysmFrom, equalGoesTo: 'above', margin: AORTA_DIAMETER_ERROR_MM },
    ],
    unit: 'mm',
  });
}

export function aortaReference(segment: AortaSegment): ReferenceRange {
  const { dilatedFrom, aneurysmFrom } = AORTA_DIAMETER_BANDS[segment];
  return {
    max: dilatedFrom,
    text: `${segment} thoracic aorta: normal < ${dilatedFrom} mm, dilated ${dilatedFrom}-${aneurysmFrom - 1} mm, aneurysm >= ${aneurysmFrom} mm (maximum diameter perpendicular to the vessel axis)`,
    source: 'Erbel et al., 2014 ESC aortic diseases guidelines, Eur Heart J 2014;35:2873 (normal limits); Isselbacher et al., 2022 ACC/AHA aortic disease guideline, Circulation 2022;146:e334 (aneurysm >= 1.5 x normal, maximum diameter perpendicular to the axis of flow)',
  };
}
