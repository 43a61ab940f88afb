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
  /** largest diameter in the plane, mm */
  maxDiameterMm: number;
  /** mean diameter in the plane, mm */
  meanDiameterMm: number;
  /** smallest diameter of the fitted ellipse, mm (max / min: the section's roundness) */
  minDiameterMm: number;
  /** share of the opposite-ray diameters whose both edges lay near the median radius (the wall was seen there) */
  edgeFraction: number;
}

export interface RayFan {
  /** edge distance per ray, mm; NaN where the ray found no edge within its length */
  radii: Float64Array;
  /** share of edges where the image rose above the window (bone, not fat or lung) */
  highExitFraction: number;
  /** in-plane unit vectors of the rays */
  directions: Vec3[];
}

const RAYS = 72;
const STEP_MM = 0.25;
/** how far beyond the edge the neighbouring tissue's attenuation is read */
const BEYOND_MM = [0.5, 1, 1.5];
const EXTRA_STEPS = Math.round(BEYOND_MM[2] / STEP_MM);

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
 * image. A ray stops where the image leaves the lumen window for two consecutive samples; its edge is
 * then placed at half maximum between the blood and the tissue just beyond (full width at half
 * maximum), so lung, fat, soft tissue and bone neighbours all give an unbiased wall position.
 */
export function castRays(stack: AxialStack, center: Vec3, axis: Vec3, maxLengthMm: number, window: LumenWindow): RayFan {
  const [e1, e2] = planeBasis(axis);
  const radii = new Float64Array(RAYS).fill(NaN);
  const directions: Vec3[] = [];
  const steps = Math.floor(maxLengthMm / STEP_MM);
  const samples = new Float64Array(steps + 2 + EXTRA_STEPS);
  let high = 0;
  let edges = 0;
  for (let r = 0; r < RAYS; r++) {
    const angle = (2 * Math.PI * r) / RAYS;
    const c = Math.cos(angle);
    const s = Math.sin(angle);
    const d: Vec3 = [c * e1[0] + s * e2[0], c * e1[1] + s * e2[1], c * e1[2] + s * e2[2]];
    directions.push(d);
    const at = (t: number): number => sampleHu(stack, center[0] + d[0] * t, center[1] + d[1] * t, center[2] + d[2] * t);
    let stop = -1;
    for (let n = 0; n <= steps; n++) {
      samples[n] = at(n * STEP_MM);
      const outside = (v: number): boolean => v < window.low || v > window.high;
      if (n > 0 && outside(samples[n]) && outside(samples[n - 1])) {
        stop = n - 1;
        break;
      }
    }
    if (stop < 1) continue;
    const exitHigh = samples[stop] > window.high;
    // the neighbour's level just past the edge: its most extreme value, so a ramp into lung still counts
    // as lung, while a thin wall or fat plane is not skipped to reach the tissue behind it
    const past = BEYOND_MM.map((b) => at(stop * STEP_MM + b));
    const beyond = exitHigh ? Math.max(...past) : Math.min(...past);
    const threshold = (window.blood + beyond) / 2;
    // first crossing of the half-maximum threshold from the centre outwards (beyond the coarse stop
    // when the neighbour is far from the window, as lung is)
    const limit = stop + EXTRA_STEPS;
    for (let m = stop + 2; m <= limit; m++) samples[m] = at(m * STEP_MM);
    let n = 1;
    while (n < limit && (exitHigh ? samples[n] < threshold : samples[n] > threshold)) n++;
    const span = samples[n] - samples[n - 1];
    const fraction = span !== 0 ? Math.min(1, Math.max(0, (threshold - samples[n - 1]) / span)) : 1;
    radii[r] = (n - 1 + fraction) * STEP_MM;
    edges++;
    if (exitHigh) high++;
  }
  return { radii, highExitFraction: edges > 0 ? high / edges : 0, directions };
}

/**
 * Diameters of the lumen in the plane through `center` perpendicular to `axis`. The centre is first
 * moved to the middle of the detected edge, then opposite rays give one diameter each; rays whose edge
 * lies more than 20 % from the median radius (a neighbouring vessel or soft tissue touching the wall)
 * are dropped, and the section is rejected when fewer than 60 % of the diameters survive.
 */
