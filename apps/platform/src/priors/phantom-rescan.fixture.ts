import { voxelToPatient, type Vec3, type Volume } from '@polyrad/sdk';

export interface Rescan {
  /** where the same anatomy lies in the new exam: new LPS = old LPS + shiftMm (another table position and centring) */
  shiftMm: Vec3;
  /** contiguous slices averaged into one (2: 2.5 mm -> 5 mm sections, a rectangular slice profile); default 1 */
  slicesPerSection?: number;
  /** voxel ranges kept [from, to) along i, j, k (a smaller field of view, a shorter scan); default all */
  crop?: { i?: [number, number]; j?: [number, number]; k?: [number, number] };
}

/**
 * The same phantom patient "scanned again": a smaller field of view (cropped columns, rows and slices),
 * thicker sections (averaged contiguous slices) and another position relative to the scanner (the whole
 * grid moved by `shiftMm` in LPS), so a registration test knows the exact offset it must find.
 */
export function rescanVolume(volume: Volume, rescan: Rescan): Volume {
  const [nx, ny, nz] = volume.geometry.dimensions;
  const f = rescan.slicesPerSection ?? 1;
  const [i0, i1] = rescan.crop?.i ?? [0, nx];
  const [j0, j1] = rescan.crop?.j ?? [0, ny];
  const [k0, k1] = rescan.crop?.k ?? [0, nz];
  const mx = i1 - i0;
  const my = j1 - j0;
  const mz = Math.floor((k1 - k0) / f);
  const voxels = new Int16Array(mx * my * mz);
  for (let m = 0; m < mz; m++)
    for (let j = 0; j < my; j++)
      for (let i = 0; i < mx; i++) {
        let sum = 0;
        for (let s = 0; s < f; s++) sum += volume.voxels[i0 + i + (j0 + j) * nx + (k0 + m * f + s) * nx * ny];
        voxels[i + j * mx + m * mx * my] = Math.round(sum / f);
      }
  const first = voxelToPatient(volume.geometry, i0, j0, k0 + (f - 1) / 2);
  const [sx, sy, sz] = volume.geometry.spacing;
  return {
    unit: volume.unit,
    voxels,
    geometry: {
      dimensions: [mx, my, mz],
      spacing: [sx, sy, sz * f],
      origin: [0, 1, 2].map((a) => first[a] + rescan.shiftMm[a]) as Vec3,
      direction: volume.geometry.direction,
    },
  };
}
