import type { Vec3 } from '@polyrad/sdk';
import { sampleHu, type AxialStack } from './axial-stack.js';

/**
 * HU window of the lumen: a ray leaves the vessel where the image falls below `low` or rises above
 * `high`; `blood` is the lumen's own attenuation, for the half-maximum edge.
 */
export interface LumenWindow {
  blood: number;
  low: number;
  high: number;
}

export interface CrossSection {
  /** LPS centre of the lumen in this plane, mm */
  center: Vec3;
  /** unit vessel axis the plane is perpendicular to */
  axis: Vec3;
  /** largest diameter of the fitted outline, mm */
  maxDiameterMm: number;
  /** mean diameter of the fitted outline, mm */
  meanDiameterMm: number;
  /** smallest diameter of the fitted outline, mm (min / max: the section's roundness) */
  minDiameterMm: number;
  /** share of the rays whose edge lies on the fitted outline (the wall was seen there) */
  edgeFraction: number;
  /** largest angle between neighbouring rays on the outline, degrees (where the wall was not seen) */
  largestGapDeg: number;
  /**
   * share of the directions in which bone (above the window) lies within RIM_MM outside the outline:
   * a vertebral body is walled by cortex nearly all round, an aorta touches the spine on one side only
   */
  boneRimFraction: number;
}

export interface RayFan {
  /** edge distance per ray, mm; NaN where the ray found no edge within its length */
  radii: Float64Array;
  /** per ray: the edge was where the image rose above the window (bone, calcium), not fell below it (fat, lung) */
  exitHigh: boolean[];
}

const RAYS = 72;
const STEP_MM = 0.25;
/** how far beyond the edge the neighbouring tissue's attenuation is read */
const BEYOND_MM = [0.5, 1, 1.5];
const EXTRA_STEPS = Math.round(BEYOND_MM[2] / STEP_MM);
/** samples either side averaged along a ray (0.5 mm each way) */
const SMOOTH_STEPS = 2;

/** Lumen window for a measured blood attenuation: half-way to mediastinal fat, and 150 HU above the blood. */
export function lumenWindow(bloodHu: number): LumenWindow {
  return { blood: bloodHu, low: (bloodHu - 90) / 2, high: bloodHu + 150 };
}

/** Two unit vectors spanning the plane perpendicular to `axis`. */
export function planeBasis(axis: Vec3): [Vec3, Vec3] {
  const ref: Vec3 = Math.abs(axis[0]) < 0.9 ? [1, 0, 0] : [0, 1, 0];
  const e1 = normalise(cross(axis, ref));
  return [e1, cross(axis, e1)];
}

/**
 * Casts rays from `center` in the plane perpendicular to `axis` through the resampled (trilinear)
 * image, smoothed along the ray over 1.25 mm. A ray stops where the image leaves the lumen window for
 * two consecutive samples; its edge is
 * then placed at half maximum between the blood and the tissue just beyond (full width at half
 * maximum), so lung, fat, soft tissue and bone neighbours all give an unbiased wall position.
 */
