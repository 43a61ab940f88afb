import type { VoxelArray } from '@polyrad/sdk';

/**
 * Gantry tilt correction: shifts each slice in its own plane by its drift, with bilinear
 * interpolation, so the stack lies on an orthogonal grid with k along the slice normal (the
 * resampling scanners' own "tilt correction" reformats do). Pixels shifted in from outside the
 * acquired image get `fill`. Hot loop on typed arrays, written by hand.
 */
export function untiltSlices(voxels: VoxelArray, dimensions: [number, number, number], shifts: Array<[number, number]>, fill: number): void {
  const [nx, ny] = dimensions;
  const slice = new Float32Array(nx * ny);
  const round = !(voxels instanceof Float32Array);
  for (const [k, [du, dv]] of shifts.entries()) {
    if (du === 0 && dv === 0) continue;
    const base = k * nx * ny;
    for (let n = 0; n < slice.length; n++) slice[n] = voxels[base + n];
    // Output (i, j) is source (i + du, j + dv) of the slice's own image.
    const x0 = Math.floor(du);
    const y0 = Math.floor(dv);
    const fx = du - x0;
    const fy = dv - y0;
    for (let j = 0; j < ny; j++) {
      const y = j + y0;
      for (let i = 0; i < nx; i++) {
        const x = i + x0;
        let value = fill;
        if (x >= 0 && y >= 0 && x + (fx > 0 ? 1 : 0) < nx && y + (fy > 0 ? 1 : 0) < ny) {
          const p = x + y * nx;
          const top = fx > 0 ? slice[p] + fx * (slice[p + 1] - slice[p]) : slice[p];
          const bottom = fy > 0 ? (fx > 0 ? slice[p + nx] + fx * (slice[p + nx + 1] - slice[p + nx]) : slice[p + nx]) : top;
          value = top + fy * (bottom - top);
        }
        voxels[base + i + j * nx] = round ? Math.round(value) : value;
      }
    }
  }
}

/** The smallest voxel value, skipping voxels marked in `skip`. */
export function smallestValue(voxels: VoxelArray, skip?: Uint8Array): number {
  let min = Infinity;
  for (let n = 0; n < voxels.length; n++) if (voxels[n] < min && !skip?.[n]) min = voxels[n];
  return min;
}

/**
 * Uneven spacing: linear interpolation between the two nearest slices onto `count` slices `step` mm
 * apart (slice n of the source sits `at[n]` mm from the first). Hot loop on typed arrays, by hand.
 */
export function resampleAlongK(source: VoxelArray, sliceSize: number, at: number[], step: number, count: number): VoxelArray {
  const out = new (source.constructor as new (n: number) => VoxelArray)(sliceSize * count);
  const round = !(out instanceof Float32Array);
  let a = 0;
  for (let k = 0; k < count; k++) {
    const z = Math.min(k * step, at[at.length - 1]);
    while (a < at.length - 2 && at[a + 1] < z) a++;
    const w = at.length > 1 ? (z - at[a]) / (at[a + 1] - at[a]) : 0;
    const p = a * sliceSize;
    const q = Math.min(a + 1, at.length - 1) * sliceSize;
    const o = k * sliceSize;
    for (let n = 0; n < sliceSize; n++) {
      const value = source[p + n] + w * (source[q + n] - source[p + n]);
      out[o + n] = round ? Math.round(value) : value;
    }
  }
  return out;
}
