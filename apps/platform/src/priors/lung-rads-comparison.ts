/**
 * Lung-RADS v2022 with a prior exam: the categories that depend on change (ACR Lung-RADS v2022,
 * American College of Radiology, November 2022; Christensen J et al., J Am Coll Radiol 2024;21:473-488).
 * - Growth: an increase in mean diameter of more than 1.5 mm within a 12-month interval.
 * - Solid: new < 4 mm -> 2; new 4 to < 6 -> 3; new 6 to < 8 -> 4A; new >= 8 -> 4B; growing < 8 -> 4A;
 *   growing >= 8 -> 4B.
 * - Part-solid: new with total < 6 mm -> 3; new or growing solid component < 4 mm -> 4A, >= 4 mm -> 4B.
 * - Non-solid: new or growing < 30 mm -> 2; new >= 30 mm -> 3; >= 30 mm stable or slowly growing -> 2.
 * - Stepped management of stable nodules: a category 3 nodule stable (or smaller) at follow-up after >= 6
 *   months -> 2; a category 4A nodule stable at >= 3 months -> 3, and after >= 12 months -> 2.
 * Sizes are mean diameters ((long + short) / 2, mm). A stable nodule keeps the detector's own (baseline)
 * category unless a stepped-management rule lowers it. 4X (suspicious features) is a reader's call.
 */

export const LUNG_RADS_COMPARISON_SOURCE = 'ACR Lung-RADS v2022 (Christensen J et al., J Am Coll Radiol 2024;21:473-488), comparison with prior';

export type NoduleChange = 'new' | 'growing' | 'stable' | 'decreased';
export type NoduleKind = 'solid' | 'part-solid' | 'non-solid';

export interface NoduleSize {
  type: NoduleKind;
  /** mean diameter of the whole nodule, mm */
  meanDiameterMm: number;
  /** part-solid: mean diameter of the solid component, mm */
  solidMeanMm?: number;
  /** the nodule's category on its own exam, as the detector judged it (baseline rules: size, type, attachment) */
  category: string;
}

export interface LungRadsComparison {
  change: NoduleChange;
  /** mean-diameter change (the solid component's for part-solid), mm */
  changeMm?: number;
  category: string;
  rule: string;
}

export const GROWTH_THRESHOLD_MM = 1.5;

/** The mean diameter Lung-RADS follows for a type: the solid component of a part-solid nodule. */
function followedSize(n: NoduleSize): number {
  return n.type === 'part-solid' && n.solidMeanMm !== undefined ? n.solidMeanMm : n.meanDiameterMm;
}

/** A nodule with no match in a prior exam that covered its place. */
export function newNoduleCategory(n: NoduleSize): LungRadsComparison {
  const d = n.meanDiameterMm;
  if (n.type === 'non-solid') return { change: 'new', category: d < 30 ? '2' : '3', rule: `new non-solid nodule ${d < 30 ? '< 30 mm -> 2' : '>= 30 mm -> 3'}` };
  if (n.type === 'part-solid') {
    const solid = n.solidMeanMm ?? 0;
    if (d < 6) return { change: 'new', category: '3', rule: 'new part-solid nodule < 6 mm total -> 3' };
    return { change: 'new', category: solid < 4 ? '4A' : '4B', rule: `new part-solid nodule, solid component ${solid < 4 ? '< 4 mm -> 4A' : '>= 4 mm -> 4B'}` };
  }
  const category = d < 4 ? '2' : d < 6 ? '3' : d < 8 ? '4A' : '4B';
  const band = d < 4 ? '< 4 mm' : d < 6 ? '4 to < 6 mm' : d < 8 ? '6 to < 8 mm' : '>= 8 mm';
  return { change: 'new', category, rule: `new solid nodule ${band} -> ${category}` };
}

/** A nodule matched to a prior one `intervalDays` earlier. */
export function comparedNoduleCategory(current: NoduleSize, prior: NoduleSize, intervalDays: number): LungRadsComparison {
  const changeMm = Math.round((followedSize(current) - followedSize(prior)) * 10) / 10;
  // whole months, as follow-up intervals are booked: 365 days is 12 months
  const months = Math.round(intervalDays / (365.25 / 12));
  const grew = changeMm > GROWTH_THRESHOLD_MM;
  const baseline = current.category;
  if (grew) {
    const within = months <= 12 ? 'within 12 months' : `over ${Math.round(months)} months (slow growth)`;
    if (current.type === 'non-solid') {
      return { change: 'growing', changeMm, category: '2', rule: `growing non-solid nodule (+${changeMm} mm ${within}) -> 2` };
    }
    if (current.type === 'part-solid' && current.solidMeanMm !== undefined) {
      const category = current.solidMeanMm < 4 ? '4A' : '4B';
      return { change: 'growing', changeMm, category, rule: `growing solid component (+${changeMm} mm ${within}), ${current.solidMeanMm < 4 ? '< 4 mm -> 4A' : '>= 4 mm -> 4B'}` };
    }
    const category = current.meanDiameterMm < 8 ? '4A' : '4B';
    return { change: 'growing', changeMm, category, rule: `growing solid nodule (+${changeMm} mm ${within}), ${current.meanDiameterMm < 8 ? '< 8 mm -> 4A' : '>= 8 mm -> 4B'}` };
  }
  const change: NoduleChange = changeMm < -GROWTH_THRESHOLD_MM ? 'decreased' : 'stable';
  const priorCategory = prior.category;
  const worst = rank(baseline) >= rank(priorCategory) ? baseline : priorCategory;
  if (worst === '3' && months >= 6) return { change, changeMm, category: '2', rule: `category 3 nodule ${change} at >= 6 months -> 2` };
  if (worst === '4A' && months >= 12) return { change, changeMm, category: '2', rule: `category 4A nodule ${change} for >= 12 months -> 2` };
  if (worst === '4A' && months >= 3) return { change, changeMm, category: '3', rule: `category 4A nodule ${change} at >= 3 months -> 3` };
  return { change, changeMm, category: baseline, rule: `${change}; size category ${baseline}` };
}

const ORDER = ['0', '1', '2', '3', '4A', '4B', '4X'];
export function rank(category: string): number {
  return ORDER.indexOf(category);
}