export function castRays(stack: AxialStack, center: Vec3, axis: Vec3, maxLengthMm: number, window: LumenWindow): RayFan {
  const [e1, e2] = planeBasis(axis);
  const radii = new Float64Array(RAYS).fill(NaN);
  const steps = Math.floor(maxLengthMm / STEP_MM);
  const length = steps + 2 + EXTRA_STEPS + SMOOTH_STEPS;
  const raw = new Float64Array(length);
  const samples = new Float64Array(length);
  const exitHigh = new Array<boolean>(RAYS).fill(false);
  const outside = (v: number): boolean => v < window.low || v > window.high;
  for (let r = 0; r < RAYS; r++) {
    const angle = (2 * Math.PI * r) / RAYS;
    const c = Math.cos(angle);
    const s = Math.sin(angle);
    const d: Vec3 = [c * e1[0] + s * e2[0], c * e1[1] + s * e2[1], c * e1[2] + s * e2[2]];
    // samples along the ray, each the mean over SMOOTH_STEPS either side: a sharp kernel's pixel noise
    // no longer stops a ray inside the lumen, and a symmetric mean leaves a half-maximum edge in place
    let read = 0;
    let smoothed = 0;
    const value = (n: number): number => {
      for (; smoothed <= n; smoothed++) {
        for (; read <= smoothed + SMOOTH_STEPS; read++) raw[read] = sampleHu(stack, center[0] + d[0] * read * STEP_MM, center[1] + d[1] * read * STEP_MM, center[2] + d[2] * read * STEP_MM);
        let sum = 0;
        const from = Math.max(0, smoothed - SMOOTH_STEPS);
        for (let m = from; m <= smoothed + SMOOTH_STEPS; m++) sum += raw[m];
        samples[smoothed] = sum / (smoothed + SMOOTH_STEPS - from + 1);
      }
      return samples[n];
    };
    let stop = -1;
    for (let n = 1; n <= steps; n++) {
      if (outside(value(n)) && outside(value(n - 1))) {
        stop = n - 1;
        break;
      }
    }
    if (stop < 1) continue;
    const high = samples[stop] > window.high;
    // the neighbour's level just past the edge: its most extreme value, so a ramp into lung still counts
    // as lung, while a thin wall or fat plane is not skipped to reach the tissue behind it
    const past = BEYOND_MM.map((b) => value(stop + Math.round(b / STEP_MM)));
    const beyond = high ? Math.max(...past) : Math.min(...past);
    const threshold = (window.blood + beyond) / 2;
    // first crossing of the half-maximum threshold from the centre outwards (beyond the coarse stop
    // when the neighbour is far from the window, as lung is)
    const limit = stop + EXTRA_STEPS;
    value(limit);
    let n = 1;
    while (n < limit && (high ? samples[n] < threshold : samples[n] > threshold)) n++;
    const span = samples[n] - samples[n - 1];
    const fraction = span !== 0 ? Math.min(1, Math.max(0, (threshold - samples[n - 1]) / span)) : 1;
    radii[r] = (n - 1 + fraction) * STEP_MM;
    exitHigh[r] = high;
  }
  return { radii, exitHigh };
}

/** an edge lies on the outline when within this distance of it (the half-maximum edge of one ray wanders by ~1 mm at 40 HU noise) */
const ON_OUTLINE_MM = 1.5;
/** ... or within this share of the radius, for large lumens whose wall is resampled from coarse pixels */
const ON_OUTLINE_SHARE = 0.1;
/** fewest rays on the outline for a fit (5 parameters, spread round the lumen) */
const MIN_FIT_RAYS = 18;

/**
 * The lumen outline in the plane through `center` perpendicular to `axis`, robust to neighbours that
 * touch the wall. Where the aorta touches a structure of its own attenuation (the oesophagus, the
 * pulmonary artery, the superior vena cava, unenhanced myocardium) the rays cross into it and find the
 * neighbour's far edge: such edges always lie outside the wall, so they are outliers of the outline and
 * are dropped, never averaged in (averaging them in read unenhanced aortas 2-4 mm too large).
 *
 * Steps: cast 72 rays (`castRays`, half-maximum edges); fit a circle to the edges that lie on it
 * (`fitOutline`); move the centre to the circle's and recast, until the centre stays put; then the
 * ellipse from the chords both of whose ends lie on the circle (`ellipseAmplitude`): largest diameter
 * mean + amplitude, smallest mean - amplitude. Undefined when too few rays agree on an outline.
 */
