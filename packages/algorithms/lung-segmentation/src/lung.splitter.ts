import { voxelToPatient, type VolumeGeometry, IndexQueue, labelConnectedComponents, type ComponentStats } from '@polyrad/sdk';

/**
 * Separates left and right lungs that form one air component (touching at the anterior or posterior
 * junction line). Hu, Hoffman & Reinhardt (IEEE TMI 2001;20(6):490-498) note the junction
 * is thin; instead of their per-slice dynamic-programming cut we erode in-plane (thresholding a 2D
 * chamfer distance map: Borgefors G, CVGIP 1986;34:344-371) until the component falls into two large
 * parts on opposite sides of the midline, then give every original voxel the label of the part that
 * reaches it first by geodesic (breadth-first) propagation inside the original component. The erosion
 * only has to produce seeds, so a coarse schedule of erosion depths suffices.
 */

export interface SplitOutcome {
  split: boolean;
  /** in-plane erosion depth that separated the lungs, mm */
  erosionMm: number | null;
}

/**
 * Writes 1 (right) or 2 (left) into `out` for every voxel of component `component` in
 * `componentLabels`. Returns split=false (and writes nothing) when no erosion separates it.
 */
export function splitMergedLungs(
  componentLabels: Int32Array,
  component: ComponentStats,
  geometry: VolumeGeometry,
  midlineX: number,
  out: Uint8Array,
): SplitOutcome {
  const [nx, ny] = geometry.dimensions;
  const nxy = nx * ny;
  const [i0, j0, k0] = component.min;
  const [i1, j1, k1] = component.max;
  const lx = i1 - i0 + 1;
  const ly = j1 - j0 + 1;
  const lz = k1 - k0 + 1;
  const lxy = lx * ly;
  const local = new Uint8Array(lxy * lz);
  for (let k = 0; k < lz; k++)
    for (let j = 0; j < ly; j++) {
      const g = (k + k0) * nxy + (j + j0) * nx + i0;
      const l = k * lxy + j * lx;
      for (let i = 0; i < lx; i++) if (componentLabels[g + i] === component.id) local[l + i] = 1;
    }
  const dist = chamferDistance2d(local, lx, ly, lz);
  const pixelMm = Math.min(geometry.spacing[0], geometry.spacing[1]);
  const eroded = new Uint8Array(local.length);
  const labels = new Int32Array(local.length);
  const queue = new IndexQueue();
  for (const erosionMm of [2, 4, 6, 9, 12, 16, 20, 25]) {
    const limit = (erosionMm / pixelMm) * 3;
    for (let p = 0; p < local.length; p++) eroded[p] = dist[p] > limit ? 1 : 0;
    const { components } = labelConnectedComponents(eroded, [lx, ly, lz], 1, labels);
    if (components.length < 2) {
      if (components.length === 0) break;
      continue;
    }
    components.sort((a, b) => b.size - a.size);
    const [a, b] = components;
    if (b.size < 0.1 * a.size) continue;
    const xa = voxelToPatient(geometry, a.sumI / a.size + i0, a.sumJ / a.size + j0, a.sumK / a.size + k0)[0];
    const xb = voxelToPatient(geometry, b.sumI / b.size + i0, b.sumJ / b.size + j0, b.sumK / b.size + k0)[0];
    if ((xa - midlineX) * (xb - midlineX) >= 0) continue;
    // seeds: +x is patient left in LPS, so the part with larger x is the left lung (label 2)
    const sideA = xa > xb ? 2 : 1;
    const sideB = sideA === 2 ? 1 : 2;
    const side = new Uint8Array(local.length);
    queue.clear();
    for (let p = 0; p < local.length; p++) {
      if (labels[p] === a.id) side[p] = sideA;
      else if (labels[p] === b.id) side[p] = sideB;
      else continue;
      queue.push(p);
    }
    // geodesic propagation inside the original component (hot loop)
    while (queue.size > 0) {
      const p = queue.shift();
      const s = side[p];
      const k = (p / lxy) | 0;
      const r = p - k * lxy;
      const j = (r / lx) | 0;
      const i = r - j * lx;
      if (i > 0 && local[p - 1] && !side[p - 1]) { side[p - 1] = s; queue.push(p - 1); }
      if (i < lx - 1 && local[p + 1] && !side[p + 1]) { side[p + 1] = s; queue.push(p + 1); }
      if (j > 0 && local[p - lx] && !side[p - lx]) { side[p - lx] = s; queue.push(p - lx); }
      if (j < ly - 1 && local[p + lx] && !side[p + lx]) { side[p + lx] = s; queue.push(p + lx); }
      if (k > 0 && local[p - lxy] && !side[p - lxy]) { side[p - lxy] = s; queue.push(p - lxy); }
      if (k < lz - 1 && local[p + lxy] && !side[p + lxy]) { side[p + lxy] = s; queue.push(p + lxy); }
    }
    for (let k = 0; k < lz; k++)
      for (let j = 0; j < ly; j++) {
        const g = (k + k0) * nxy + (j + j0) * nx + i0;
        const l = k * lxy + j * lx;
        for (let i = 0; i < lx; i++) if (side[l + i]) out[g + i] = side[l + i];
      }
    return { split: true, erosionMm };
  }
  return { split: false, erosionMm: null };
}

/**
 * Per-slice 3-4 chamfer distance to the nearest background pixel (3 units per pixel step); pixels
 * outside the box count as background. Two raster passes per slice.
 */
function chamferDistance2d(mask: Uint8Array, lx: number, ly: number, lz: number): Uint16Array {
  const dist = new Uint16Array(mask.length);
  const lxy = lx * ly;
  const big = 65000;
  for (let k = 0; k < lz; k++) {
    const base = k * lxy;
    for (let j = 0; j < ly; j++)
      for (let i = 0; i < lx; i++) {
        const p = base + j * lx + i;
        if (!mask[p]) continue;
        let d = big;
        const left = i > 0 ? dist[p - 1] + 3 : 3;
        const up = j > 0 ? dist[p - lx] + 3 : 3;
        const upLeft = i > 0 && j > 0 ? dist[p - lx - 1] + 4 : 4;
        const upRight = i < lx - 1 && j > 0 ? dist[p - lx + 1] + 4 : 4;
        if (left < d) d = left;
        if (up < d) d = up;
        if (upLeft < d) d = upLeft;
        if (upRight < d) d = upRight;
        dist[p] = d;
      }
    for (let j = ly - 1; j >= 0; j--)
      for (let i = lx - 1; i >= 0; i--) {
        const p = base + j * lx + i;
        if (!mask[p]) continue;
        let d = dist[p];
        const right = i < lx - 1 ? dist[p + 1] + 3 : 3;
        const down = j < ly - 1 ? dist[p + lx] + 3 : 3;
        const downRight = i < lx - 1 && j < ly - 1 ? dist[p + lx + 1] + 4 : 4;
        const downLeft = i > 0 && j < ly - 1 ? dist[p + lx - 1] + 4 : 4;
        if (right < d) d = right;
        if (down < d) d = down;
        if (downRight < d) d = downRight;
        if (downLeft < d) d = downLeft;
        dist[p] = d;
      }
  }
  return dist;
}
