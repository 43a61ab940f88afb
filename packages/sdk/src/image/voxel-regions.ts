/**
 * Small region tools on flat typed arrays (index = i + j*nx + k*nx*ny), hand-written hot loops without
 * per-voxel allocation: a separable box dilation and a flood-fill labeller with a chosen neighbourhood.
 */

export type Dimensions = readonly [number, number, number];

/** Dilates `mask` by a box of +-radius[a] voxels along each axis (separable running window). */
export function dilateBox(mask: Uint8Array, dimensions: Dimensions, radius: readonly [number, number, number]): Uint8Array {
  const [nx, ny, nz] = dimensions;
  const strides = [1, nx, nx * ny];
  const counts = [nx, ny, nz];
  let current = mask;
  for (let axis = 0; axis < 3; axis++) {
    const r = radius[axis];
    if (r <= 0) continue;
    const next = new Uint8Array(current.length);
    const stride = strides[axis];
    const n = counts[axis];
    for (let start = 0; start < current.length; start++) {
      // visit each line once, from its first voxel
      if (Math.floor(start / stride) % n !== 0) continue;
      let last = -Infinity; // position of the latest set voxel seen ahead of the window
      for (let q = 0; q < n + r; q++) {
        if (q < n && current[start + q * stride]) last = q;
        const target = q - r;
        if (target >= 0 && target < n && q - last <= 2 * r) next[start + target * stride] = 1;
      }
    }
    current = next;
  }
  return current;
}

/** Neighbour offsets (di, dj, dk): 6-connected in 3D, or 8-connected within a slice. */
export const FACE_NEIGHBOURS: readonly [number, number, number][] = [[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]];
export const IN_SLICE_NEIGHBOURS: readonly [number, number, number][] = [[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [1, 1, 0], [1, -1, 0], [-1, 1, 0], [-1, -1, 0]];

/** Labels connected regions of `mask` (1..count, 0 outside) with the given neighbourhood. */
export function labelRegions(mask: Uint8Array, dimensions: Dimensions, neighbours: readonly [number, number, number][]): { labels: Int32Array; count: number } {
  const [nx, ny, nz] = dimensions;
  const nxy = nx * ny;
  const labels = new Int32Array(mask.length);
  const stack = new Int32Array(mask.length);
  let count = 0;
  for (let seed = 0; seed < mask.length; seed++) {
    if (!mask[seed] || labels[seed]) continue;
    const id = ++count;
    let top = 0;
    stack[top++] = seed;
    labels[seed] = id;
    while (top > 0) {
      const p = stack[--top];
      const k = Math.floor(p / nxy);
      const j = Math.floor((p - k * nxy) / nx);
      const i = p - k * nxy - j * nx;
      for (const [di, dj, dk] of neighbours) {
        const ii = i + di;
        const jj = j + dj;
        const kk = k + dk;
        if (ii < 0 || jj < 0 || kk < 0 || ii >= nx || jj >= ny || kk >= nz) continue;
        const q = ii + jj * nx + kk * nxy;
        if (mask[q] && !labels[q]) {
          labels[q] = id;
          stack[top++] = q;
        }
      }
    }
  }
  return { labels, count };
}
