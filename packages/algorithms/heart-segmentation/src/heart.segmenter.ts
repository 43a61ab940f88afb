import { PolyradError, voxelToPatient, type LabelMask, type Vec3, type Volume, type VolumeGeometry, squaredDistanceTransform, labelConnectedComponents } from '@polyrad/sdk';

/** Heart tissue and blood pool, with or without IV contrast: above fat (about -100 HU), below cortical bone. */
export const HEART_HU_RANGE: readonly [number, number] = [-20, 1000];
/** Erosion radius that finds the heart's core: cuts it from liver, aorta and spine even across thin fat planes. */
export const HEART_CORE_EROSION_MM = 10;
/** A deeper erosion that the great vessels (radius up to ~15 mm) do not survive but the chambers do: it bounds the heart's slices. */
export const HEART_CHAMBER_EROSION_MM = 14;
/** Radius of the opening that gives the heart its outline (drops vessels and bridges thinner than 2 x 5 mm). */
export const HEART_EROSION_MM = 5;
/** Slices whose heart area falls below this share of the largest slice belong to the great vessels or the liver. */
export const HEART_MIN_AREA_FRACTION = 0.1;
/** How far below (or above) the lungs' extent the heart is looked for, mm. */
export const HEART_BELOW_LUNGS_MM = 40;
/** Non-tissue pockets of at most this many voxels (6-connected) are image noise inside the heart, not fat
 * (fillNoisePockets finds pockets of this size locally: change both together). */
export const HEART_NOISE_POCKET_VOXELS = 2;
/** Voxel size (mm, per axis at least) of the grid on which the erosions and openings run. */
export const HEART_MORPHOLOGY_GRID_MM = 1.25;

export interface HeartSegmentation {
  /** same grid as the volume: 1 = heart (myocardium and blood pool, great vessels cut off at its base) */
  mask: LabelMask;
  voxelCount: number;
  volumeMl: number;
  /** LPS centre of the heart, mm */
  center: Vec3;
  /** 75th percentile HU inside the heart: the blood pool; above ~150 HU it is contrast enhanced */
  bloodPoolHu: number;
}

/**
 * Finds the heart on chest CT from the lung mask: the soft-tissue and blood region (HEART_HU_RANGE) inside
 * the convex hull of the lungs of each slice (the mediastinum between and in front of them), opened with a
 * ball of HEART_EROSION_MM so that fat planes of a few mm cut it from chest wall, aorta and spine; the
 * largest anterior, central component is kept, grown back within the tissue range, and cut above and
 * below where its slice area drops under HEART_MIN_AREA_FRACTION of the largest (great vessels, liver).
 * Threshold + morphology + connected components in the spirit of classical thoracic segmentation
 * (Hu, Hoffman & Reinhardt, IEEE TMI 2001); the heart has no better-defined HU boundary on non-contrast CT.
 */
export function segmentHeart(volume: Volume, lungs: LabelMask): HeartSegmentation {
  const { geometry, voxels } = volume;
  if (lungs.geometry.dimensions.some((d, a) => d !== geometry.dimensions[a]) || lungs.labels.length !== voxels.length) {
    throw new PolyradError('MASK_INVALID', 'the lung mask is not on the grid of the series; re-run the lung segmentation on this series');
  }
  const sides = lungLabels(lungs);
  const frame = lungFrame(geometry, lungs, sides);
  const { tissue, bothLungs } = mediastinalTissue(volume, lungs, frame.crop, sides);
  fillNoisePockets(tissue, frame.crop.dims);
  const grid = coarseGrid(geometry, frame.crop.dims);
  const gtissue = coarseMajority(tissue, frame.crop.dims, grid.dims, grid.mapI, grid.mapJ, grid.mapK);
  const core = heartCore(gtissue, grid, geometry, frame, bothLungs);
  const outline = heartOutline(tissue, core, grid, frame.crop.dims);
  return cutToHeartSlices(volume, outline, core, grid, frame.crop);
}

