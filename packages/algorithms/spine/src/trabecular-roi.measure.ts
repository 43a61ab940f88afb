import type { Volume } from '@polyrad/sdk';
import { DENSE_BONE_HU } from './vertebral-ring.search.js';
import type { SliceBody } from './body-slices.tracer.js';
import { median } from './spine-statistics.helper.js';

/** sums over the trabecular ROIs of a body's central slices */
export interface TrabecularRoi {
  sum: number;
  count: number;
  /** voxels at cortical density (>= DENSE_BONE_HU): the ROI touched the cortex or an endplate */
  dense: number;
}

/**
 * Step 4: the trabecular ROI, an ellipse at 70 % of the inner outline on each of the body's central
 * slices (slice k of `slices[n]` is `ks[n]`): 30 % of the way in keeps it clear of the cortex even where
 * the outline was mirrored from the opposite side.
 */
export function trabecularRoi(volume: Volume, slices: SliceBody[], ks: number[]): TrabecularRoi {
  const { voxels, geometry } = volume;
  const [nx, ny] = geometry.dimensions;
  const [sx, sy] = geometry.spacing;
  let sum = 0;
  let count = 0;
  let dense = 0;
  for (let n = 0; n < slices.length; n++) {
    const b = slices[n];
    const base = ks[n] * nx * ny;
    const a = (0.7 * Math.min(b.left, b.right)) / sx;
    const c = (0.7 * Math.min(b.anterior, b.posterior)) / sy;
    for (let j = Math.ceil(b.cj - c); j <= Math.floor(b.cj + c); j++) {
      for (let i = Math.ceil(b.ci - a); i <= Math.floor(b.ci + a); i++) {
        if (((i - b.ci) / a) ** 2 + ((j - b.cj) / c) ** 2 > 1 || i < 0 || j < 0 || i >= nx || j >= ny) continue;
        const hu = voxels[base + j * nx + i];
        sum += hu;
        count++;
        if (hu >= DENSE_BONE_HU) dense++;
      }
    }
  }
  return { sum, count, dense };
}

/** the stretch beyond each end of a body's run searched for its disc: a disc is 3-10 mm thick, and 5 mm slices blur it into the endplates */
const DISC_SEARCH_MM = 8;
/** radius of the disc of voxels whose median is taken at the body's centre on each slice beyond its run */
const PROBE_RADIUS_MM = 5;

/**
 * The lowest attenuation found just beyond either end of a body's run of slices (k0..k1), at its centre
 * (voxel ci, cj): the lower of the two ends' lowest median HU over DISC_SEARCH_MM. A vertebral body has a
 * disc above or below it, much less dense than bone; a tube of the same attenuation, such as a
 * contrast-filled aorta traced instead of the column, goes on at both ends. Undefined when neither end lies inside the
 * volume.
 */
export function beyondRunHu(volume: Volume, ci: number, cj: number, k0: number, k1: number): number | undefined {
  const { voxels, geometry } = volume;
  const [nx, ny, nz] = geometry.dimensions;
  const [sx, sy, sz] = geometry.spacing;
  const steps = Math.max(1, Math.round(DISC_SEARCH_MM / sz));
  const ri = PROBE_RADIUS_MM / sx;
  const rj = PROBE_RADIUS_MM / sy;
  const probe = (k: number): number => {
    const values: number[] = [];
    for (let j = Math.ceil(cj - rj); j <= Math.floor(cj + rj); j++) {
      for (let i = Math.ceil(ci - ri); i <= Math.floor(ci + ri); i++) {
        if (((i - ci) / ri) ** 2 + ((j - cj) / rj) ** 2 <= 1 && i >= 0 && j >= 0 && i < nx && j < ny) values.push(voxels[k * nx * ny + j * nx + i]);
      }
    }
    return median(values);
  };
  const ends: number[] = [];
  for (const [from, step] of [[k0 - 1, -1], [k1 + 1, 1]]) {
    const lows: number[] = [];
    for (let s = 0, k = from; s < steps && k >= 0 && k < nz; s++, k += step) lows.push(probe(k));
    if (lows.length > 0) ends.push(Math.min(...lows));
  }
  return ends.length > 0 ? Math.min(...ends) : undefined;
}
