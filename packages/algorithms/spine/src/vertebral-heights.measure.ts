import type { Volume } from '@polyrad/sdk';
import type { SliceBody } from './body-slices.tracer.js';
import type { VertebralRun } from './vertebral-runs.segmenter.js';
import { median } from './spine-statistics.helper.js';

/**
 * Genant's anterior, middle and posterior heights are read on lines this fraction of the body's half-depth in
 * front of and behind its centre: inside the flat parts of the endplates, clear of the rounded anterior rim
 * and of the concave back wall facing the canal.
 */
export const COLUMN_FRACTION = 0.6;
/** an endplate stands out of the trabecular bone by at least this (a 1 mm plate of >= 400 HU over >= 250 HU bone, blurred over 3 mm slices) */
const MIN_ENDPLATE_CONTRAST_HU = 40;
/** ... and by at least this many standard deviations of the line's noise, so a noise peak inside the body is not taken for it */
const ENDPLATE_NOISE_SDS = 5;
/** a cortical endplate is about 1 mm thick; the outer surface lies half of it beyond the plate's centre */
const PLATE_MM = 1;

/** the column's local axis: fractional (i, j) at slice `k` and its drift per slice (the thoracic kyphosis tilts the bodies) */
export interface ColumnAxis {
  ci: number;
  cj: number;
  k: number;
  slopeI: number;
  slopeJ: number;
}

export interface VertebralHeights {
  /** mm along the column axis between the outer endplate surfaces, on the anterior, middle and posterior lines */
  heightsMm: { anterior: number; middle: number; posterior: number };
  /** all three lines crossed both endplates and their heights are mutually plausible */
  heightsReliable: boolean;
}

/** Least-squares line through the body centres of slices lo..hi, anchored at (ci, cj) on slice k; no tilt from fewer than 3 centres. */
export function fitColumnAxis(bodies: (SliceBody | undefined)[], lo: number, hi: number, k: number, ci: number, cj: number): ColumnAxis {
  let n = 0;
  let sk = 0;
  let skk = 0;
  let si = 0;
  let sj = 0;
  let ski = 0;
  let skj = 0;
  for (let q = lo; q <= hi; q++) {
    const b = bodies[q];
    if (!b) continue;
    n++;
    sk += q;
    skk += q * q;
    si += b.ci;
    sj += b.cj;
    ski += q * b.ci;
    skj += q * b.cj;
  }
  const den = n * skk - sk * sk;
  if (n < 3 || den === 0) return { ci, cj, k, slopeI: 0, slopeJ: 0 };
  return { ci, cj, k, slopeI: (n * ski - sk * si) / den, slopeJ: (n * skj - sk * sj) / den };
}

/**
 * Mean HU per slice lo..hi along the line parallel to the axis, `offsetJ` voxels from it along j, over a
 * patch of +-3 mm laterally (and one voxel either side along j below 1.5 mm pixels) that averages the
 * noise down; NaN where the patch leaves the image.
 */
export function lineProfile(volume: Volume, axis: ColumnAxis, offsetJ: number, lo: number, hi: number): number[] {
  const { voxels, geometry } = volume;
  const [nx, ny] = geometry.dimensions;
  const [sx, sy] = geometry.spacing;
  const halfI = Math.max(1, Math.round(3 / sx));
  const halfJ = sy < 1.5 ? 1 : 0;
  const profile: number[] = [];
  for (let k = lo; k <= hi; k++) {
    const i = Math.round(axis.ci + axis.slopeI * (k - axis.k));
    const j = Math.round(axis.cj + axis.slopeJ * (k - axis.k) + offsetJ);
    if (j - halfJ < 0 || j + halfJ >= ny || i - halfI < 0 || i + halfI >= nx) {
      profile.push(NaN);
      continue;
    }
    let sum = 0;
    for (let b = -halfJ; b <= halfJ; b++) {
      for (let a = -halfI; a <= halfI; a++) sum += voxels[k * nx * ny + (j + b) * nx + i + a];
    }
    profile.push(sum / ((2 * halfI + 1) * (2 * halfJ + 1)));
  }
  return profile;
}

/** noise SD of a profile inside the bone from its successive differences (robust: the MAD, so a stray step does not count) */
export function profileNoise(profile: number[]): number {
  const diffs = profile.slice(1).map((x, n) => Math.abs(x - profile[n])).filter((d) => !Number.isNaN(d));
  return (1.4826 * median(diffs)) / Math.SQRT2;
}

/**
 * The two endplates along a profile, searched outward from index `mid` (inside the body): on each side the
 * first sample that stands out of the trabecular bone (`insideHu`) by the endplate contrast, or, where the
 * plate is too thin for its slice to stand out, the last samples before the profile drops by that contrast
 * into the disc (bone brighter than the disc). The plate lies at the centroid of the excess over the bone
 * and what lies beyond (a thin plate blurred over a thick slice keeps its centroid); with no excess, at
 * the half-way crossing into the disc less half a plate. Returns fractional indices, or undefined when a
 * side shows neither (the endplate is not resolved on this line). `noiseSd`: the profile's noise inside the bone.
 */