export function measureSection(stack: AxialStack, center: Vec3, axis: Vec3, radiusGuessMm: number, window: LumenWindow): CrossSection | undefined {
  let c = center;
  let radius = radiusGuessMm;
  const [e1, e2] = planeBasis(axis);
  for (let pass = 0; pass < 4; pass++) {
    const fan = castRays(stack, c, axis, 2 * radius + 8, window);
    const outline = fitOutline(fan.radii, radius);
    if (!outline) return undefined;
    const shift: Vec3 = [0, 1, 2].map((a) => outline.offset[0] * e1[a] + outline.offset[1] * e2[a]) as Vec3;
    const moved = Math.hypot(...shift);
    // a centre that wanders by more than the radius has slid into a neighbour
    if (moved > Math.max(radius, radiusGuessMm)) return undefined;
    if (moved < 0.25 || pass === 3) {
      const ellipse = ellipseAmplitude(fan.radii, outline.onOutline);
      return {
        center: c,
        axis,
        maxDiameterMm: 2 * outline.radius + ellipse,
        meanDiameterMm: 2 * outline.radius,
        minDiameterMm: 2 * outline.radius - ellipse,
        edgeFraction: outline.onOutline.length / RAYS,
        largestGapDeg: largestGap(outline.onOutline),
        boneRimFraction: boneRim(stack, c, axis, outline.radius, window),
      };
    }
    c = [c[0] + shift[0], c[1] + shift[1], c[2] + shift[2]];
    radius = outline.radius;
  }
  return undefined;
}

/** how far outside the outline bone is looked for */
const RIM_MM = 4;

/** Share of RAYS directions in which the image rises above the window within RIM_MM outside a circle of `radius` around `center`. */
function boneRim(stack: AxialStack, center: Vec3, axis: Vec3, radius: number, window: LumenWindow): number {
  const [e1, e2] = planeBasis(axis);
  let bone = 0;
  for (let r = 0; r < RAYS; r++) {
    const t = (2 * Math.PI * r) / RAYS;
    const d = [0, 1, 2].map((a) => Math.cos(t) * e1[a] + Math.sin(t) * e2[a]);
    for (let s = radius - 1; s <= radius + RIM_MM; s += STEP_MM * 2) {
      if (sampleHu(stack, center[0] + d[0] * s, center[1] + d[1] * s, center[2] + d[2] * s) > window.high) {
        bone++;
        break;
      }
    }
  }
  return bone / RAYS;
}

export interface Outline {
  /** mean radius, mm */
  radius: number;
  /** in-plane offset of the lumen centre from the rays' origin along the plane basis, mm */
  offset: [number, number];
  /** rays whose edge lies on the outline */
  onOutline: number[];
}

/**
 * Trimmed least-squares circle through the ray edges: r(t) = a0 + a1 cos t + b1 sin t is a circle of
 * radius a0 seen from (a1, b1) off its centre. Start from the edges within 30 % of `radiusGuessMm`,
 * refit on the edges within ON_OUTLINE of the circle until the set no longer changes. A circle, not an
 * ellipse, because a neighbour often hides one side: an ellipse fitted to the rest trades its axes
 * against the centre and came out 2-3 mm long on round phantom aortas. Undefined with < MIN_FIT_RAYS edges.
 */
export function fitOutline(radii: Float64Array, radiusGuessMm: number): Outline | undefined {
  const n = radii.length;
  const basis = (r: number): number[] => {
    const t = (2 * Math.PI * r) / n;
    return [1, Math.cos(t), Math.sin(t)];
  };
  let on: number[] = [];
  for (let r = 0; r < n; r++) if (Math.abs(radii[r] - radiusGuessMm) <= Math.max(2, 0.3 * radiusGuessMm)) on.push(r);
  for (let iteration = 0; iteration < 8; iteration++) {
    if (on.length < MIN_FIT_RAYS) return undefined;
    const a = leastSquares(on.map(basis), on.map((r) => radii[r]));
    if (!a || !(a[0] > 0)) return undefined;
    const tolerance = Math.max(ON_OUTLINE_MM, ON_OUTLINE_SHARE * a[0]);
    const next: number[] = [];
    for (let r = 0; r < n; r++) {
      const b = basis(r);
      if (Math.abs(radii[r] - (a[0] + a[1] * b[1] + a[2] * b[2])) <= tolerance) next.push(r);
    }
    const same = next.length === on.length && next.every((r, i) => r === on[i]);
    on = next;
    if (same) break;
  }
  if (on.length < MIN_FIT_RAYS) return undefined;
  const a = leastSquares(on.map(basis), on.map((r) => radii[r]));
  return a && a[0] > 0 ? { radius: a[0], offset: [a[1], a[2]], onOutline: on } : undefined;
}

