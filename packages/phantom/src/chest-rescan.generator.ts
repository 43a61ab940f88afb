import { patientToVoxel, voxelToPatient, type Vec3, type Volume } from '@polyrad/sdk';

export interface Rescan {
  /**
   * where the same anatomy lies in the new exam: new LPS = R (old LPS - rotationCentre) + rotationCentre + shiftMm
   * (another table position and centring; R = Rz Ry Rx of rotationDeg)
   */
  shiftMm: Vec3;
  /** the patient lying turned: degrees about x (L-R), then y (A-P), then z (S-I); default none */
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
 * so a registration test knows the exact transform it must find (rescannedPoint gives it per point).
 */
export function rescanVolume(original: Volume, rescan: Rescan): Volume {
  const volume = rescan.rotationDeg ? turnAnatomy(original, rescan.rotationDeg, rescan.rotationCentre ?? volumeCentre(original)) : original;
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

/** Where a point of the original lies in the rescan of `volume` (the truth a registration is scored against). */
export function rescannedPoint(volume: Volume, rescan: Rescan, point: Vec3): Vec3 {
  const centre = rescan.rotationCentre ?? volumeCentre(volume);
  const turned = turn(rescan.rotationDeg ?? [0, 0, 0], [0, 1, 2].map((a) => point[a] - centre[a]) as Vec3, false);
  return [0, 1, 2].map((a) => turned[a] + centre[a] + rescan.shiftMm[a]) as Vec3;
}

export function volumeCentre(volume: Volume): Vec3 {
  const [nx, ny, nz] = volume.geometry.dimensions;
  return voxelToPatient(volume.geometry, (nx - 1) / 2, (ny - 1) / 2, (nz - 1) / 2);
}

/** v turned by Rz Ry Rx (x first), or back by its inverse (Rx^-1 Ry^-1 Rz^-1, z first). */
function turn(deg: Vec3, v: Vec3, back: boolean): Vec3 {
  const about = (axis: number, angle: number, p: Vec3): Vec3 => {
    const [u, w] = [(axis + 1) % 3, (axis + 2) % 3];
    const [c, s] = [Math.cos(angle), Math.sin(angle)];
    const out = [...p] as Vec3;
    out[u] = c * p[u] - s * p[w];
    out[w] = s * p[u] + c * p[w];
    return out;
  };
  const rad = deg.map((d) => (d * Math.PI) / 180);
  if (!back) return about(2, rad[2], about(1, rad[1], about(0, rad[0], v)));
  return about(0, -rad[0], about(1, -rad[1], about(2, -rad[2], v)));
}

/** The anatomy turned about `centre` on the same grid: each voxel takes the trilinear HU from where the anatomy came from (air outside). */
function turnAnatomy(volume: Volume, rotationDeg: Vec3, centre: Vec3): Volume {
  const { geometry } = volume;
  const [nx, ny, nz] = geometry.dimensions;
  const voxels = new Int16Array(volume.voxels.length);
  const at = (i: number, j: number, k: number) => volume.voxels[i + j * nx + k * nx * ny];
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) {
        const here = voxelToPatient(geometry, i, j, k);
        const from = turn(rotationDeg, [0, 1, 2].map((a) => here[a] - centre[a]) as Vec3, true);
        const [fi, fj, fk] = patientToVoxel(geometry, [0, 1, 2].map((a) => from[a] + centre[a]) as Vec3);
        const [a, b, c] = [Math.floor(fi), Math.floor(fj), Math.floor(fk)];
        let hu = -1000;
        if (a >= 0 && b >= 0 && c >= 0 && a < nx - 1 && b < ny - 1 && c < nz - 1) {
          const [di, dj, dk] = [fi - a, fj - b, fk - c];
          const lerp = (p: number, q: number, t: number) => p + (q - p) * t;
          const plane = (z: number) => lerp(lerp(at(a, b, z), at(a + 1, b, z), di), lerp(at(a, b + 1, z), at(a + 1, b + 1, z), di), dj);
          hu = lerp(plane(c), plane(c + 1), dk);
        }
        voxels[i + j * nx + k * nx * ny] = Math.round(hu);
      }
  return { ...volume, voxels };
}
