import type { Volume } from '@polyrad/sdk';
import { DENSE_BONE_HU } from './vertebral-ring.search.js';
import type { SliceBody } from './body-slices.tracer.js';

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