/** A box of the volume: its first voxel, its size, and the volume index of its voxel (0, j, k). */
interface Crop {
  lo: number[];
  dims: [number, number, number];
  rowStart: (j: number, k: number) => number;
}

/** The coarse grid the erosions run on: blocks of `factor` fine voxels, and the block of each fine column, row and slice. */
interface CoarseGrid {
  factor: number[];
  dims: [number, number, number];
  spacing: [number, number, number];
  /** coarse index of a fine crop voxel: mapI[i] + mapJ[j] + mapK[k] */
  mapI: Int32Array;
  mapJ: Int32Array;
  mapK: Int32Array;
  /** fine position (crop-relative) of a coarse voxel centre along axis a */
  fineOf: (g: number, a: number) => number;
}

/** The heart's core on the coarse grid: the deep tissue's components, the one chosen, and the tissue depth. */
interface HeartCore {
  depth2: Float32Array;
  labels: Int32Array;
  chosen: number;
}

/**
 * The crop to the lungs' bounding box (widened by HEART_BELOW_LUNGS_MM along z: the heart's inferior wall
 * may reach below the lung bases) and the lungs' centres, which place the heart between them.
 */
function lungFrame(geometry: VolumeGeometry, lungs: LabelMask, sides: { right: number; left: number }): { crop: Crop; right: Vec3; left: Vec3 } {
  const [nx, ny, nz] = geometry.dimensions;
  const lo = [nx, ny, nz];
  const hi = [-1, -1, -1];
  const sums = { right: [0, 0, 0, 0], left: [0, 0, 0, 0] };
  // hot loop in raster order; rows without lung (most of them) are skipped four labels at a time
  const words = lungs.labels.byteOffset % 4 === 0 && nx % 4 === 0 ? new Uint32Array(lungs.labels.buffer, lungs.labels.byteOffset, lungs.labels.length / 4) : undefined;
  for (let k = 0, p = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++, p += nx) {
      if (words) {
        let w = p / 4;
        const end = (p + nx) / 4;
        while (w < end && words[w] === 0) w++;
        if (w === end) continue;
      }
      for (let i = 0; i < nx; i++) {
        const l = lungs.labels[p + i];
        if (!l) continue;
        if (i < lo[0]) lo[0] = i;
        if (i > hi[0]) hi[0] = i;
        if (j < lo[1]) lo[1] = j;
        if (j > hi[1]) hi[1] = j;
        if (k < lo[2]) lo[2] = k;
        if (k > hi[2]) hi[2] = k;
        const s = l === sides.right ? sums.right : l === sides.left ? sums.left : undefined;
        if (s) {
          s[0] += i;
          s[1] += j;
          s[2] += k;
          s[3]++;
        }
      }
    }
  }
  if (sums.right[3] === 0 || sums.left[3] === 0) {
    throw new PolyradError('LUNGS_MISSING', 'the lung mask lacks a right or a left lung; the heart is found between the lungs, so a chest CT covering both is needed');
  }
  const lungCentre = (s: number[]): Vec3 => voxelToPatient(geometry, s[0] / s[3], s[1] / s[3], s[2] / s[3]);
  const extra = Math.ceil(HEART_BELOW_LUNGS_MM / geometry.spacing[2]);
  lo[2] = Math.max(0, lo[2] - extra);
  hi[2] = Math.min(nz - 1, hi[2] + extra);
  const dims: [number, number, number] = [hi[0] - lo[0] + 1, hi[1] - lo[1] + 1, hi[2] - lo[2] + 1];
  const rowStart = (j: number, k: number): number => lo[0] + (lo[1] + j) * nx + (lo[2] + k) * nx * ny;
  return { crop: { lo, dims, rowStart }, right: lungCentre(sums.right), left: lungCentre(sums.left) };
}

/**
 * The candidate tissue (HEART_HU_RANGE, not lung) inside the mediastinal region of each slice: the convex
 * hull of its lungs, or of the nearest slice where both lungs have a sizeable cross-section (near apex and
 * bases: the heart's inferior wall often lies below the higher right lung base, beside the left lung only);
 * and which slices have both lungs sizeable.
 */
