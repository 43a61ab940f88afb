import { squaredDistanceTransform } from '@polyrad/sdk';

/** Binary morphology on a crop grid (index p = i + j nx + k nxy) shared by the solid detector and the subsolid screen. */

/**
 * Morphological opening of `set` with a ball of radius r (mm): voxels deeper than r inside the set (seeds,
 * from `depth2`, the squared distance to what is not the set) dilated back by r. The dilation's distance
 * map is needed on the seeds' bounding box plus r alone (exact there). Null when nothing is deeper than r.
 */
export function openWithBall(set: Uint8Array, depth2: Float32Array, r: number, dims: number[], spacing: number[], opened: Uint8Array): Uint8Array | null {
  const [nx, ny, nz] = dims;
  const nxy = nx * ny;
  const r2 = r * r;
  const from = [nx, ny, nz];
  const to = [-1, -1, -1];
  for (let k = 0, p = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++, p++) {
        if (!set[p] || depth2[p] <= r2) continue;
        if (i < from[0]) from[0] = i;
        if (i > to[0]) to[0] = i;
        if (j < from[1]) from[1] = j;
        if (j > to[1]) to[1] = j;
        if (k < from[2]) from[2] = k;
        if (k > to[2]) to[2] = k;
      }
    }
  }
  if (to[0] < 0) return null;
  for (let d = 0; d < 3; d++) {
    from[d] = Math.max(0, from[d] - Math.ceil(r / spacing[d]));
    to[d] = Math.min(dims[d] - 1, to[d] + Math.ceil(r / spacing[d]));
  }
  const box = [to[0] - from[0] + 1, to[1] - from[1] + 1, to[2] - from[2] + 1];
  const boxSeeds = new Uint8Array(box[0] * box[1] * box[2]);
  for (let k = 0, b = 0; k < box[2]; k++) {
    for (let j = 0; j < box[1]; j++) {
      const row = from[0] + (j + from[1]) * nx + (k + from[2]) * nxy;
      for (let i = 0; i < box[0]; i++, b++) boxSeeds[b] = set[row + i] && depth2[row + i] > r2 ? 1 : 0;
    }
  }
  const reach2 = squaredDistanceTransform(boxSeeds, box, spacing);
  opened.fill(0);
  for (let k = 0, b = 0; k < box[2]; k++) {
    for (let j = 0; j < box[1]; j++) {
      const row = from[0] + (j + from[1]) * nx + (k + from[2]) * nxy;
      for (let i = 0; i < box[0]; i++, b++) opened[row + i] = set[row + i] && reach2[b] <= r2 ? 1 : 0;
    }
  }
  return opened;
}

/**
 * The 6-connected component of `start` in `set` by breadth-first search into `queue` (its first `tail`
 * entries on return); visited voxels leave `set`. Hot loop by hand.
 */
export function takeComponent(set: Uint8Array, start: number, dims: number[], queue: Int32Array): number {
  const [nx, ny, nz] = dims;
  const nxy = nx * ny;
  let head = 0;
  let tail = 0;
  queue[tail++] = start;
  set[start] = 0;
  while (head < tail) {
    const p = queue[head++];
    const i = p % nx;
    const j = ((p - i) / nx) % ny;
    const k = (p - i - j * nx) / nxy;
    if (i > 0 && set[p - 1]) { set[p - 1] = 0; queue[tail++] = p - 1; }
    if (i < nx - 1 && set[p + 1]) { set[p + 1] = 0; queue[tail++] = p + 1; }
    if (j > 0 && set[p - nx]) { set[p - nx] = 0; queue[tail++] = p - nx; }
    if (j < ny - 1 && set[p + nx]) { set[p + nx] = 0; queue[tail++] = p + nx; }
    if (k > 0 && set[p - nxy]) { set[p - nxy] = 0; queue[tail++] = p - nxy; }
    if (k < nz - 1 && set[p + nxy]) { set[p + nxy] = 0; queue[tail++] = p + nxy; }
  }
  return tail;
}

/**
 * Calls `visit` once per face of a voxel set's 6-neighbour shell (a voxel outside the set next to one
 * inside, counted once per face it shares), for contact measures of a region with what surrounds it.
 */
export function visitShellFaces(voxels: Iterable<number>, dims: number[], visit: (q: number) => void): void {
  const [nx, ny, nz] = dims;
  const nxy = nx * ny;
  const inside = new Set(voxels);
  for (const p of inside) {
    const i = p % nx;
    const j = ((p - i) / nx) % ny;
    const k = (p - i - j * nx) / nxy;
    const neighbours = [i > 0 ? p - 1 : -1, i < nx - 1 ? p + 1 : -1, j > 0 ? p - nx : -1, j < ny - 1 ? p + nx : -1, k > 0 ? p - nxy : -1, k < nz - 1 ? p + nxy : -1];
    for (const q of neighbours) if (q >= 0 && !inside.has(q)) visit(q);
  }
}

/** The 6 face neighbours of voxel p inside the grid (index p = i + j nx + k nxy). */
export function faceNeighbours(p: number, dims: number[]): number[] {
  const [nx, ny, nz] = dims;
  const nxy = nx * ny;
  const i = p % nx;
  const j = ((p - i) / nx) % ny;
  const k = (p - i - j * nx) / nxy;
  const result: number[] = [];
  if (i > 0) result.push(p - 1);
  if (i < nx - 1) result.push(p + 1);
  if (j > 0) result.push(p - nx);
  if (j < ny - 1) result.push(p + nx);
  if (k > 0) result.push(p - nxy);
  if (k < nz - 1) result.push(p + nxy);
  return result;
}
