import { PolyradError, voxelToPatient, type Vec3, type Volume } from '@polyrad/sdk';
import { DENSE_BONE_HU, MIN_RING_MM, RAYS, createRingSearch, type RingSearch } from './vertebral-ring.search.js';

/**
 * Vertebral bodies on axial CT, classical image analysis (no learned model):
 * 1. a vertebral body is the point around which rays cast in every direction meet its outline
 *    9.5-32 mm out (`createRingSearch`); the column is the median best such point over a dozen slices
 *    searched whole (`findColumn`);
 * 2. per slice, the body centre is the best such point near the column (near the last body slice's
 *    centre while that lies within a body's height); outliers off the column's running median and
 *    dips of the central attenuation (discs) become gaps (`traceBodySlices`);
 * 3. runs of body slices between gaps are vertebral bodies (`vertebralRuns`); a trabecular ellipse at
 *    70 % of the outline on the central slices gives the attenuation (`trabecularRoi`), and lines
 *    parallel to the fitted column axis on the mid-sagittal plane (anterior, middle, posterior) give
 *    the heights between the endplates (`vertebralHeights`), graded only when they are mutually plausible.
 */

export { DENSE_BONE_HU } from './vertebral-ring.search.js';
/** a column voxel belongs to the body from this HU (endplate or trabecular bone, not disc) */
const ENDPLATE_HU = 250;
/** voxels around a height line: +-3 mm laterally (i), one voxel either side along j */
const LINE_PATCH = (sx: number, sy: number): { halfI: number; halfJ: number; count: number } => {
  const halfI = Math.max(1, Math.round(3 / sx));
  const halfJ = sy < 1.5 ? 1 : 0;
  return { halfI, halfJ, count: (2 * halfI + 1) * (2 * halfJ + 1) };
};
/** share of rays that must meet the outline for a body slice */
const RING_SHARE = 0.7;
/** half-width of the box searched around the previous slice's body centre */
const LOCAL_MM = 6;
/** about one vertebral body's height: slices without a ring (discs, endplates) this close to a body slice are searched locally */
const MAX_GAP_MM = 30;

export interface VertebraMeasurement {
  /** order from the most superior body in the volume */
  index: number;
  /** LPS centre of the trabecular ROI, mm */
  center: Vec3;
  /** body and part of both adjacent discs inside the volume */
  complete: boolean;
  /** extent of the body's run of slices along the column, mm */
  extentMm: number;
  /** mean HU in the trabecular ROIs (undefined when no central slice had a clean outline) */
  trabecularHu?: number;
  roiVoxelCount: number;
  /** mean area of the trabecular ROI on the central slices, mm2 */
  roiAreaMm2: number;
  /** share of the ROI voxels at cortical density (>= DENSE_BONE_HU): the ROI touched the cortex or an endplate */
  roiDenseShare: number;
  /** median over the central slices of the share of outline rays with a cortical rim (a vessel lumen has none) */
  corticalShare: number;
  /** mm, along the column axis, at 75 % of the half-depth in front of / behind the centre and at it */
  heightsMm: { anterior: number; middle: number; posterior: number };
  /** 100 x (1 - min(anterior, middle) / posterior) */
  heightLossPercent: number;
  /**
   * the endplates were found in all three columns: a posterior height of 60-250 % of the body's extent
   * along the slices and 70-140 % of the median posterior height of at least three bodies, anterior and
   * middle heights >= 40 % of the extent and <= 115 % of the posterior one; otherwise not graded
   */
  heightsReliable: boolean;
}

export interface SpineAnalysis {
  vertebrae: VertebraMeasurement[];
  /** per slice: 'body', 'endplate' or 'gap' (disc or no column found) */
  sliceKinds: SliceKind[];
}

type SliceKind = 'body' | 'endplate' | 'gap';