function mediastinalTissue(volume: Volume, lungs: LabelMask, crop: Crop, sides: { right: number; left: number }): { tissue: Uint8Array; bothLungs: Uint8Array } {
  const [cx, cy, cz] = crop.dims;
  const cxy = cx * cy;
  const hulls: [number, number][][] = [];
  const lungArea = [new Float64Array(cz), new Float64Array(cz)]; // right, left
  const rowMin = new Int32Array(cy);
  const rowMax = new Int32Array(cy);
  for (let k = 0; k < cz; k++) {
    rowMin.fill(-1);
    for (let j = 0; j < cy; j++) {
      const row = crop.rowStart(j, k);
      for (let i = 0; i < cx; i++) {
        const l = lungs.labels[row + i];
        if (!l) continue;
        if (rowMin[j] < 0) rowMin[j] = i;
        rowMax[j] = i;
        if (l === sides.right) lungArea[0][k]++;
        else if (l === sides.left) lungArea[1][k]++;
      }
    }
    hulls.push(convexHull(rowMin, rowMax));
  }
  const maxLungArea = lungArea.map((area) => Math.max(...area));
  const sizeable = (k: number): boolean => lungArea[0][k] >= 0.15 * maxLungArea[0] && lungArea[1][k] >= 0.15 * maxLungArea[1];
  const tissue = new Uint8Array(cxy * cz);
  const bothLungs = new Uint8Array(cz); // slices where the heart is expected between two sizeable lungs
  for (let k = 0; k < cz; k++) {
    let source = k;
    for (let d = 1; !sizeable(source) && d < cz; d++) source = k - d >= 0 && sizeable(k - d) ? k - d : k + d < cz && sizeable(k + d) ? k + d : source;
    bothLungs[k] = sizeable(k) ? 1 : 0;
    const hull = hulls[source];
    for (let j = 0; j < cy; j++) {
      const span = hullSpan(hull, j);
      if (!span) continue;
      const row = crop.rowStart(j, k);
      for (let i = Math.ceil(span[0]); i <= Math.floor(span[1]); i++) {
        const p = row + i;
        const hu = volume.voxels[p];
        if (!lungs.labels[p] && hu >= HEART_HU_RANGE[0] && hu <= HEART_HU_RANGE[1]) tissue[i + j * cx + k * cxy] = 1;
      }
    }
  }
  return { tissue, bothLungs };
}

/**
 * The coarser grid the erosions and openings run on (blocks of about HEART_MORPHOLOGY_GRID_MM): their radii
 * are 5-14 mm, and on thin-slice, fine-pixel series the exact distance transforms at full resolution cost
 * several seconds. The outline is still thresholded voxel by voxel at full resolution.
 */
function coarseGrid(geometry: VolumeGeometry, dims: [number, number, number]): CoarseGrid {
  const factor = geometry.spacing.map((s) => Math.max(1, Math.floor(HEART_MORPHOLOGY_GRID_MM / s + 1e-6)));
  const [fx, fy, fz] = factor;
  const gdims: [number, number, number] = [Math.ceil(dims[0] / fx), Math.ceil(dims[1] / fy), Math.ceil(dims[2] / fz)];
  const gxy = gdims[0] * gdims[1];
  return {
    factor,
    dims: gdims,
    spacing: geometry.spacing.map((s, a) => s * factor[a]) as [number, number, number],
    mapI: Int32Array.from({ length: dims[0] }, (_, i) => Math.floor(i / fx)),
    mapJ: Int32Array.from({ length: dims[1] }, (_, j) => Math.floor(j / fy) * gdims[0]),
    mapK: Int32Array.from({ length: dims[2] }, (_, k) => Math.floor(k / fz) * gxy),
    fineOf: (g, a) => g * factor[a] + (Math.min(factor[a], dims[a] - g * factor[a]) - 1) / 2,
  };
}

