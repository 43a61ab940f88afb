import { voxelToPatient, type Vec3, type Volume } from '@polyrad/sdk';
import { sampleHu, toPrior } from './rigid.registration.js';

export interface Rescan {
  /** where the same anatomy lies in the new exam: new LPS = R(rotationDeg) (old LPS - rotationCentre) + rotationCentre + shiftMm (another table position and centring) */
  shiftMm: Vec3;
  /** the patient lying rotated: degrees about x (L-R), y (A-P), z (S-I), as the registration counts them; default none */
  rotationDeg?: Vec3;
  /** LPS point the patient turned about; default the volume's centre */
  rotationCentre?: Vec3;
  /** contiguous slices averaged into one (2: 2.5 mm -> 5 mm sections, a rectangular slice profile); default 1 */
  slicesPerSection?: number;
  /** voxel ranges kept [from, to) along i, j, k (a smaller field of view, a shorter scan); default all */
  crop?: { i?: [number, number]; j?: [number, number]; k?: [number, number] };
}

/**
 * The same phantom patient "scanned again": a smaller field of view (cropped columns, rows and slices),
 * thicker sections (averaged contiguous slices) and another position relative to the scanner (the whole
 * grid moved by `shiftMm` in LPS, the anatomy turned by `rotationDeg` and resampled on the axial grid),
 * so a registration test knows the exact transform it must find.
 */
export function rescanVolume(original: Volume, rescan: Rescan): Volume {
  const volume = rescan.rotationDeg ? rotateAnatomy(original, rescan.rotationDeg, rescan.rotationCentre ?? volumeCentre(original)) : original;
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

export function volumeCentre(volume: Volume): Vec3 {
  const [nx, ny, nz] = volume.geometry.dimensions;
  return voxelToPatient(volume.geometry, (nx - 1) / 2, (ny - 1) / 2, (nz - 1) / 2);
}

/** The anatomy turned about `centre` on the same grid (trilinear; air where it comes from outside). */
function rotateAnatomy(volume: Volume, rotationDeg: Vec3, centre: Vec3): Volume {
  const [nx, ny, nz] = volume.geometry.dimensions;
  const voxels = new Int16Array(volume.voxels.length);
  const turn = { rotationDeg, centre, translation: [0, 0, 0] as Vec3 };
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) {
        // the anatomy now at this voxel was where the inverse rotation takes it
        voxels[i + j * nx + k * nx * ny] = Math.round(sampleHu(volume, toPrior(turn, voxelToPatient(volume.geometry, i, j, k))));
      }
  return { ...volume, voxels };
}
