import type { NoduleType } from '../features/nodules.feature.js';
import { lungRadsBaseline } from '../features/lung-rads.js';
import type { ReferenceNodule } from './validation.types.js';

/** Lung-RADS v2022 categories in increasing order of suspicion. */
export const LUNG_RADS_ORDER = ['1', '2', '3', '4A', '4B', '4X'] as const;

export const lungRadsRank = (category: string): number => LUNG_RADS_ORDER.indexOf(category as (typeof LUNG_RADS_ORDER)[number]);

/** the highest of several categories; '1' (negative) for none */
export const highestLungRads = (categories: string[]): string => categories.reduce((a, b) => (lungRadsRank(b) > lungRadsRank(a) ? b : a), '1');

/**
 * The lowest baseline Lung-RADS v2022 category a readers' lesion implies (`lungRadsBaseline`), by mean
 * diameter ((long + short) / 2, the long axis when no short axis is known). Readers' outlines give
 * neither the solid component of a part-solid lesion (so it counts as < 6 mm: category 3) nor
 * suspicious features (4X), so a report below this category contradicts the readers.
 */
export function lungRadsLowerBound(type: NoduleType, longAxisMm: number, shortAxisMm?: number): string {
  const mean = shortAxisMm === undefined ? longAxisMm : (longAxisMm + shortAxisMm) / 2;
  return lungRadsBaseline({ type, meanDiameterMm: Math.round(mean * 10) / 10 });
}

/** The examination's category implied by its reference lesions: the highest lesion's, or 1 when there is none. */
export function examinationLungRadsLowerBound(nodules: ReferenceNodule[]): string {
  return highestLungRads(nodules.map((n) => lungRadsLowerBound(n.type, n.longAxisMm, n.shortAxisMm)));
}

/**
 * A reported Lung-RADS category is a negative statement when it is 1 (negative) or 2 (benign
 * appearance); it is wrong when the reference implies a higher category.
 */
export function contradictsLungRads(reported: string, reference: string): boolean {
  return (reported === '1' || reported === '2') && lungRadsRank(reference) > lungRadsRank(reported);
}