/**
 * The heart's core: the tissue eroded by a ball of HEART_CORE_EROSION_MM, so that even thin fat planes
 * (diaphragm, pericardium) cut the heart from liver, aorta and spine; of its components the one in front
 * of the lungs' centres with the most voxels between the lungs on slices with sizeable lungs (the liver
 * below scores little).
 */
function heartCore(gtissue: Uint8Array, grid: CoarseGrid, geometry: VolumeGeometry, frame: { crop: Crop; right: Vec3; left: Vec3 }, bothLungs: Uint8Array): HeartCore {
  const { lo } = frame.crop;
  const [gx, gy, gz] = grid.dims;
  const depth2 = squaredDistanceTransform(where(gtissue.length, (c) => gtissue[c] === 0), grid.dims, grid.spacing);
  const R = HEART_CORE_EROSION_MM;
  const core = new Uint8Array(gtissue.length);
  for (let c = 0; c < core.length; c++) core[c] = depth2[c] > R * R ? 1 : 0;
  const { labels, components } = labelConnectedComponents(core, grid.dims);
  const { right, left } = frame;
  const midX = (right[0] + left[0]) / 2;
  const halfBand = 0.35 * Math.abs(left[0] - right[0]);
  const lungsY = (right[1] + left[1]) / 2;
  // patient x is affine in the voxel indices
  const x0 = voxelToPatient(geometry, lo[0], lo[1], lo[2])[0];
  const dxdi = voxelToPatient(geometry, lo[0] + 1, lo[1], lo[2])[0] - x0;
  const dxdj = voxelToPatient(geometry, lo[0], lo[1] + 1, lo[2])[0] - x0;
  const dxdk = voxelToPatient(geometry, lo[0], lo[1], lo[2] + 1)[0] - x0;
  const score = new Float64Array(components.length + 1);
  for (let gk = 0, c = 0; gk < gz; gk++) {
    const k = Math.round(grid.fineOf(gk, 2));
    for (let gj = 0; gj < gy; gj++) {
      for (let gi = 0; gi < gx; gi++, c++) {
        const id = labels[c];
        if (!id || !bothLungs[k]) continue;
        const x = x0 + dxdi * grid.fineOf(gi, 0) + dxdj * grid.fineOf(gj, 1) + dxdk * k;
        if (Math.abs(x - midX) < halfBand) score[id]++;
      }
    }
  }
  let chosen = 0;
  for (const comp of components) {
    const c = voxelToPatient(geometry, lo[0] + grid.fineOf(comp.sumI / comp.size, 0), lo[1] + grid.fineOf(comp.sumJ / comp.size, 1), lo[2] + grid.fineOf(comp.sumK / comp.size, 2));
    // the heart lies in front of the lungs' centres (y grows posteriorly in LPS)
    if (c[1] < lungsY && score[comp.id] > score[chosen]) chosen = comp.id;
  }
  if (!chosen) throw new PolyradError('HEART_NOT_FOUND', 'no heart-sized soft-tissue region between the lungs; is the heart within the scanned range?');
  return { depth2, labels, chosen };
}

/** The heart's outline at full resolution: the tissue opened with a ball of HEART_EROSION_MM (which keeps its shape) near the core, and its area per slice. */
function heartOutline(tissue: Uint8Array, core: HeartCore, grid: CoarseGrid, dims: [number, number, number]): { heart: Uint8Array; area: Float64Array } {
  const r = HEART_EROSION_MM;
  const halfVoxel = 0.75 * Math.max(...grid.spacing);
  const n = core.depth2.length;
  const opened2 = squaredDistanceTransform(where(n, (c) => core.depth2[c] > r * r), grid.dims, grid.spacing);
  const near2 = squaredDistanceTransform(where(n, (c) => core.labels[c] === core.chosen), grid.dims, grid.spacing);
  const reach = HEART_CORE_EROSION_MM + r;
  const inHeart = where(n, (g) => opened2[g] <= (r + halfVoxel) ** 2 && near2[g] <= reach * reach);
  const [cx, cy, cz] = dims;
  const heart = new Uint8Array(tissue.length);
  const area = new Float64Array(cz);
  // hot loop: fine voxels in raster order with their coarse block
  for (let k = 0, c = 0; k < cz; k++) {
    for (let j = 0; j < cy; j++) {
      const g = grid.mapJ[j] + grid.mapK[k];
      for (let i = 0; i < cx; i++, c++) {
        if (tissue[c] && inHeart[g + grid.mapI[i]]) {
          heart[c] = 1;
          area[k]++;
        }
      }
    }
  }
  return { heart, area };
}

