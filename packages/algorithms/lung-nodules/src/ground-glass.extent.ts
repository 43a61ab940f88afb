import { squaredDistanceTransform } from '@polyrad/sdk';
import type { CropGrid } from './nodule.detector.js';
import { faceNeighbours } from './voxel-morphology.js';

/**
 * The extent of ground glass (Lung-RADS v2022 non-solid, and the non-solid part of a part-solid nodule) on
 * the search grid. Ground glass lies only 100-400 HU above aerated lung (-750 to -450 HU against about
 * -850 HU), so it is judged on HU smoothed over about 2.5 mm (noise of SD 40 HU per voxel drops to about
 * 10), and its edge is the half-way level between the lung around it and the lesion (the half-maximum
 * edge, as the solid threshold is for solid tissue): the whole lesion is measured, not its densest core.
 */

/** HU averaged over a box of 3 voxels along each axis finer than 2 mm (thicker sections are not averaged across). */
export function smoothedHu(grid: CropGrid): Float32Array {
  let current = grid.hu;
  const [nx, ny] = grid.dims;
  const strides = [1, nx, nx * ny];
  for (let d = 0; d < 3; d++) {
    if (grid.spacing[d] > 2) continue;
    const next = new Float32Array(current.length);
    const stride = strides[d];
    const n = grid.dims[d];
    for (let p = 0; p < current.length; p++) {
      const index = Math.floor(p / stride) % n;
      let sum = current[p];
      let count = 1;
      if (index > 0) {
        sum += current[p - stride];
        count++;
      }
      if (index < n - 1) {
        sum += current[p + stride];
        count++;
      }
      next[p] = sum / count;
    }
    current = next;
  }
  return current === grid.hu ? Float32Array.from(grid.hu) : current;
}

/** Median smoothed HU of the aerated lung (lung-mask voxels below -500 HU), to 10 HU. */
export function lungBaselineHu(grid: CropGrid, smooth: Float32Array): number {
  const histogram = new Uint32Array(50);
  let total = 0;
  for (let p = 0; p < smooth.length; p++) {
    if (grid.labels[p] === 0 || smooth[p] >= -500 || smooth[p] < -1000) continue;
    histogram[Math.floor((smooth[p] + 1000) / 10)]++;
    total++;
  }
  let seen = 0;
  for (let b = 0; b < histogram.length; b++) {
    seen += histogram[b];
    if (2 * seen >= total) return -1000 + b * 10 + 5;
  }
  return -850;
}

export interface GrowLimits {
  /** smoothed HU at or above which a voxel is lesion (the half-way edge) */
  edgeHu: number;
  /** at or above this (raw HU) a voxel is solid: vessels are not grown through */
  solidHu: number;
  /** how far from the seed's centroid the lesion may reach, mm */
  maxRadiusMm: number;
}

/**
 * The seed voxels and the non-solid voxels at or above the edge level connected to them (6-neighbours),
 * within `maxRadiusMm` of the seed's centroid; solid voxels are not entered (a vessel is not ground glass),
 * then the grown part is opened with a ball of about one and a half voxels, so that the thin partial-volume
 * sheath of a vessel touching the lesion does not carry the growth along the vessel.
 */
export function growGroundGlass(seed: number[], grid: CropGrid, smooth: Float32Array, hull: Uint8Array, limits: GrowLimits): number[] {
  const { dims, spacing } = grid;
  const [nx, ny] = dims;
  const nxy = nx * ny;
  const centre = [0, 0, 0];
  for (const p of seed) {
    centre[0] += p % nx;
    centre[1] += Math.floor(p / nx) % ny;
    centre[2] += Math.floor(p / nxy);
  }
  for (let d = 0; d < 3; d++) centre[d] /= seed.length;
  const inSeed = new Set(seed);
  const grown = new Set(seed);
  const queue = [...seed];
  const r2 = limits.maxRadiusMm * limits.maxRadiusMm;
  for (let head = 0; head < queue.length; head++) {
    for (const q of faceNeighbours(queue[head], dims)) {
      if (grown.has(q) || hull[q] === 0 || smooth[q] < limits.edgeHu || grid.hu[q] >= limits.solidHu) continue;
      const qi = q % nx;
      const qj = Math.floor(q / nx) % ny;
      const qk = Math.floor(q / nxy);
      if (((qi - centre[0]) * spacing[0]) ** 2 + ((qj - centre[1]) * spacing[1]) ** 2 + ((qk - centre[2]) * spacing[2]) ** 2 > r2) continue;
      grown.add(q);
      queue.push(q);
    }
  }
  const sheathFree = openLocally([...grown], 1.5 * Math.min(spacing[0], spacing[1]), dims, spacing);
  // the seed always belongs to the lesion; the opened halo counts where it is connected to it
  return connectedTo(inSeed, new Set([...sheathFree, ...seed]), dims);
}

/** Opening of a voxel set by a ball of radius r (mm), computed on the set's bounding box. */
export function openLocally(voxels: number[], r: number, dims: number[], spacing: number[]): number[] {
  const [nx, ny] = dims;
  const nxy = nx * ny;
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-Infinity, -Infinity, -Infinity];
  for (const p of voxels) {
    const c = [p % nx, Math.floor(p / nx) % ny, Math.floor(p / nxy)];
    for (let d = 0; d < 3; d++) {
      lo[d] = Math.min(lo[d], c[d] - 1);
      hi[d] = Math.max(hi[d], c[d] + 1);
    }
  }
  const box = [hi[0] - lo[0] + 1, hi[1] - lo[1] + 1, hi[2] - lo[2] + 1];
  const local = (p: number): number => (p % nx) - lo[0] + ((Math.floor(p / nx) % ny) - lo[1]) * box[0] + (Math.floor(p / nxy) - lo[2]) * box[0] * box[1];
  const outside = new Uint8Array(box[0] * box[1] * box[2]).fill(1);
  for (const p of voxels) outside[local(p)] = 0;
  const depth2 = squaredDistanceTransform(outside, box, spacing);
  const seeds = new Uint8Array(outside.length);
  for (let q = 0; q < seeds.length; q++) seeds[q] = !outside[q] && depth2[q] > r * r ? 1 : 0;
  const reach2 = squaredDistanceTransform(seeds, box, spacing);
  return voxels.filter((p) => reach2[local(p)] <= r * r);
}

/** The voxels of `set` 6-connected to any voxel of `from` (which lies in `set`). */
function connectedTo(from: Set<number>, set: Set<number>, dims: number[]): number[] {
  const reached = new Set(from);
  const queue = [...from];
  for (let head = 0; head < queue.length; head++) {
    for (const q of faceNeighbours(queue[head], dims)) {
      if (set.has(q) && !reached.has(q)) {
        reached.add(q);
        queue.push(q);
      }
    }
  }
  return [...reached];
}
