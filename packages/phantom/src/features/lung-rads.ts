import type { NoduleAttachment, NoduleShape, NoduleType } from './nodules.feature.js';

/** Lung-RADS v2022 categories a single baseline nodule can get from type and size alone. */
export type LungRadsCategory = '2' | '3' | '4A' | '4B';

export interface LungRadsNoduleInput {
  type: NoduleType;
  /** mean of long and short axis, to one decimal, mm */
  meanDiameterMm: number;
  /** part-solid: mean diameter of the solid component, mm */
  solidComponentMeanMm?: number;
  attachment?: NoduleAttachment;
  shape?: NoduleShape;
}

/**
 * Expected Lung-RADS v2022 baseline category of one nodule from its truth (ACR Lung-RADS v2022,
 * American College of Radiology, November 2022), independent of any plugin's classifier:
 * - solid: < 6 mm -> 2; 6 to < 8 -> 3; 8 to < 15 -> 4A; >= 15 -> 4B
 * - juxtapleural, solid, smooth (sphere or ellipsoid here) and < 10 mm -> 2 (v2022 addition)
 * - part-solid: < 6 mm total -> 2; >= 6 total with solid component < 6 -> 3; solid 6 to < 8 -> 4A; solid >= 8 -> 4B
 * - non-solid (ground glass): < 30 mm -> 2; >= 30 -> 3
 * Sizes are mean diameters to one decimal. 4X (category 3/4 with additional suspicious features, such as
 * spiculation) is a reader's judgement and is not assigned from size.
 */
export function lungRadsBaseline(nodule: LungRadsNoduleInput): LungRadsCategory {
  const d = nodule.meanDiameterMm;
  if (nodule.type === 'non-solid') return d < 30 ? '2' : '3';
  if (nodule.type === 'part-solid') {
    const solid = nodule.solidComponentMeanMm ?? 0;
    if (d < 6) return '2';
    if (solid < 6) return '3';
    return solid < 8 ? '4A' : '4B';
  }
  const smooth = nodule.shape === undefined || nodule.shape === 'sphere' || nodule.shape === 'ellipsoid';
  if (nodule.attachment === 'juxtapleural' && smooth && d < 10) return '2';
  if (d < 6) return '2';
  if (d < 8) return '3';
  return d < 15 ? '4A' : '4B';
}