export function measureSection(stack: AxialStack, center: Vec3, axis: Vec3, radiusGuessMm: number, window: LumenWindow): CrossSection | undefined {
  const centred = centredFan(stack, center, axis, radiusGuessMm, window);
  if (!centred) return undefined;
  const { fan, center: c } = centred;
  const kept = new Set(keptRays(fan.radii));
  const half = RAYS / 2;
  const diameters = new Float64Array(half).fill(NaN);
  let sum = 0;
  let count = 0;
  for (let r = 0; r < half; r++) {
    if (!kept.has(r) || !kept.has(r + half)) continue;
    diameters[r] = fan.radii[r] + fan.radii[r + half];
    sum += diameters[r];
    count++;
  }
  if (count < half * 0.6) return undefined;
  // An ellipse's diameter varies with angle mostly as its second harmonic: fit
  // d(theta) = m + p cos 2theta + q sin 2theta by least squares; the largest diameter is m + |(p, q)|,
  // far steadier against edge noise than the single largest chord.
  const n = [[0, 0, 0], [0, 0, 0], [0, 0, 0]];
  const rhs = [0, 0, 0];
  for (let r = 0; r < half; r++) {
    if (Number.isNaN(diameters[r])) continue;
    const angle = (4 * Math.PI * r) / RAYS;
    const basis = [1, Math.cos(angle), Math.sin(angle)];
    for (let a = 0; a < 3; a++) {
      rhs[a] += basis[a] * diameters[r];
      for (let b = 0; b < 3; b++) n[a][b] += basis[a] * basis[b];
    }
  }
  const [m, p, q] = solve3(n, rhs);
  const amplitude = Math.hypot(p, q);
  return { center: c, axis, maxDiameterMm: m + amplitude, meanDiameterMm: sum / count, minDiameterMm: m - amplitude, edgeFraction: count / half };
}

/**
 * Rays from the middle of the lumen: the fan is recast from the mean chord midpoint, so a start
 * off-centre (the peak of a coarse distance map) does not skew the diameters. For a circle, opposite
 * edges differ by twice the offset's component along the ray, so mean((r1 - r2) d) is the offset itself;
 * chords far from the median length (a leak into a neighbour) are left out on both sides alike.
 */
export function centredFan(stack: AxialStack, center: Vec3, axis: Vec3, radiusGuessMm: number, window: LumenWindow): { fan: RayFan; center: Vec3 } | undefined {
  const half = RAYS / 2;
  let c = center;
  let fan = castRays(stack, c, axis, 2 * radiusGuessMm + 8, window);
  for (let pass = 0; pass < 3; pass++) {
    const chords: number[] = [];
    for (let r = 0; r < half; r++) {
      const chord = fan.radii[r] + fan.radii[r + half];
      if (!Number.isNaN(chord)) chords.push(r);
    }
    const lengths = chords.map((r) => fan.radii[r] + fan.radii[r + half]).sort((a, b) => a - b);
    const typical = lengths[lengths.length >> 1];
    const kept = chords.filter((r) => Math.abs(fan.radii[r] + fan.radii[r + half] - typical) <= 0.2 * typical);
    if (kept.length < half * 0.6) return undefined;
    const shift: Vec3 = [0, 0, 0];
    for (const r of kept) for (let a = 0; a < 3; a++) shift[a] += ((fan.radii[r] - fan.radii[r + half]) * fan.directions[r][a]) / kept.length;
    c = [c[0] + shift[0], c[1] + shift[1], c[2] + shift[2]];
    fan = castRays(stack, c, axis, 2 * radiusGuessMm + 8, window);
    if (Math.hypot(...shift) < 0.1) break;
  }
  return { fan, center: c };
}

function keptRays(radii: Float64Array): number[] {
  const found = [...radii].filter((r) => !Number.isNaN(r)).sort((a, b) => a - b);
  if (found.length === 0) return [];
  const median = found[found.length >> 1];
  const kept: number[] = [];
  radii.forEach((r, n) => {
    if (!Number.isNaN(r) && r >= 0.8 * median && r <= 1.2 * median) kept.push(n);
  });
  return kept;
}

/** Solves a 3 x 3 linear system by Cramer's rule. */
function solve3(a: number[][], b: number[]): [number, number, number] {
  const det = (m: number[][]): number =>
    m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
  const d = det(a);
  const column = (c: number): number[][] => a.map((row, i) => row.map((v, j) => (j === c ? b[i] : v)));
  return [det(column(0)) / d, det(column(1)) / d, det(column(2)) / d];
}

export function normalise(v: Vec3): Vec3 {
  const l = Math.hypot(v[0], v[1], v[2]) || 1;
  return [v[0] / l, v[1] / l, v[2] / l];
}

function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}