/**
 * The great vessels (above) and liver or IVC (below) cut off by the slice-area profile and the chambers'
 * reach; of the outline within those slices, the part that overlaps the core most, on the volume grid.
 */
function cutToHeartSlices(volume: Volume, outline: { heart: Uint8Array; area: Float64Array }, core: HeartCore, grid: CoarseGrid, crop: Crop): HeartSegmentation {
  const { geometry, voxels } = volume;
  const [cx, cy, cz] = crop.dims;
  const cxy = cx * cy;
  const fz = grid.factor[2];
  const [first, last] = heartSlices(outline.area);
  const [chamberFirst, chamberLast] = chamberSlices(core.labels, core.chosen, core.depth2, grid.dims, grid.spacing).map((g, e) => (e === 0 ? g * fz : Math.min(cz - 1, g * fz + fz - 1)));
  // only the slices from bottom to top can hold the heart: label that slab alone
  const k0 = Math.max(0, Math.max(first, chamberFirst));
  const k1 = Math.max(k0 - 1, Math.min(cz - 1, Math.min(last, chamberLast)));
  const parts = labelConnectedComponents(outline.heart.subarray(k0 * cxy, (k1 + 1) * cxy), [cx, cy, k1 - k0 + 1]);
  const overlap = new Float64Array(parts.components.length + 1);
  for (let k = k0, c = 0; k <= k1; k++) {
    for (let j = 0; j < cy; j++) {
      const g = grid.mapJ[j] + grid.mapK[k];
      for (let i = 0; i < cx; i++, c++) if (parts.labels[c] && core.labels[g + grid.mapI[i]] === core.chosen) overlap[parts.labels[c]]++;
    }
  }
  let keep = 1;
  for (let id = 2; id < overlap.length; id++) if (overlap[id] > overlap[keep]) keep = id;
  const mask = new Uint8Array(voxels.length);
  let count = 0;
  const sum = [0, 0, 0];
  const histogram = new Float64Array(4096);
  for (let k = k0, c = 0; k <= k1; k++) {
    for (let j = 0; j < cy; j++) {
      const row = crop.rowStart(j, k);
      for (let i = 0; i < cx; i++, c++) {
        if (parts.labels[c] !== keep) continue;
        const p = row + i;
        mask[p] = 1;
        count++;
        sum[0] += i;
        sum[1] += j;
        sum[2] += k;
        histogram[Math.max(0, Math.min(4095, voxels[p] + 1024))]++;
      }
    }
  }
  const [sx, sy, sz] = geometry.spacing;
  const { lo } = crop;
  return {
    mask: { geometry, labels: mask, labelNames: { 1: 'heart' } },
    voxelCount: count,
    volumeMl: (count * sx * sy * sz) / 1000,
    center: voxelToPatient(geometry, lo[0] + sum[0] / count, lo[1] + sum[1] / count, lo[2] + sum[2] / count),
    bloodPoolHu: percentile(histogram, count, 0.75) - 1024,
  };
}

/** The label values of the right and left lung in the lung mask (0 where absent). */
export function lungLabels(lungs: LabelMask): { right: number; left: number } {
  const side = (name: string): number => Number(Object.entries(lungs.labelNames ?? {}).find(([, n]) => n === name)?.[0] ?? 0);
  return { right: side('lung.right'), left: side('lung.left') };
}

/**
 * Slices within reach of the chambers: the pieces of the heart's core (component `chosen` of `labels`) that
 * survive the deeper HEART_CHAMBER_EROSION_MM erosion and hold at least a fifth of the largest such piece,
 * widened by that depth plus the outline opening. The ascending aorta, pulmonary trunk and arch, thinner
 * than the chambers, lie outside and so fall off the heart, with the descending aorta joined through them.
 */