/**
 * Half the difference of the largest and smallest diameter, from the chords whose both ends lie on
 * the outline: d(t) = 2 a0 + c cos 2t + s sin 2t over the chord directions (independent of where the
 * centre sits). 0 when the chords leave a gap over 45 degrees of direction, where the axes cannot be told.
 */
export function ellipseAmplitude(radii: Float64Array, onOutline: number[]): number {
  const half = radii.length / 2;
  const on = new Set(onOutline);
  const chords: number[] = [];
  for (let r = 0; r < half; r++) if (on.has(r) && on.has(r + half)) chords.push(r);
  if (chords.length < 8) return 0;
  let gap = 0;
  for (let i = 0; i < chords.length; i++) gap = Math.max(gap, (i + 1 < chords.length ? chords[i + 1] : chords[0] + half) - chords[i]);
  if ((gap * 180) / half > 45) return 0;
  const rows = chords.map((r) => {
    const t = (4 * Math.PI * r) / radii.length;
    return [1, Math.cos(t), Math.sin(t)];
  });
  const a = leastSquares(rows, chords.map((r) => radii[r] + radii[r + half]));
  return a ? Math.hypot(a[1], a[2]) : 0;
}

/** Least-squares solution of rows x = values (normal equations), undefined when singular. */
function leastSquares(rows: number[][], values: number[]): number[] | undefined {
  const m = rows[0]?.length ?? 0;
  const normal = Array.from({ length: m }, () => new Array<number>(m).fill(0));
  const rhs = new Array<number>(m).fill(0);
  rows.forEach((row, k) => {
    for (let i = 0; i < m; i++) {
      rhs[i] += row[i] * values[k];
      for (let j = 0; j < m; j++) normal[i][j] += row[i] * row[j];
    }
  });
  return solve(normal, rhs);
}

/** Largest angle between consecutive rays of `rays` (indices of RAYS evenly spaced rays), degrees. */
function largestGap(rays: number[]): number {
  let gap = 0;
  for (let i = 0; i < rays.length; i++) {
    const next = i + 1 < rays.length ? rays[i + 1] : rays[0] + RAYS;
    gap = Math.max(gap, next - rays[i]);
  }
  return (gap * 360) / RAYS;
}

/** Solves a small linear system by Gaussian elimination with partial pivoting; undefined when singular. */
function solve(matrix: number[][], rhs: number[]): number[] | undefined {
  const n = rhs.length;
  const m = matrix.map((row, i) => [...row, rhs[i]]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let row = col + 1; row < n; row++) if (Math.abs(m[row][col]) > Math.abs(m[pivot][col])) pivot = row;
    if (Math.abs(m[pivot][col]) < 1e-9) return undefined;
    [m[col], m[pivot]] = [m[pivot], m[col]];
    for (let row = col + 1; row < n; row++) {
      const f = m[row][col] / m[col][col];
      for (let k = col; k <= n; k++) m[row][k] -= f * m[col][k];
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let row = n - 1; row >= 0; row--) {
    let s = m[row][n];
    for (let k = row + 1; k < n; k++) s -= m[row][k] * x[k];
    x[row] = s / m[row][row];
  }
  return x;
}

export function normalise(v: Vec3): Vec3 {
  const l = Math.hypot(v[0], v[1], v[2]) || 1;
  return [v[0] / l, v[1] / l, v[2] / l];
}

function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}
