/**
 * One cut-off of a category scale. `margin` is the measurement error of the value at this cut-off, as the
 * plugin's validation measured it (the same unit as the value): a true value within it on the other side
 * of the cut-off cannot be told from the measured one.
 */
export interface CategoryCutoff {
  at: number;
  /** the category a value exactly at the cut-off belongs to: the one below it (`<=`) or above it (`>=`) */
  equalGoesTo: 'below' | 'above';
  margin: number;
}

/** Categories in ascending order of the value, with the cut-offs between them (one fewer, ascending). */
export interface CategoryScale<C extends string = string> {
  categories: readonly C[];
  cutoffs: readonly CategoryCutoff[];
  /** unit of the value and the margins, for the reason ("HU", "mm", "%", "" for none) */
  unit: string;
}

/** Why a category is not stated: the measured value lies within the measurement error of a cut-off. */
export interface IndeterminateCategory {
  /** the categories on either side of the cut-off(s) the value cannot be placed between, ascending */
  between: [string, string];
  cutoff: number;
  margin: number;
  reason: string;
}

export type CategoryDecision<C extends string = string> = { category: C; indeterminate?: undefined } | { category: string; indeterminate: IndeterminateCategory };

function side(value: number, cutoff: CategoryCutoff): 'below' | 'above' {
  return value === cutoff.at ? cutoff.equalGoesTo : value < cutoff.at ? 'below' : 'above';
}

function categoryOf<C extends string>(value: number, scale: CategoryScale<C>): number {
  const index = scale.cutoffs.findIndex((c) => side(value, c) === 'below');
  return index === -1 ? scale.cutoffs.length : index;
}

const format = (x: number): string => String(Math.round(x * 100) / 100);

/**
 * The category of a measured value, or "borderline" when a true value within the measurement error on
 * either side would fall in another category (the platform rule: no category, negative or not, is stated
 * that the measurement cannot tell from its neighbour). A cut-off whose margin is 0 is exact.
 */
export function categoriseMeasurement<C extends string>(value: number, scale: CategoryScale<C>): CategoryDecision<C> {
  if (scale.categories.length !== scale.cutoffs.length + 1) throw new RangeError(`a scale of ${scale.cutoffs.length} cut-offs needs ${scale.cutoffs.length + 1} categories`);
  const measured = categoryOf(value, scale);
  let low = measured;
  let high = measured;
  let nearest: CategoryCutoff | undefined;
  for (const [i, cutoff] of scale.cutoffs.entries()) {
    if (cutoff.margin <= 0 || side(value - cutoff.margin, cutoff) === side(value + cutoff.margin, cutoff)) continue;
    low = Math.min(low, i);
    high = Math.max(high, i + 1);
    if (!nearest || Math.abs(value - cutoff.at) < Math.abs(value - nearest.at)) nearest = cutoff;
  }
  if (!nearest) return { category: scale.categories[measured]! };
  const between: [string, string] = [scale.categories[low]!, scale.categories[high]!];
  const unit = scale.unit ? ` ${scale.unit}` : '';
  const reason = `${format(value)}${unit} lies within the measurement error (±${format(nearest.margin)}${unit}) of the ${format(nearest.at)}${unit} cut-off between ${between[0]} and ${between[1]}`;
  return { category: `borderline ${between[0]}/${between[1]}`, indeterminate: { between, cutoff: nearest.at, margin: nearest.margin, reason: `borderline: ${reason}` } };
}

/** The finding fields of a decision: `category`, and `indeterminate` when the category could not be placed. */
export function categoryFields(decision: CategoryDecision): { category: string; indeterminate?: IndeterminateCategory } {
  return decision.indeterminate ? { category: decision.category, indeterminate: decision.indeterminate } : { category: decision.category };
}