function chamberSlices(labels: Int32Array, chosen: number, depth2: Float32Array, dims: [number, number, number], spacing: readonly [number, number, number]): [number, number] {
  const D = HEART_CHAMBER_EROSION_MM;
  const deep = new Uint8Array(labels.length);
  for (let c = 0; c < labels.length; c++) deep[c] = labels[c] === chosen && depth2[c] > D * D ? 1 : 0;
  const pieces = labelConnectedComponents(deep, dims);
  if (pieces.components.length === 0) return [0, dims[2] - 1];
  const largest = Math.max(...pieces.components.map((p) => p.size));
  const keep = new Uint8Array(pieces.components.length + 1);
  for (const piece of pieces.components) keep[piece.id] = piece.size >= 0.2 * largest ? 1 : 0;
  const cxy = dims[0] * dims[1];
  let lo = dims[2];
  let hi = -1;
  for (let c = 0; c < deep.length; c++) {
    if (!keep[pieces.labels[c]]) continue;
    const k = Math.floor(c / cxy);
    lo = Math.min(lo, k);
    hi = Math.max(hi, k);
  }
  const margin = Math.ceil((D + 3 * HEART_EROSION_MM) / spacing[2]);
  return [Math.max(0, lo - margin), Math.min(dims[2] - 1, hi + margin)];
}

/** First and last slice of the heart: walking out from the largest slice, stop where the area falls under
 * HEART_MIN_AREA_FRACTION of it, or rises again by a third after a waist (another organ joining). */
export function heartSlices(area: Float64Array): [number, number] {
  let peak = 0;
  for (let k = 1; k < area.length; k++) if (area[k] > area[peak]) peak = k;
  const walk = (step: number): number => {
    let end = peak;
    let waist = area[peak];
    let waistAt = peak;
    for (let k = peak + step; k >= 0 && k < area.length; k += step) {
      if (area[k] < HEART_MIN_AREA_FRACTION * area[peak]) break;
      if (waist < 0.6 * area[peak] && area[k] > (4 / 3) * waist) return waistAt;
      if (area[k] < waist) {
        waist = area[k];
        waistAt = k;
      }
      end = k;
    }
    return end;
  };
  return [walk(-1), walk(1)];
}

function percentile(histogram: Float64Array, count: number, q: number): number {
  for (let h = 0, cum = 0; h < histogram.length; h++) {
    cum += histogram[h];
    if (cum >= q * count) return h;
  }
  return histogram.length - 1;
}

/** Convex hull (Andrew's monotone chain) of the row extremes of one slice, as [i, j] vertices in order. */
function convexHull(rowMin: Int32Array, rowMax: Int32Array): [number, number][] {
  const points: [number, number][] = [];
  for (let j = 0; j < rowMin.length; j++) {
    if (rowMin[j] < 0) continue;
    points.push([rowMin[j], j]);
    if (rowMax[j] !== rowMin[j]) points.push([rowMax[j], j]);
  }
  points.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (points.length < 3) return points;
  const turn = (o: [number, number], a: [number, number], b: [number, number]): number => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const half = (list: [number, number][]): [number, number][] => {
    const out: [number, number][] = [];
    for (const p of list) {
      while (out.length >= 2 && turn(out[out.length - 2], out[out.length - 1], p) <= 0) out.pop();
      out.push(p);
    }
    out.pop();
    return out;
  };
  return [...half(points), ...half([...points].reverse())];
}

/** The i-interval where row j crosses the hull polygon, or undefined. */
function hullSpan(hull: [number, number][], j: number): [number, number] | undefined {
  let min = Infinity;
  let max = -Infinity;
  for (let e = 0; e < hull.length; e++) {
    const [ai, aj] = hull[e];
    const [bi, bj] = hull[(e + 1) % hull.length];
    if ((j < aj && j < bj) || (j > aj && j > bj)) continue;
    const xs = aj === bj ? [ai, bi] : [ai + ((j - aj) * (bi - ai)) / (bj - aj)];
    for (const x of xs) {
      min = Math.min(min, x);
      max = Math.max(max, x);
    }
  }
  return min <= max ? [min, max] : undefined;
}

