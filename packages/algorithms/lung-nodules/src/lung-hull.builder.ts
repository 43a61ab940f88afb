import { squaredDistanceTransform } from '@polyrad/sdk';

export interface LungHullOptions {
  /** radius of the closing ball, mm: pleural dents narrower than about twice this are closed */
  closingRadiusMm: number;
  /** largest enclosed cavity filled, mm³ (nodules and vessels yes) */
  maxHoleVolumeMm3: number;
}

/**
 * Where nodules may lie: each lung of the mask closed in 3D with a ball, then every cavity the lungs
 * enclose filled. A lung mask excludes soft tissue, so a nodule inside the lung is a cavity in it and a
 * nodule on the costal or diaphragmatic pleura is a dent in its surface; closing brings such nodules
 * back in, cut at the surface the lung would have without them (the rolling ball of Armato SG et al.,
 * "Automated detection of lung nodules in CT scans", Med Phys 2001;28:1552-1561, in 3D). Each lung is
 * closed on its own so the mediastinum between them stays out; cavities are filled in 3D, not per slice,
 * so the liver dome (a hole in the slices that cut the lung base, but open to the abdomen below) stays
 * out too.
 *
 * `labels` holds the lung values to close (e.g. 1 and 2) on a grid [nx, ny, nz]; returns the hull with
 * the same values (where two hulls overlap, the first lung keeps the voxel).
 */
export function buildLungHull(labels: Uint8Array, dims: readonly number[], spacing: readonly number[], values: readonly number[], options: LungHullOptions): Uint8Array {
  const [nx, ny, nz] = dims;
  const hull = new Uint8Array(labels.length);
  const r2 = options.closingRadiusMm * options.closingRadiusMm;
  for (const value of values) {
    // each lung on its own box: its bounding box plus more than the closing radius, so the box's outer
    // layer lies outside the dilated lung wherever it is not a face of the grid (distances stay exact)
    const lo = [Infinity, Infinity, Infinity];
    const hi = [-1, -1, -1];
    for (let k = 0, p = 0; k < nz; k++) {
      for (let j = 0; j < ny; j++) {
        for (let i = 0; i < nx; i++, p++) {
          if (labels[p] !== value) continue;
          if (i < lo[0]) lo[0] = i;
          if (i > hi[0]) hi[0] = i;
          if (j < lo[1]) lo[1] = j;
          if (j > hi[1]) hi[1] = j;
          if (k < lo[2]) lo[2] = k;
          if (k > hi[2]) hi[2] = k;
        }
      }
    }
    if (hi[0] < 0) continue;
    for (let d = 0; d < 3; d++) {
      const margin = Math.ceil(options.closingRadiusMm / spacing[d]) + 1;
      lo[d] = Math.max(0, lo[d] - margin);
      hi[d] = Math.min(dims[d] - 1, hi[d] + margin);
    }
    const box = [hi[0] - lo[0] + 1, hi[1] - lo[1] + 1, hi[2] - lo[2] + 1];
    const lung = new Uint8Array(box[0] * box[1] * box[2]);
    /** calls visit(b, p) for each box voxel b and its grid voxel p, in order (hot loop by hand) */
    const eachVoxel = (visit: (b: number, p: number) => void): void => {
      for (let k = 0, b = 0; k < box[2]; k++) {
        for (let j = 0; j < box[1]; j++) {
          const row = lo[0] + (j + lo[1]) * nx + (k + lo[2]) * nx * ny;
          for (let i = 0; i < box[0]; i++, b++) visit(b, row + i);
        }
      }
    };
    eachVoxel((b, p) => (lung[b] = labels[p] === value ? 1 : 0));
    // closing = dilation then erosion by a ball, both from distance maps
    const toLung = squaredDistanceTransform(lung, box, spacing);
    for (let b = 0; b < lung.length; b++) lung[b] = toLung[b] <= r2 ? 0 : 1; // 1 = outside the dilated lung
    // the grid's faces count as outside too, or the erosion could not reach a lung cut by the field of view
    markFaces(lung, box, lo, dims, labels, value);
    const toOutside = squaredDistanceTransform(lung, box, spacing);
    eachVoxel((b, p) => {
      if (toOutside[b] > r2 && hull[p] === 0) hull[p] = value;
    });
  }
  fillCavities(hull, dims, options.maxHoleVolumeMm3 / (spacing[0] * spacing[1] * spacing[2]));
  return hull;
}

/** Sets the voxels of a box (at `lo` in the grid) that lie on the grid's six faces to 1 where they are not this lung. */
function markFaces(outside: Uint8Array, box: readonly number[], lo: readonly number[], dims: readonly number[], labels: Uint8Array, value: number): void {
  const [nx, ny, nz] = dims;
  for (let k = 0, b = 0; k < box[2]; k++) {
    for (let j = 0; j < box[1]; j++) {
      for (let i = 0; i < box[0]; i++, b++) {
        const [gi, gj, gk] = [i + lo[0], j + lo[1], k + lo[2]];
        const face = gi === 0 || gj === 0 || gk === 0 || gi === nx - 1 || gj === ny - 1 || gk === nz - 1;
        if (face && labels[gi + gj * nx + gk * nx * ny] !== value) outside[b] = 1;
      }
    }
  }
}

/**
 * Fills 6-connected regions of zeros that do not reach the grid border and hold at most `maxVoxels`,
 * each with the hull value that borders it most. Hot loop on typed arrays.
 */
function fillCavities(hull: Uint8Array, dims: readonly number[], maxVoxels: number): void {
  const [nx, ny, nz] = dims;
  const nxy = nx * ny;
  const seen = new Uint8Array(hull.length);
  const queue = new Int32Array(hull.length);
  const votes = new Map<number, number>();
  for (let start = 0; start < hull.length; start++) {
    if (hull[start] || seen[start]) continue;
    let head = 0;
    let tail = 0;
    let border = false;
    votes.clear();
    queue[tail++] = start;
    seen[start] = 1;
    while (head < tail) {
      const p = queue[head++];
      const i = p % nx;
      const j = ((p - i) / nx) % ny;
      const k = (p - i - j * nx) / nxy;
      if (i === 0 || j === 0 || k === 0 || i === nx - 1 || j === ny - 1 || k === nz - 1) border = true;
      const neighbours = [i > 0 ? p - 1 : -1, i < nx - 1 ? p + 1 : -1, j > 0 ? p - nx : -1, j < ny - 1 ? p + nx : -1, k > 0 ? p - nxy : -1, k < nz - 1 ? p + nxy : -1];
      for (const q of neighbours) {
        if (q < 0) continue;
        if (hull[q]) votes.set(hull[q], (votes.get(hull[q]) ?? 0) + 1);
        else if (!seen[q]) {
          seen[q] = 1;
          queue[tail++] = q;
        }
      }
    }
    if (border || tail > maxVoxels || votes.size === 0) continue;
    const value = [...votes.entries()].sort((a, b) => b[1] - a[1])[0][0];
    for (let q = 0; q < tail; q++) hull[queue[q]] = value;
  }
}