export function endplateCentres(profile: number[], mid: number, insideHu: number, sliceMm: number, noiseSd: number): { lower: number; upper: number } | undefined {
  const contrast = Math.max(MIN_ENDPLATE_CONTRAST_HU, ENDPLATE_NOISE_SDS * noiseSd);
  const at = (q: number): number => (q >= 0 && q < profile.length ? profile[q] : NaN);
  const plate = (step: number): number | undefined => {
    let k = mid;
    while (at(k) < insideHu + contrast && at(k) > insideHu - contrast) k += step;
    if (Number.isNaN(at(k))) return undefined;
    const bright = at(k) >= insideHu + contrast;
    // the plate's samples: the bright run, or the two samples before the drop into the disc
    const first = bright ? k : k - 2 * step;
    let last = bright ? k : k - step;
    if (bright) while (at(last + step) >= insideHu + contrast) last += step;
    const beyond = at(last + step);
    if (Number.isNaN(beyond)) return undefined;
    const base = Math.max(insideHu, beyond);
    let weight = 0;
    let moment = 0;
    for (let q = Math.min(first, last) - (bright ? 1 : 0); q <= Math.max(first, last) + (bright ? 1 : 0); q++) {
      const excess = at(q) - base;
      if (!(excess > 0)) continue;
      weight += excess;
      moment += excess * q;
    }
    if (weight > 0) return moment / weight;
    // no plate above the bone: the surface where the profile crosses half-way to the disc, the plate half a plate inside it
    const half = (insideHu + at(k)) / 2;
    const from = at(k - step);
    const crossing = k - step + (step * (from - half)) / Math.max(1e-6, from - at(k));
    return crossing - (step * PLATE_MM) / 2 / sliceMm;
  };
  const upper = plate(1);
  const lower = plate(-1);
  return upper === undefined || lower === undefined ? undefined : { lower, upper };
}

/**
 * Step 5: Genant's heights of the body of run r on its mid-sagittal plane, along lines parallel to the column's local axis
 * between the outer surfaces of its endplates (searched no further than the neighbouring bodies' centres), and
 * whether they are mutually plausible enough to grade. `insideHu` is the body's trabecular attenuation.
 */
export function vertebralHeights(volume: Volume, bodies: (SliceBody | undefined)[], runs: VertebralRun[], r: number, ref: SliceBody[], insideHu: number | undefined): VertebralHeights {
  const { geometry } = volume;
  const nz = geometry.dimensions[2];
  const [sx, sy, sz] = geometry.spacing;
  const posteriorSign = Math.sign(geometry.direction[1][1]);
  const [k0, k1] = runs[r];
  // search no further than the neighbouring bodies' centres, nor further than a disc and ~2 mm beyond the run
  // (a neighbour the column search missed must not lend its endplate)
  const gaps = runs.slice(1).map(([g0], q) => g0 - runs[q][1] - 1);
  const reach = Math.max(1, Math.round(gaps.length > 0 ? median(gaps) : 6 / sz)) + Math.max(1, Math.round(2 / sz));
  const lo = Math.max(r > 0 ? Math.ceil((runs[r - 1][0] + runs[r - 1][1]) / 2) + 1 : 0, k0 - reach);
  const hi = Math.min(r + 1 < runs.length ? Math.floor((runs[r + 1][0] + runs[r + 1][1]) / 2) - 1 : nz - 1, k1 + reach);
  const ci = median(ref.map((b) => b.ci));
  const cj = median(ref.map((b) => b.cj));
  // the outer anterior wall gives the half-depth (behind the body, pedicles may continue the cortex)
  const halfDepthJ = median(ref.map((b) => b.anteriorOuter)) / sy;
  const mid = Math.round((k0 + k1) / 2);
  const axis = fitColumnAxis(bodies, lo, hi, mid, ci, cj);
  const stretch = Math.hypot(1, (axis.slopeI * sx) / sz, (axis.slopeJ * sy) / sz);
  const lineHeight = (offsetJ: number): number => {
    const profile = lineProfile(volume, axis, offsetJ, lo, hi);
    // the central half of the run lies inside the bone, clear of both endplates
    const central = profile.slice(Math.round(k0 + 0.25 * (k1 - k0)) - lo, Math.round(k1 - 0.25 * (k1 - k0)) - lo + 1).filter((x) => !Number.isNaN(x));
    const plates = endplateCentres(profile, mid - lo, insideHu ?? median(central), sz, profileNoise(central));
    return plates ? (plates.upper - plates.lower) * sz * stretch + PLATE_MM : 0;
  };
  // each height is read on three parallel lines 0.05 half-depth apart, the anterior and posterior ones from the
  // given line towards the centre, the middle ones around it (all inside the flat part of a wedge and the caved
  // centre of a biconcave body; further out the posterior line meets the concave back wall): lines that disagree
  // by more than a slice and 12 % did not all find the same endplates, and the height is not resolved (0)
  const heightAt = (fraction: number): number => {
    const offsets = fraction === 0 ? [-0.05, 0, 0.05] : [0, 0.05, 0.1].map((d) => fraction - Math.sign(fraction) * d);
    const lines = offsets.map((f) => lineHeight(posteriorSign * f * halfDepthJ));
    const h = median(lines);
    return Math.max(...lines) - Math.min(...lines) <= Math.max(sz, 0.12 * h) ? h : 0;
  };
  const heightsMm = {
    anterior: heightAt(-COLUMN_FRACTION),
    middle: heightAt(0),
    posterior: heightAt(COLUMN_FRACTION),
  };
  const extent = (k1 - k0 + 1) * sz;
  // a crushed body loses slices to its tilted or caved endplates, so its extent may fall well short of its
  // posterior height; a compression never leaves the front or the middle taller than the back
  const heightsReliable =
    heightsMm.posterior >= 0.6 * extent &&
    heightsMm.posterior <= 2.5 * extent &&
    Math.min(heightsMm.anterior, heightsMm.middle) >= 0.3 * extent &&
    Math.max(heightsMm.anterior, heightsMm.middle) <= 1.15 * heightsMm.posterior;
  return { heightsMm, heightsReliable };
}
