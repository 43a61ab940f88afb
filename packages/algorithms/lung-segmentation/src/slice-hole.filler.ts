import { IndexQueue } from '@polyrad/sdk';

/**
 * Fills holes of one label in every axial slice: background regions that the label encloses in the
 * slice and that are no larger than `maxHoleVoxels`. This brings vessels and airway walls inside the
 * lung into the lung volume (Hu et al., IEEE TMI 2001, smooth the same concavities with
 * morphology); the size cap keeps it from swallowing the diaphragm dome, which a basal lung
 * encircles in axial slices. Works inside the label's bounding box per slice; hot loop over typed arrays.
 */
export function fillSliceHoles(
  labels: Uint8Array,
  dimensions: readonly [number, number, number],
  label: number,
  maxHoleVoxels: number,
  /** a box known to hold every voxel of the label (volume indices, inclusive); default: the whole volume */
  box?: { lo: readonly number[]; hi: readonly number[] },
): number {
  const [nx, ny, nz] = dimensions;
  const [bi0, bj0, bk0] = box?.lo ?? [0, 0, 0];
  const [bi1, bj1, bk1] = box?.hi ?? [nx - 1, ny - 1, nz - 1];
  const nxy = nx * ny;
  const mark = new Uint8Array(nxy); // 0 unvisited, 1 label, 2 reached from the box border, 3 hole checked
  const queue = new IndexQueue(1 << 12);
  const hole: number[] = [];
  let filled = 0;
  for (let k = bk0; k <= bk1; k++) {
    const base = k * nxy;
    let i0 = nx, i1 = -1, j0 = ny, j1 = -1;
    for (let j = bj0; j <= bj1; j++)
      for (let i = bi0; i <= bi1; i++)
        if (labels[base + j * nx + i] === label) {
          if (i < i0) i0 = i;
          if (i > i1) i1 = i;
          if (j < j0) j0 = j;
          if (j > j1) j1 = j;
        }
    if (i1 < 0) continue;
    for (let j = j0; j <= j1; j++)
      for (let i = i0; i <= i1; i++) mark[j * nx + i] = labels[base + j * nx + i] === label ? 1 : 0;
    // flood the background from the box border: whatever it reaches is not a hole
    queue.clear();
    for (let j = j0; j <= j1; j++)
      for (let i = i0; i <= i1; i++) {
        if (i !== i0 && i !== i1 && j !== j0 && j !== j1) continue;
        const q = j * nx + i;
        if (mark[q] === 0) {
          mark[q] = 2;
          queue.push(q);
        }
      }
    floodSlice(mark, queue, nx, i0, i1, j0, j1, 0, 2, null);
    for (let j = j0 + 1; j < j1; j++)
      for (let i = i0 + 1; i < i1; i++) {
        const q = j * nx + i;
        if (mark[q] !== 0) continue;
        hole.length = 0;
        mark[q] = 3;
        queue.clear();
        queue.push(q);
        floodSlice(mark, queue, nx, i0, i1, j0, j1, 0, 3, hole);
        if (hole.length > maxHoleVoxels) continue;
        for (const h of hole) {
          if (labels[base + h] === 0) {
            labels[base + h] = label;
            filled++;
          }
        }
      }
  }
  return filled;
}

function floodSlice(
  mark: Uint8Array,
  queue: IndexQueue,
  nx: number,
  i0: number,
  i1: number,
  j0: number,
  j1: number,
  from: number,
  to: number,
  visited: number[] | null,
): void {
  while (queue.size > 0) {
    const q = queue.shift();
    if (visited) visited.push(q);
    const j = (q / nx) | 0;
    const i = q - j * nx;
    if (i > i0 && mark[q - 1] === from) { mark[q - 1] = to; queue.push(q - 1); }
    if (i < i1 && mark[q + 1] === from) { mark[q + 1] = to; queue.push(q + 1); }
    if (j > j0 && mark[q - nx] === from) { mark[q - nx] = to; queue.push(q - nx); }
    if (j < j1 && mark[q + nx] === from) { mark[q + nx] = to; queue.push(q + nx); }
  }
}
