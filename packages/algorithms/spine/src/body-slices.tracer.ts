import type { Volume } from '@polyrad/sdk';
import { DENSE_BONE_HU, MIN_RING_MM, RAYS, type RingSearch } from './vertebral-ring.search.js';
import { RING_SHARE, type ColumnPosition } from './spinal-column.locator.js';
import { median } from './spine-statistics.helper.js';

/** per slice: a body slice (ring found), an endplate next to one, or a gap (disc, or no column found) */
export type SliceKind = 'body' | 'endplate' | 'gap';

/** a body slice: its centre and its inner outline */
export interface SliceBody {
  /** fractional voxel centre (i, j) */
  ci: number;
  cj: number;
  /** inner cortical distances (mm) along -i, +i, anterior, posterior */
  left: number;
  right: number;
  anterior: number;
  posterior: number;
  /** outer cortical distance (mm) anterior */
  anteriorOuter: number;
}

/** the body slices along the column and what each slice is */
export interface BodySlices {
  bodies: (SliceBody | undefined)[];
  sliceKinds: SliceKind[];
}

/** half-width of the box searched around the previous slice's body centre */
const LOCAL_MM = 6;
/** about one vertebral body's height: slices without a ring (discs, endplates) this close to a body slice are searched locally */
const MAX_GAP_MM = 30;

/**
 * Step 2: the body slices along the column. Per slice the ring centre near the column is traced
 * (`traceBodySlices`); slices whose centre strays from the column are dropped (`rejectOffColumnSlices`),
 * dips of the central attenuation (discs the cortex did not mark) split the runs (`splitAtDiscs`), and
 * dense slices next to a body slice are its endplates (`markEndplates`).
 */
export function bodySlices(volume: Volume, search: RingSearch, column: ColumnPosition): BodySlices {
  const { geometry } = volume;
  const traced = traceBodySlices(volume, search, column);
  rejectOffColumnSlices(traced, geometry.spacing[0], geometry.spacing[1]);
  splitAtDiscs(volume, traced);
  markEndplates(volume, traced);
  return traced;
}

/** Per slice, the body centre around the column (the thoracic kyphosis moves it along j) and the body's outline. */
export function traceBodySlices(volume: Volume, search: RingSearch, column: ColumnPosition): BodySlices {
  const { geometry } = volume;
  const [nx, ny, nz] = geometry.dimensions;
  const [sx, sy, sz] = geometry.spacing;
  const posteriorSign = Math.sign(geometry.direction[1][1]);
  const { outlineAt, exitAfter } = search;
  const colI = column.ci;
  const colJ = column.cj;
  const halfI = Math.round(25 / sx);
  const halfJ = Math.round(35 / sy);
  // ray indices along +i, -i, +j, -j
  const rayPlusI = 0;
  const rayPlusJ = RAYS / 4;
  const rayMinusI = RAYS / 2;
  const rayMinusJ = (3 * RAYS) / 4;
  const rayAnterior = posteriorSign > 0 ? rayMinusJ : rayPlusJ;
  const sliceKinds: SliceKind[] = [];
  const bodies: (SliceBody | undefined)[] = [];
  let hint: { ci: number; cj: number } | undefined;
  // the body centre moves little from one slice to the next: within MAX_GAP_MM of a body slice, only
  // the grid points within LOCAL_MM of its centre are searched (a slice without a ring there is a disc
  // or an endplate: points off the body centre but inside the body still meet its ring), and the whole
  // window when a ring's best point lies on the local box's edge (its centre may lie beyond); this
  // search is most of the analysis time
  const areaI0 = Math.max(0, colI - halfI);
  const areaI1 = Math.min(nx - 1, colI + halfI);
  const areaJ0 = Math.max(0, colJ - halfJ);
  const areaJ1 = Math.min(ny - 1, colJ + halfJ);
  const gridI = Math.max(1, Math.round(1.5 / sx));
  const gridJ = Math.max(1, Math.round(1.5 / sy));
  const localI = Math.ceil(LOCAL_MM / sx);
  const localJ = Math.ceil(LOCAL_MM / sy);
  let anchor: { k: number; ci: number; cj: number } | undefined;
  for (let k = 0; k < nz; k++) {
    let best: { rays: number; ci: number; cj: number } | undefined;
    if (anchor && (k - anchor.k) * sz <= MAX_GAP_MM) {
      // local box on the whole window's grid, so both searches score the same points
      const i0 = areaI0 + gridI * Math.max(0, Math.ceil((anchor.ci - localI - areaI0) / gridI));
      const j0 = areaJ0 + gridJ * Math.max(0, Math.ceil((anchor.cj - localJ - areaJ0) / gridJ));
      const i1 = Math.min(areaI1, anchor.ci + localI);
      const j1 = Math.min(areaJ1, anchor.cj + localJ);
      const local = search.bestCentre(k, i0, i1, j0, j1, 1.5, hint);
      const onEdge = (local.ci - gridI < i0 && i0 > areaI0) || (local.ci + gridI > i1 && i1 < areaI1) || (local.cj - gridJ < j0 && j0 > areaJ0) || (local.cj + gridJ > j1 && j1 < areaJ1);
      if (!onEdge || local.rays < RING_SHARE * RAYS) best = local;
    }
    best ??= search.bestCentre(k, areaI0, areaI1, areaJ0, areaJ1, 1.5, hint);
    const { rays: bestScore, ci: bi, cj: bj } = best;
    hint = { ci: bi, cj: bj };
    if (bestScore >= RING_SHARE * RAYS) anchor = { k, ci: bi, cj: bj };
    if (bestScore >= RING_SHARE * RAYS) {
      // recentre on the outline (twice), then record its extent; a side hidden by a rib head or a
      // vessel pressed against the body mirrors the opposite side
      let ci = bi;
      let cj = bj;
      let hits = [rayMinusI, rayPlusI, rayMinusJ, rayPlusJ].map((a) => outlineAt(ci, cj, a));
      for (let it = 0; it < 2; it++) {
        if (hits[0] < Infinity && hits[1] < Infinity) ci += (hits[1] - hits[0]) / 2 / sx;
        if (hits[2] < Infinity && hits[3] < Infinity) cj += (hits[3] - hits[2]) / 2 / sy;
        hits = [rayMinusI, rayPlusI, rayMinusJ, rayPlusJ].map((a) => outlineAt(ci, cj, a));
      }
      const [minusI, plusI, minusJ, plusJ] = [0, 1, 2, 3].map((d) => (hits[d] < Infinity ? hits[d] : hits[d ^ 1]));
      if (Math.min(minusI, plusI, minusJ, plusJ) >= MIN_RING_MM * 0.6 && Math.max(minusI, plusI, minusJ, plusJ) < Infinity) {
        const [anterior, posterior] = posteriorSign > 0 ? [minusJ, plusJ] : [plusJ, minusJ];
        bodies.push({
          ci,
          cj,
          left: minusI,
          right: plusI,
          anterior,
          posterior,
          anteriorOuter: exitAfter(ci, cj, rayAnterior, anterior),
        });
        sliceKinds.push('body');
        continue;
      }
    }
    bodies.push(undefined);
    sliceKinds.push('gap');
  }
  return { bodies, sliceKinds };
}

