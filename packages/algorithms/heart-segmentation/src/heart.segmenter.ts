import { PolyradError, voxelToPatient, type LabelMask, type Vec3, type Volume, type VolumeGeometry, squaredDistanceTransform, labelConnectedComponents } from '@polyrad/sdk';
import { boundToHeartShape, type ShapeGrid } from './heart-shape.fitter.js';

/** Heart tissue and blood pool, with or without IV contrast: above fat (about -100 HU), below cortical bone. */
export const HEART_HU_RANGE: readonly [number, number] = [-20, 1000];
/**
 * Erosion radii tried in turn for the heart's core, mm: the smallest that cuts the heart from liver,
 * aorta and spine. 10 mm cuts thin fat planes; where the heart rests on the liver without one (or an
 * aneurysm or the spine joins it) only a deeper erosion separates them, up to the heart's own half-depth.
 */
export const HEART_CORE_EROSION_STEPS_MM: readonly number[] = [10, 13, 16, 19, 22, 25];
/** Radius of the opening that gives the heart its outline (drops vessels and bridges thinner than 2 x 5 mm). */
export const HEART_EROSION_MM = 5;
/** Radius of the opening that drops the great vessels' stubs from the heart's base, mm (above the ascending aorta's radius, below the chambers'). */
export const HEART_VESSEL_OPENING_MM = 16;
/** Largest region (mL) a core grown back may give and still be taken for the heart alone (the quality gate's plausible maximum). */
export const HEART_MAX_REGION_ML = 1500;
/** Greatest height of a region over the cube root of its volume for it to be the heart alone (the gate's limit, HEART_MAX_ELONGATION). */
export const HEART_MAX_REGION_ELONGATION = 1.6;
/** How far below (or above) the lungs' extent the heart is looked for, mm. */
export const HEART_BELOW_LUNGS_MM = 80;
/**
 * A voxel below HEART_HU_RANGE whose 3 x 3 in-plane mean is at least this is tissue that noise pushed
 * down (blood and myocardium lie near 40 HU; at noise SD 35 one voxel in twenty falls under -20 HU, and
 * those pockets stop every erosion). The mean of nine voxels has a third of the noise; fat (-100 HU) and
 * the lung's edge stay well below it, so the heart's outline is not moved.
 */
export const HEART_NOISY_TISSUE_MEAN_HU = 10;
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
 * Finds the heart on chest CT from the lung mask, in named steps: the frame of the lungs (lungFrame); the
 * soft-tissue and blood region (HEART_HU_RANGE) inside the convex hull of the lungs of each slice
 * (mediastinalTissue, noise pockets filled); its core, eroded just deep enough to stand apart from liver,
 * great vessels and spine, grown back within the region nearer it than any other core (separateHeart,
 * regionOf); bounded by an ellipsoid fitted to the wall the heart shows against lung and fat, where it
 * meets other tissue (boundToHeartShape); the great vessels' stubs opened away (dropVesselStubs); and the
 * mask on the volume grid (heartMask). Threshold + morphology + connected components in the spirit of
 * classical thoracic segmentation (Hu, Hoffman & Reinhardt, IEEE TMI 2001), with a shape prior where the
 * heart has no HU boundary (the liver, the blood of the great vessels on non-contrast CT).
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
  const { core, region } = separateHeart(gtissue, grid, geometry, frame, bothLungs);
  return heartMask(volume, tissue, region, core, grid, frame.crop);
}

/** A box of the volume: its first voxel, its size, and the volume index of its voxel (0, j, k). */
export interface Crop {
  lo: number[];
  dims: [number, number, number];
  rowStart: (j: number, k: number) => number;
}

