/** A point or direction in DICOM patient coordinates (LPS: +x left, +y posterior, +z superior), mm. */
export type Vec3 = [number, number, number];

/**
 * Where the voxel grid sits in the patient. Voxel (i, j, k) has its centre at
 * origin + i*spacing[0]*direction[0] + j*spacing[1]*direction[1] + k*spacing[2]*direction[2].
 * i runs along a row (DICOM ImageOrientationPatient's first vector), j down the columns (its second
 * vector), k across slices (the slice normal, in the order the slices were sorted).
 */
export interface VolumeGeometry {
  /** [columns, rows, slices] */
  dimensions: Vec3;
  /** mm between voxel centres along i, j, k */
  spacing: Vec3;
  /** LPS position of the centre of voxel (0, 0, 0), mm */
  origin: Vec3;
  /** unit vectors of i, j and k in LPS */
  direction: [Vec3, Vec3, Vec3];
}

export type VoxelArray = Int16Array | Uint16Array | Float32Array;

/** A scalar image volume; voxel (i, j, k) is voxels[i + j*nx + k*nx*ny]. */
export interface Volume {
  geometry: VolumeGeometry;
  voxels: VoxelArray;
  /** "HU" for CT after rescale; anything else is modality-specific. */
  unit: string;
}

/** A label map on the same grid as a volume; 0 is background. */
export interface LabelMask {
  geometry: VolumeGeometry;
  labels: Uint8Array;
  /** label value -> stable name, e.g. { 1: "lung.right", 2: "lung.left" } */
  labelNames: Record<number, string>;
}

export function voxelCount(geometry: VolumeGeometry): number {
  const [nx, ny, nz] = geometry.dimensions;
  return nx * ny * nz;
}

export function voxelVolumeMm3(geometry: VolumeGeometry): number {
  const [sx, sy, sz] = geometry.spacing;
  return sx * sy * sz;
}

/** LPS position (mm) of the centre of voxel (i, j, k); fractional indices are allowed. */
export function voxelToPatient(geometry: VolumeGeometry, i: number, j: number, k: number): Vec3 {
  const { origin, spacing, direction } = geometry;
  const a = i * spacing[0];
  const b = j * spacing[1];
  const c = k * spacing[2];
  return [0, 1, 2].map(
    (axis) => origin[axis] + a * direction[0][axis] + b * direction[1][axis] + c * direction[2][axis],
  ) as Vec3;
}

/** Voxel (i, j, k) of an LPS point, fractional; inverse of voxelToPatient for orthonormal directions. */
export function patientToVoxel(geometry: VolumeGeometry, point: Vec3): Vec3 {
  const { origin, spacing, direction } = geometry;
  const d: Vec3 = [point[0] - origin[0], point[1] - origin[1], point[2] - origin[2]];
  return [0, 1, 2].map(
    (n) => (d[0] * direction[n][0] + d[1] * direction[n][1] + d[2] * direction[n][2]) / spacing[n],
  ) as Vec3;
}

/** LPS centre of mass (mm) of the voxels carrying `label`, or undefined when there are none. */
export function labelCentroid(mask: LabelMask, label: number): Vec3 | undefined {
  const [nx, ny] = mask.geometry.dimensions;
  const nxy = nx * ny;
  let si = 0;
  let sj = 0;
  let sk = 0;
  let count = 0;
  const { labels } = mask;
  for (let p = 0; p < labels.length; p++) {
    if (labels[p] !== label) continue;
    const k = Math.floor(p / nxy);
    const rest = p - k * nxy;
    const j = Math.floor(rest / nx);
    si += rest - j * nx;
    sj += j;
    sk += k;
    count++;
  }
  return count === 0 ? undefined : voxelToPatient(mask.geometry, si / count, sj / count, sk / count);
}
