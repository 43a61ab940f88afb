import type { NoduleType, ReferenceNodule } from './validation.types.js';

/** Lung-RADS v2022 categories in increasing order of suspicion. */
export const LUNG_RADS_ORDER = ['1', '2', '3', '4A', '4B', '4X'] as const;

export const lungRadsRank = (category: string): number => LUNG_RADS_ORDER.indexOf(category as (typeof LUNG_RADS_ORDER)[number]);

/**
 * The lowest baseline Lung-RADS v2022 category a reference lesion implies (ACR Lung-RADS v2022;
 * Christensen J et al., J Am Coll Radiol 2024;21:473-488), by mean diameter ((long + short) / 2, the
 * long axis when no short axis is known): solid <6 mm 2, 6-<8 3, 8-<15 4A, >=15 4B; part-solid <6 mm 2,
 * otherwise at least 3 (the solid component, which raises it to 4A/4B, is not known from readers'
 * outlines); non-solid <30 mm 2, >=30 mm 3. Features that upgrade to 4X are not assessed, so this is a
 * lower bound: a report below it contradicts the reference.
 */
export function lungRadsLowerBound(type: NoduleType, longAxisMm: number, shortAxisMm?: number): string {
  const size = shortAxisMm === undefined ? longAxisMm : (longAxisMm + shortAxisMm) / 2;
  if (type === 'non-solid') return size < 30 ? '2' : '3';
  if (type === 'part-solid') return size < 6 ? '2' : '3';
  if (size < 6) return '2';
  if (size < 8) return '3';
  if (size < 15) return '4A';
  return '4B';
}

/** The examination's category implied by its reference lesions: the highest lesion's, or 1 when there is none. */
export function examinationLungRadsLowerBound(nodules: ReferenceNodule[]): string {
  return nodules.reduce(
    (worst, n) => {
      const c = lungRadsLowerBound(n.type, n.longAxisMm, n.shortAxisMm);
      return lungRadsRank(c) > lungRadsRank(worst) ? c : worst;
    },
    '1' as string,
  );
}

/**
 * A reported Lung-RADS category is a negative statement when it is 1 (negative) or 2 (benign
 * appearance); it is wrong when the reference implies a higher category.
 */
export function contradictsLungRads(reported: string, reference: string): boolean {
  return (reported === '1' || reported === '2') && lungRadsRank(reference) > lungRadsRank(reported);
}