/**
 * Gap slices next to a body slice whose central square (half the inner outline) is mostly dense bone
 * are endplates: they belong to the body, not to the disc.
 */
export function markEndplates(volume: Volume, { bodies, sliceKinds: kinds }: BodySlices): void {
  const { voxels, geometry } = volume;
  const [nx, ny, nz] = geometry.dimensions;
  const [sx, sy] = geometry.spacing;
  for (let k = 0; k < nz; k++) {
    if (kinds[k] !== 'gap') continue;
    let near: SliceBody | undefined;
    for (let d = 1; d <= 4 && !near; d++) near = bodies[k - d] ?? bodies[k + d];
    if (!near) continue;
    const halfMm = Math.min(near.left, near.right, near.anterior, near.posterior) / 2;
    let hits = 0;
    let n = 0;
    for (let j = Math.round(near.cj - halfMm / sy); j <= Math.round(near.cj + halfMm / sy); j++) {
      for (let i = Math.round(near.ci - halfMm / sx); i <= Math.round(near.ci + halfMm / sx); i++) {
        if (i < 0 || j < 0 || i >= nx || j >= ny) continue;
        n++;
        if (voxels[k * nx * ny + j * nx + i] >= DENSE_BONE_HU) hits++;
      }
    }
    if (n > 0 && hits >= 0.5 * n) kinds[k] = 'endplate';
  }
}

/**
 * Where the cortex is too faint to mark the discs (real CT, tilted column), a disc still shows as a
 * dip of the central attenuation along the column: body slices whose central mean HU is a local
 * minimum below 75 % of the median of the surrounding +-8 body slices become gaps.
 */
export function splitAtDiscs(volume: Volume, { bodies, sliceKinds: kinds }: BodySlices): void {
  const central = bodies.map((b, k) => (b ? centralMeanHu(volume, b, k) : NaN));
  const dips = central.map((hu, k) => {
    if (Number.isNaN(hu)) return false;
    const near = central.slice(Math.max(0, k - 8), k + 9).filter((x) => !Number.isNaN(x));
    const prev = central[k - 1];
    const next = central[k + 1];
    const localMin = !(hu > prev) && !(hu > next);
    return localMin && hu < 0.75 * median(near);
  });
  dips.forEach((dip, k) => {
    if (dip) {
      bodies[k] = undefined;
      kinds[k] = 'gap';
    }
  });
}

/** mean HU of the central square (half the smallest outline distance) of a body slice */
function centralMeanHu(volume: Volume, b: SliceBody, k: number): number {
  const { voxels, geometry } = volume;
  const [nx, ny] = geometry.dimensions;
  const [sx, sy] = geometry.spacing;
  const halfMm = Math.min(b.left, b.right, b.anterior, b.posterior) / 2;
  let sum = 0;
  let n = 0;
  for (let j = Math.round(b.cj - halfMm / sy); j <= Math.round(b.cj + halfMm / sy); j++) {
    for (let i = Math.round(b.ci - halfMm / sx); i <= Math.round(b.ci + halfMm / sx); i++) {
      if (i < 0 || j < 0 || i >= nx || j >= ny) continue;
      sum += voxels[k * nx * ny + j * nx + i];
      n++;
    }
  }
  return n > 0 ? sum / n : NaN;
}

/**
 * Body slices more than 10 mm off the median centre of the body slices within +-8 neighbours are something
 * else (a rib head, the aorta): they become gaps.
 */
export function rejectOffColumnSlices({ bodies, sliceKinds: kinds }: BodySlices, sx: number, sy: number): void {
  const keep = bodies.map((b, k) => {
    if (!b) return true;
    const near = bodies.slice(Math.max(0, k - 8), k + 9).filter((x): x is SliceBody => x !== undefined);
    const mi = median(near.map((x) => x.ci));
    const mj = median(near.map((x) => x.cj));
    return Math.hypot((b.ci - mi) * sx, (b.cj - mj) * sy) <= 10;
  });
  keep.forEach((ok, k) => {
    if (!ok) {
      bodies[k] = undefined;
      kinds[k] = 'gap';
    }
  });
}