/** The coarse grid the erosions run on: blocks of `factor` fine voxels, and the block of each fine column, row and slice. */
export interface CoarseGrid {
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
export interface HeartCore {
  /** squared depth of each coarse voxel inside the tissue (distance to non-tissue), mm² */
  depth2: Float32Array;
  /** components of the tissue eroded by `radius`, and the heart's among them */
  labels: Int32Array;
  chosen: number;
  radius: number;
  /** squared distance to the heart's core, mm² */
  near2: Float32Array;
  /** the heart's centre on the coarse grid, mm from its first voxel: the deepest tissue of the core between the lungs */
  centre: Vec3;
}

/** The crop around the lungs and the lungs' centres. */
export interface LungFrame {
  crop: Crop;
  right: Vec3;
  left: Vec3;
}

/**
 * The crop to the lungs' bounding box (widened by HEART_BELOW_LUNGS_MM along z: the heart's inferior wall
 * may reach below the lung bases) and the lungs' centres, which place the heart between them.
 */
export function lungFrame(geometry: VolumeGeometry, lungs: LabelMask, sides: { right: number; left: number }): LungFrame {
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
        if (lungs.labels[p] || hu > HEART_HU_RANGE[1]) continue;
        if (hu >= HEART_HU_RANGE[0] || inPlaneMean(volume, p) >= HEART_NOISY_TISSUE_MEAN_HU) tissue[i + j * cx + k * cxy] = 1;
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
 * The heart's core: the tissue eroded by a ball just deep enough to cut the heart from what touches it.
 * Without a fat plane the heart rests on the liver and abuts the great vessels and the descending aorta;
 * an erosion cuts a contact narrower than its radius, and the heart (a blob some 50 mm in radius) keeps a
 * core through every radius tried. Radii from HEART_CORE_EROSION_STEPS_MM are tried in turn; at each, of
 * the core's components the one in front of the lungs' centres with the most voxels between the lungs on
 * slices with sizeable lungs (the liver and spine score little) is the heart's, and the first radius at
 * which that component, grown back by the radius, is heart-sized (heartLikeRegion) is kept.
 */
export function separateHeart(gtissue: Uint8Array, grid: CoarseGrid, geometry: VolumeGeometry, frame: LungFrame, bothLungs: Uint8Array): { core: HeartCore; region: Uint8Array } {
  const depth2 = squaredDistanceTransform(where(gtissue.length, (c) => gtissue[c] === 0), grid.dims, grid.spacing);
  let last: { core: HeartCore; region: Uint8Array } | undefined;
  for (const radius of HEART_CORE_EROSION_STEPS_MM) {
    const { labels, components } = labelConnectedComponents(where(depth2.length, (c) => depth2[c] > radius * radius), grid.dims);
    const chosen = heartComponent(labels, components, grid, geometry, frame, bothLungs);
    if (!chosen) break;
    const near2 = squaredDistanceTransform(where(labels.length, (c) => labels[c] === chosen), grid.dims, grid.spacing);
    const core = { depth2, labels, chosen, radius, near2, centre: heartCentre(depth2, labels, chosen, grid, geometry, frame, bothLungs) };
    last = { core, region: dropVesselStubs(boundToHeartShape(regionOf(core, grid), gtissue, core.centre, grid), grid) };
    if (heartLikeRegion(last.region, grid)) return last;
  }
  if (!last) throw new PolyradError('HEART_NOT_FOUND', 'no heart-sized soft-tissue region between the lungs; is the heart within the scanned range?');
  return last;
}

/** The component of the eroded tissue that is the heart's: in front of the lungs' centres, most voxels between the lungs (0: none). */
function heartComponent(labels: Int32Array, components: { id: number; size: number; sumI: number; sumJ: number; sumK: number }[], grid: CoarseGrid, geometry: VolumeGeometry, frame: LungFrame, bothLungs: Uint8Array): number {
  const { lo } = frame.crop;
  const [gx, gy, gz] = grid.dims;
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
  return chosen;
}

/**
 * The heart's region on the coarse grid: the core grown back by its erosion radius (plus a voxel for the
 * partial-volume rim), within the tissue opened by HEART_EROSION_MM (thin bridges to the chest wall and
 * vessels drop out), and nearer the heart's core than any other core (the liver's, the spine's): where
 * the heart touches the liver or an aneurysm the cut runs half-way between their cores.
 */
export function regionOf(core: HeartCore, grid: CoarseGrid): Uint8Array {
  const r = HEART_EROSION_MM;
  const slack = 0.75 * Math.max(...grid.spacing);
  const n = core.depth2.length;
  const opened2 = squaredDistanceTransform(where(n, (c) => core.depth2[c] > r * r), grid.dims, grid.spacing);
  const others2 = squaredDistanceTransform(where(n, (c) => core.labels[c] !== 0 && core.labels[c] !== core.chosen), grid.dims, grid.spacing);
  const reach = (core.radius + slack) ** 2;
  return where(n, (g) => core.depth2[g] > 0 && opened2[g] <= (r + slack) ** 2 && core.near2[g] <= reach && core.near2[g] < others2[g]);
}

/**
 * The heart's centre (coarse grid, mm): the deepest voxel of its core on slices between sizeable lungs
 * within the central band (where the liver's and spine's cores do not reach while they are still joined to the heart's).
 */
function heartCentre(depth2: Float32Array, labels: Int32Array, chosen: number, grid: CoarseGrid, geometry: VolumeGeometry, frame: LungFrame, bothLungs: Uint8Array): Vec3 {
  const [gx, gy, gz] = grid.dims;
  const { lo } = frame.crop;
  const midX = (frame.right[0] + frame.left[0]) / 2;
  const halfBand = 0.35 * Math.abs(frame.left[0] - frame.right[0]);
  let best = -1;
  let at: Vec3 = [0, 0, 0];
  for (let gk = 0, c = 0; gk < gz; gk++) {
    const k = Math.round(grid.fineOf(gk, 2));
    for (let gj = 0; gj < gy; gj++) {
      for (let gi = 0; gi < gx; gi++, c++) {
        if (labels[c] !== chosen || !bothLungs[k] || depth2[c] <= best) continue;
        const x = voxelToPatient(geometry, lo[0] + grid.fineOf(gi, 0), lo[1] + grid.fineOf(gj, 1), lo[2] + k)[0];
        if (Math.abs(x - midX) >= halfBand) continue;
        best = depth2[c];
        at = [gi * grid.spacing[0], gj * grid.spacing[1], gk * grid.spacing[2]];
      }
    }
  }
  return at;
}

/**
 * The region opened by a ball of HEART_VESSEL_OPENING_MM: the stubs of the ascending aorta and pulmonary
 * trunk (tubes of 10-16 mm radius) that rise from the heart's base inside its fitted shape fall away; the
 * chambers, wider, keep their outline.
 */
export function dropVesselStubs(region: Uint8Array, grid: ShapeGrid): Uint8Array {
  const r = HEART_VESSEL_OPENING_MM;
  const slack = 0.75 * Math.max(...grid.spacing);
  const depth2 = squaredDistanceTransform(where(region.length, (c) => region[c] === 0), grid.dims, grid.spacing);
  const near2 = squaredDistanceTransform(where(region.length, (c) => depth2[c] > r * r), grid.dims, grid.spacing);
  return where(region.length, (c) => region[c] === 1 && near2[c] <= (r + slack) ** 2);
}

/** A region the size and shape of a heart: at most HEART_MAX_REGION_ML, and not taller than HEART_MAX_REGION_ELONGATION x its cube root (no liver, no aorta). */
function heartLikeRegion(region: Uint8Array, grid: CoarseGrid): boolean {
  const [gx, gy] = grid.dims;
  let count = 0;
  let kLo = Infinity;
  let kHi = -Infinity;
  for (let g = 0; g < region.length; g++) {
    if (!region[g]) continue;
    count++;
    const k = Math.floor(g / (gx * gy));
    kLo = Math.min(kLo, k);
    kHi = Math.max(kHi, k);
  }
  const [sx, sy, sz] = grid.spacing;
  const ml = (count * sx * sy * sz) / 1000;
  const height = (kHi - kLo + 1) * sz;
  return ml <= HEART_MAX_REGION_ML && height <= HEART_MAX_REGION_ELONGATION * Math.cbrt(ml * 1000);
}

/**
 * The heart on the volume grid: the fine tissue voxels inside the coarse region, of which the connected
 * part that overlaps the core most (a stray island of the region is dropped); its volume, centre and blood pool.
 */
function heartMask(volume: Volume, tissue: Uint8Array, region: Uint8Array, core: HeartCore, grid: CoarseGrid, crop: Crop): HeartSegmentation {
  const { geometry, voxels } = volume;
  const [cx, cy, cz] = crop.dims;
  const fine = new Uint8Array(tissue.length);
  for (let k = 0, c = 0; k < cz; k++) {
    for (let j = 0; j < cy; j++) {
      const g = grid.mapJ[j] + grid.mapK[k];
      for (let i = 0; i < cx; i++, c++) if (tissue[c] && region[g + grid.mapI[i]]) fine[c] = 1;
    }
  }
  const parts = labelConnectedComponents(fine, crop.dims);
  const overlap = new Float64Array(parts.components.length + 1);
  for (let k = 0, c = 0; k < cz; k++) {
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
  for (let k = 0, c = 0; k < cz; k++) {
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
  if (count === 0) throw new PolyradError('HEART_NOT_FOUND', 'no heart-sized soft-tissue region between the lungs; is the heart within the scanned range?');
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

/** Mean HU of the 3 x 3 in-plane neighbourhood of voxel p (clamped at the image edge). */
function inPlaneMean(volume: Volume, p: number): number {
  const [nx, ny] = volume.geometry.dimensions;
  const i = p % nx;
  const j = Math.floor(p / nx) % ny;
  let sum = 0;
  for (let dj = -1; dj <= 1; dj++) {
    const jj = Math.min(ny - 1, Math.max(0, j + dj));
    for (let di = -1; di <= 1; di++) sum += volume.voxels[p - i - j * nx + Math.min(nx - 1, Math.max(0, i + di)) + jj * nx];
  }
  return sum / 9;
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
