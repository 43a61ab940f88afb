/**
 * Lung-RADS v2022 assessment for solid nodules on a baseline screening CT: American College of
 * Radiology Committee on Lung-RADS, "Lung-RADS v2022" (ACR, November 2022); Christensen J et al.,
 * "ACR Lung-RADS v2022: Assessment Categories and Management Recommendations", J Am Coll Radiol
 * 2024;21(3):473-488. Size is the mean diameter, (long axis + perpendicular short axis) / 2, rounded to
 * one decimal place before it is compared with the thresholds.
 */

export type LungRadsCategory = '1' | '2' | '3' | '4A' | '4B';

export interface LungRadsAssessment {
  category: LungRadsCategory;
  /** ACR descriptor of the category */
  descriptor: string;
  management: string;
}

export const LUNG_RADS_SOURCE = 'ACR Lung-RADS v2022 (Christensen J et al., J Am Coll Radiol 2024;21:473-488)';

export const LUNG_RADS_SOLID_BASELINE_TEXT =
  'solid nodule, baseline, by mean diameter: <6 mm category 2; 6 to <8 mm category 3; 8 to <15 mm category 4A; >=15 mm category 4B';

const ASSESSMENTS: Record<LungRadsCategory, LungRadsAssessment> = {
  '1': { category: '1', descriptor: 'negative', management: 'Continue annual screening with LDCT in 12 months.' },
  '2': { category: '2', descriptor: 'benign appearance', management: 'Continue annual screening with LDCT in 12 months.' },
  '3': { category: '3', descriptor: 'probably benign', management: 'LDCT in 6 months.' },
  '4A': {
    category: '4A',
    descriptor: 'suspicious',
    management: 'LDCT in 3 months; PET/CT may be considered if there is a solid nodule or component of 8 mm or more.',
  },
  '4B': {
    category: '4B',
    descriptor: 'very suspicious',
    management:
      'Referral for further clinical evaluation: diagnostic chest CT with or without contrast, PET/CT and/or tissue sampling, depending on the probability of malignancy and comorbidities.',
  },
};

/** Mean diameter as Lung-RADS v2022 measures it: (long + short) / 2 to one decimal, mm. */
export function meanDiameterMm(longAxisMm: number, shortAxisMm: number): number {
  // the epsilon keeps 5.95 (stored as 5.94999...) rounding up, as it does on paper
  return Math.round(((longAxisMm + shortAxisMm) / 2) * 10 + 1e-9) / 10;
}

/** Category of one solid nodule at baseline from its mean diameter (mm, one decimal). */
export function classifySolidNodule(meanDiameter: number): LungRadsAssessment {
  if (meanDiameter < 6) return ASSESSMENTS['2'];
  if (meanDiameter < 8) return ASSESSMENTS['3'];
  if (meanDiameter < 15) return ASSESSMENTS['4A'];
  return ASSESSMENTS['4B'];
}

/** Category of the examination: driven by the largest solid nodule; no nodule gives category 1. */
export function classifyExamination(meanDiameters: number[]): LungRadsAssessment {
  return meanDiameters.length === 0 ? ASSESSMENTS['1'] : classifySolidNodule(Math.max(...meanDiameters));
}

export const LUNG_RADS_PART_SOLID_BASELINE_TEXT =
  'part-solid nodule, baseline: total mean diameter <6 mm category 2; >=6 mm with solid component <6 mm category 3, 6 to <8 mm 4A, >=8 mm 4B';

export const LUNG_RADS_NON_SOLID_BASELINE_TEXT = 'non-solid (ground-glass) nodule, baseline, by mean diameter: <30 mm category 2; >=30 mm category 3';

/**
 * Category of a part-solid nodule at baseline (ACR Lung-RADS v2022 table, "Part Solid"): total mean
 * diameter < 6 mm category 2; otherwise by the solid component's mean diameter: < 6 mm category 3,
 * 6 to < 8 mm 4A, >= 8 mm 4B. Without `totalMeanMm` the whole nodule is taken to be 6 mm or more.
 */
export function classifyPartSolidNodule(solidComponentMeanMm: number, totalMeanMm = Infinity): LungRadsAssessment {
  if (totalMeanMm < 6) return ASSESSMENTS['2'];
  if (solidComponentMeanMm < 6) return ASSESSMENTS['3'];
  if (solidComponentMeanMm < 8) return ASSESSMENTS['4A'];
  return ASSESSMENTS['4B'];
}

/**
 * Category of a non-solid (pure ground-glass) nodule at baseline (ACR Lung-RADS v2022 table, "Non Solid"):
 * mean diameter < 30 mm category 2, >= 30 mm category 3.
 */
export function classifyNonSolidNodule(meanDiameter: number): LungRadsAssessment {
  return meanDiameter < 30 ? ASSESSMENTS['2'] : ASSESSMENTS['3'];
}

const ORDER: LungRadsCategory[] = ['1', '2', '3', '4A', '4B'];

/** The examination's category: the highest of its nodules' categories; none is category 1. */
export function highestCategory(assessments: LungRadsAssessment[]): LungRadsAssessment {
  return assessments.reduce((a, b) => (ORDER.indexOf(b.category) > ORDER.indexOf(a.category) ? b : a), ASSESSMENTS['1']);
}