interface SliceBody {
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

export function analyzeSpine(volume: Volume): SpineAnalysis {
  const { geometry } = volume;
  const nz = geometry.dimensions[2];
  const [di, dj, dk] = geometry.direction;
  if (Math.abs(dk[2]) < 0.95 || Math.abs(di[0]) < 0.95 || Math.abs(dj[1]) < 0.95) {
    throw new PolyradError('UNSUPPORTED_ORIENTATION', 'the spine analysis needs axial slices with rows along x and columns along y; reformat the series to axial');
  }
  if (nz < 3) throw new PolyradError('VOLUME_INVALID', `a volume of at least 3 slices is needed, got ${nz}`);
  const search = createRingSearch(volume);
  const column = findColumn(volume, search);
  if (!column) return { vertebrae: [], sliceKinds: new Array<SliceKind>(nz).fill('gap') };
  const { bodies, sliceKinds } = traceBodySlices(volume, search, column);
  // body slices whose centre strays from the column's running median are something else (a rib head, the aorta)
  rejectOutliers(bodies, sliceKinds, geometry.spacing[0], geometry.spacing[1]);
  splitAtDiscs(volume, bodies, sliceKinds);
  markEndplates(volume, bodies, sliceKinds);
  const runs = vertebralRuns(bodies, sliceKinds, geometry.spacing[2]);
  const vertebrae = runs.map((_, r) => measureVertebra(volume, search, bodies, runs, r));
  rejectAtypicalHeights(vertebrae);
  // index runs from the most superior body, whichever way the slices are stacked
  if (dk[2] > 0) vertebrae.reverse().forEach((v, n) => (v.index = n));
  return { vertebrae, sliceKinds };
}

/** Step 1: the column, as the median best ring centre over a dozen slices searched whole on a 3 mm grid. */
function findColumn(volume: Volume, search: RingSearch): { ci: number; cj: number } | undefined {
  const [nx, ny, nz] = volume.geometry.dimensions;
  const found: { ci: number; cj: number }[] = [];
  let previous: { ci: number; cj: number } | undefined;
  for (let s = 0; s < 12; s++) {
    const c = search.bestCentre(Math.round(((s + 0.5) * nz) / 12), 0, nx - 1, 0, ny - 1, 3, previous);
    if (c.rays >= RING_SHARE * RAYS) found.push(c);
    previous = c;
  }
  if (found.length < 2) return undefined;
  return { ci: Math.round(median(found.map((c) => c.ci))), cj: Math.round(median(found.map((c) => c.cj))) };
}

/** Step 2: per slice, the body centre around the column (the thoracic kyphosis moves it along j) and the body's outline. */
function traceBodySlices(volume: Volume, search: RingSearch, column: { ci: number; cj: number }): { bodies: (SliceBody | undefined)[]; sliceKinds: SliceKind[] } {
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

/** Step 3: runs of body/endplate slices of at least 12 mm (6 mm of them body slices) are vertebral bodies. */
function vertebralRuns(bodies: (SliceBody | undefined)[], sliceKinds: SliceKind[], sz: number): [number, number][] {
  const nz = sliceKinds.length;
  const runs: [number, number][] = [];
  for (let k = 0; k < nz; ) {
    if (sliceKinds[k] === 'gap') {
      k++;
      continue;
    }
    let e = k;
    while (e + 1 < nz && sliceKinds[e + 1] !== 'gap') e++;
    const bodySlices = bodies.slice(k, e + 1).filter((b) => b !== undefined).length;
    if ((e - k + 1) * sz >= 12 && bodySlices * sz >= 6) runs.push([k, e]);
    k = e + 1;
  }
  return runs;
}

/** Attenuation and heights of the body of run r (slices k0..k1). */
function measureVertebra(volume: Volume, search: RingSearch, bodies: (SliceBody | undefined)[], runs: [number, number][], r: number): VertebraMeasurement {
  const { geometry } = volume;
  const nz = geometry.dimensions[2];
  const [k0, k1] = runs[r];
  const central: SliceBody[] = [];
  const centralK: number[] = [];
  const len = k1 - k0 + 1;
  for (let k = k0; k <= k1; k++) {
    const b = bodies[k];
    if (b && k >= k0 + 0.25 * (len - 1) && k <= k0 + 0.75 * (len - 1)) {
      central.push(b);
      centralK.push(k);
    }
  }
  const all = bodies.slice(k0, k1 + 1).filter((b): b is SliceBody => b !== undefined);
  const ref = central.length > 0 ? central : all;
  const ci = median(ref.map((b) => b.ci));
  const cj = median(ref.map((b) => b.cj));
  const roi = trabecularRoi(volume, central, centralK);
  const heights = vertebralHeights(volume, bodies, runs, r, ref, ci, cj);
  return {
    index: r,
    center: voxelToPatient(geometry, ci, cj, (k0 + k1) / 2),
    complete: k0 > 0 && k1 < nz - 1,
    extentMm: (k1 - k0 + 1) * geometry.spacing[2],
    ...(roi.count > 0 ? { trabecularHu: roi.sum / roi.count } : {}),
    roiVoxelCount: roi.count,
    roiAreaMm2: central.length > 0 ? (roi.count * geometry.spacing[0] * geometry.spacing[1]) / central.length : 0,
    roiDenseShare: roi.count > 0 ? roi.dense / roi.count : 0,
    corticalShare: median(central.map((b, n) => search.corticalShare(centralK[n], b.ci, b.cj))),
    ...heights,
  };
}

/** Trabecular ROI: an ellipse at 70 % of the inner outline on each central slice, which keeps clear of the cortex. */
function trabecularRoi(volume: Volume, central: SliceBody[], centralK: number[]): { sum: number; count: number; dense: number } {
  const { voxels, geometry } = volume;
  const [nx, ny] = geometry.dimensions;
  const [sx, sy] = geometry.spacing;
  let sum = 0;
  let count = 0;
  let dense = 0;
  for (let n = 0; n < central.length; n++) {
    const b = central[n];
    const base = centralK[n] * nx * ny;
    const a = (0.7 * Math.min(b.left, b.right)) / sx;
    const c = (0.7 * Math.min(b.anterior, b.posterior)) / sy;
    for (let j = Math.ceil(b.cj - c); j <= Math.floor(b.cj + c); j++) {
      for (let i = Math.ceil(b.ci - a); i <= Math.floor(b.ci + a); i++) {
        if (((i - b.ci) / a) ** 2 + ((j - b.cj) / c) ** 2 > 1 || i < 0 || j < 0 || i >= nx || j >= ny) continue;
        const hu = voxels[base + j * nx + i];
        sum += hu;
        count++;
        if (hu >= DENSE_BONE_HU) dense++;
      }
    }
  }
  return { sum, count, dense };
}

/**
 * Heights on the mid-sagittal plane of run r, between the mid-points of the adjacent gaps, along lines
 * parallel to the column's local axis (the thoracic kyphosis tilts the bodies), and whether they are
 * mutually plausible enough to grade.
 */
function vertebralHeights(
  volume: Volume,
  bodies: (SliceBody | undefined)[],
  runs: [number, number][],
  r: number,
  ref: SliceBody[],
  ci: number,
  cj: number,
): Pick<VertebraMeasurement, 'heightsMm' | 'heightLossPercent' | 'heightsReliable'> {
  const { geometry } = volume;
  const nz = geometry.dimensions[2];
  const [sx, sy, sz] = geometry.spacing;
  const posteriorSign = Math.sign(geometry.direction[1][1]);
  const [k0, k1] = runs[r];
  // a disc: the typical gap between runs; a column's endplate ends at the first 2.5 mm of non-bone after it
  const gaps = runs.slice(1).map(([g0], q) => g0 - runs[q][1] - 1);
  const gap = Math.max(1, Math.round(gaps.length > 0 ? median(gaps) : 6 / sz));
  const stopSlices = Math.max(1, Math.round(2.5 / sz));
  // search no further than the neighbouring bodies' centres (or a disc beyond the volume's last body)
  const lo = r > 0 ? Math.ceil((runs[r - 1][0] + runs[r - 1][1]) / 2) + 1 : Math.max(0, k0 - gap);
  const hi = r + 1 < runs.length ? Math.floor((runs[r + 1][0] + runs[r + 1][1]) / 2) - 1 : Math.min(nz - 1, k1 + gap);
  // the outer anterior wall gives the half-depth (behind the body, pedicles may continue the cortex)
  const halfDepthJ = median(ref.map((b) => b.anteriorOuter)) / sy;
  const mid = Math.round((k0 + k1) / 2);
  const axis = fitAxis(bodies, lo, hi, mid, ci, cj);
  const stretch = Math.hypot(1, (axis.slopeI * sx) / sz, (axis.slopeJ * sy) / sz);
  const heightAt = (offsetJ: number): number => lineHeight(volume, axis, offsetJ, mid, lo, hi, stopSlices) * sz * stretch;
  const heightsMm = {
    anterior: heightAt(-posteriorSign * 0.75 * halfDepthJ),
    middle: heightAt(0),
    posterior: heightAt(posteriorSign * 0.75 * halfDepthJ),
  };
  const heightLossPercent = heightsMm.posterior > 0 ? Math.max(0, 100 * (1 - Math.min(heightsMm.anterior, heightsMm.middle) / heightsMm.posterior)) : 0;
  const extent = (k1 - k0 + 1) * sz;
  // a crushed body loses slices to its tilted or caved endplates, so its extent may fall well short of its posterior height
  // and a compression never leaves the front or the middle taller than the back
  const heightsReliable =
    heightsMm.posterior >= 0.6 * extent &&
    heightsMm.posterior <= 2.5 * extent &&
    Math.min(heightsMm.anterior, heightsMm.middle) >= 0.4 * extent &&
    Math.max(heightsMm.anterior, heightsMm.middle) <= 1.15 * heightsMm.posterior;
  return { heightsMm, heightLossPercent, heightsReliable };
}

/** A posterior height far from the column's typical one means the endplates were missed (the typical height needs at least three bodies). */
function rejectAtypicalHeights(vertebrae: VertebraMeasurement[]): void {
  const posteriors = vertebrae.filter((v) => v.heightsReliable).map((v) => v.heightsMm.posterior);
  const typical = median(posteriors);
  for (const v of vertebrae) {
    if (posteriors.length < 3 || v.heightsMm.posterior < 0.7 * typical || v.heightsMm.posterior > 1.4 * typical) v.heightsReliable = false;
  }
}

/**
 * Gap slices next to a body slice whose central square (half the inner outline) is mostly dense bone
 * are endplates: they belong to the body, not to the disc.
 */
function markEndplates(volume: Volume, bodies: (SliceBody | undefined)[], kinds: SliceKind[]): void {
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
function splitAtDiscs(volume: Volume, bodies: (SliceBody | undefined)[], kinds: SliceKind[]): void {
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

/** drops body slices more than 10 mm off the median centre of the body slices within +-8 neighbours */
function rejectOutliers(bodies: (SliceBody | undefined)[], kinds: SliceKind[], sx: number, sy: number): void {
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

interface ColumnAxis {
  /** fractional (i, j) of the axis at slice `k`, and its drift per slice */
  ci: number;
  cj: number;
  k: number;
  slopeI: number;
  slopeJ: number;
}

/** least-squares line through the body centres of slices lo..hi, anchored at (ci, cj) on slice k */
function fitAxis(bodies: (SliceBody | undefined)[], lo: number, hi: number, k: number, ci: number, cj: number): ColumnAxis {
  let n = 0;
  let sk = 0;
  let skk = 0;
  let si = 0;
  let sj = 0;
  let ski = 0;
  let skj = 0;
  for (let q = lo; q <= hi; q++) {
    const b = bodies[q];
    if (!b) continue;
    n++;
    sk += q;
    skk += q * q;
    si += b.ci;
    sj += b.cj;
    ski += q * b.ci;
    skj += q * b.cj;
  }
  const den = n * skk - sk * sk;
  if (n < 3 || den === 0) return { ci, cj, k, slopeI: 0, slopeJ: 0 };
  return { ci, cj, k, slopeI: (n * ski - sk * si) / den, slopeJ: (n * skj - sk * sj) / den };
}

/**
 * Bone extent (in slices) of the line parallel to the column axis, `offsetJ` voxels from it along j,
 * searched outward from slice `mid` within [lo, hi]: on each side, the last bone slice (median over
 * the LINE_PATCH >= ENDPLATE_HU, in a run of >= 2 mm) before the first run of `stop` non-bone slices
 * met after such bone, i.e. the endplate before the disc. Fainter trabecular bone may lie in between;
 * 0 when a side has none.
 */
function lineHeight(volume: Volume, axis: ColumnAxis, offsetJ: number, mid: number, lo: number, hi: number, stop: number): number {
  const { voxels, geometry } = volume;
  const [nx, ny] = geometry.dimensions;
  const patch = LINE_PATCH(geometry.spacing[0], geometry.spacing[1]);
  const bone = (k: number): boolean => {
    const i = Math.round(axis.ci + axis.slopeI * (k - axis.k));
    const j = Math.round(axis.cj + axis.slopeJ * (k - axis.k) + offsetJ);
    if (j - patch.halfJ < 0 || j + patch.halfJ >= ny || i - patch.halfI < 0 || i + patch.halfI >= nx) return false;
    // the median, not the mean: a few bright neighbours must not extend a caved endplate
    let above = 0;
    for (let b = -patch.halfJ; b <= patch.halfJ; b++) {
      for (let a = -patch.halfI; a <= patch.halfI; a++) if (voxels[k * nx * ny + (j + b) * nx + i + a] >= ENDPLATE_HU) above++;
    }
    return 2 * above > patch.count;
  };
  // an endplate spans >= 2 mm; a shorter bone run inside the body is noise
  const minRun = Math.max(1, Math.round(2 / geometry.spacing[2]));
  const edge = (step: number, end: number): number => {
    let last = -1;
    let run = 0;
    let misses = 0;
    for (let k = mid; step > 0 ? k <= end : k >= end; k += step) {
      if (bone(k)) {
        if (++run >= minRun) last = k;
        misses = 0;
      } else {
        run = 0;
        if (last >= 0 && ++misses >= stop) break;
      }
    }
    return last;
  };
  const top = edge(1, hi);
  const bottom = edge(-1, lo);
  return top < 0 || bottom < 0 ? 0 : top - bottom + 1;
}

function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
