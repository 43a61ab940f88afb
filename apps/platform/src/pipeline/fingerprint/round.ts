/** Rounded to `digits` decimals, so fingerprints and explanations show no float noise. */
export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