/**
 * Adds to `tissue` its non-tissue pockets of at most HEART_NOISE_POCKET_VOXELS voxels. Image noise (SD
 * ~20 HU) drops isolated voxels of blood and myocardium (~40 HU) below HEART_HU_RANGE, singly or in pairs
 * whatever the voxel size; their count per mm³ grows with finer pixels and thinner slices, and each one
 * stops the erosions below, so that on a 0.6 mm x 1 mm grid no heart core survived. Larger pockets stay:
 * on real CT the thin fat plane between the left atrium and the descending aorta breaks up into pockets of
 * a few voxels, and filling those let the outline's opening join the aorta to the heart.
 */
function fillNoisePockets(tissue: Uint8Array, dims: [number, number, number]): void {
  // A 6-connected pocket of one or two voxels is found locally, without labelling the whole background:
  // a voxel with no non-tissue neighbour, or with one whose only non-tissue neighbour is itself.
  // Filling in place is safe: a filled voxel's only non-tissue neighbour is its own pocket's partner.
  const [cx, cy, cz] = dims;
  const cxy = cx * cy;
  const open = (c: number, i: number, j: number, k: number, skip: number): number => {
    let n = 0;
    let last = -1;
    if (i > 0 && !tissue[c - 1] && c - 1 !== skip) { n++; last = c - 1; }
    if (i < cx - 1 && !tissue[c + 1] && c + 1 !== skip) { n++; last = c + 1; }
    if (j > 0 && !tissue[c - cx] && c - cx !== skip) { n++; last = c - cx; }
    if (j < cy - 1 && !tissue[c + cx] && c + cx !== skip) { n++; last = c + cx; }
    if (k > 0 && !tissue[c - cxy] && c - cxy !== skip) { n++; last = c - cxy; }
    if (k < cz - 1 && !tissue[c + cxy] && c + cxy !== skip) { n++; last = c + cxy; }
    return n === 0 ? -1 : n === 1 ? last : -2; // -1: none, >= 0: the single one, -2: several
  };
  // hot loop over the crop in raster order
  for (let k = 0, c = 0; k < cz; k++) {
    for (let j = 0; j < cy; j++) {
      for (let i = 0; i < cx; i++, c++) {
        if (tissue[c]) continue;
        const u = open(c, i, j, k, -1);
        if (u === -2) continue;
        if (u >= 0) {
          const uk = Math.floor(u / cxy);
          const uj = Math.floor((u - uk * cxy) / cx);
          if (open(u, u - uk * cxy - uj * cx, uj, uk, c) !== -1) continue;
        }
        tissue[c] = 1;
      }
    }
  }
}

/** Block majority of a fine 0/1 mask on the coarse grid (blocks given by the index maps; hot loop). */
function coarseMajority(fine: Uint8Array, dims: [number, number, number], gdims: [number, number, number], mapI: Int32Array, mapJ: Int32Array, mapK: Int32Array): Uint8Array {
  const [cx, cy, cz] = dims;
  const ones = new Uint16Array(gdims[0] * gdims[1] * gdims[2]);
  const all = new Uint16Array(ones.length);
  for (let k = 0, c = 0; k < cz; k++) {
    for (let j = 0; j < cy; j++) {
      const g = mapJ[j] + mapK[k];
      for (let i = 0; i < cx; i++, c++) {
        ones[g + mapI[i]] += fine[c];
        all[g + mapI[i]]++;
      }
    }
  }
  return where(ones.length, (g) => 2 * ones[g] >= all[g]);
}

/** A 0/1 mask of the voxels where `test` holds (the distance transform's sources). */
function where(n: number, test: (p: number) => boolean): Uint8Array {
  const mask = new Uint8Array(n);
  for (let p = 0; p < n; p++) if (test(p)) mask[p] = 1;
  return mask;
}
