import { PolyradError, IndexQueue, voxelToPatient, type LabelMask, type Vec3, type Volume, labelConnectedComponents, type ComponentStats } from '@polyrad/sdk';
import { extractAirway, type AirwayExtraction, type AirwayOptions } from './airway.extractor.js';
import { splitMergedLungs } from './lung.splitter.js';
import { optimalThreshold } from './optimal-threshold.js';
import { AIR, AIRWAY, AIRWAY_MARGIN, OUTSIDE, TISSUE } from './segmentation-state.js';
import { fillSliceHoles } from './slice-hole.filler.js';
import { checkLungQuality, type LungQuality } from './lung-quality.gate.js';

/**
 * Classical lung segmentation after Hu S, Hoffman EA, Reinhardt JM, "Automatic lung segmentation for
 * accurate quantitation of volumetric X-ray CT images", IEEE TMI 2001;20(6):490-498:
 *  1. optimal (iterative) threshold separating air-like from body voxels;
 *  2. air connected to the in-plane image border is outside the body;
 *  3. trachea and main bronchi are region-grown from a seed in the most superior slices (found from
 *     the geometry, not the array order) with leak control, and excluded with their wall;
 *  4. 3D connected components: the large, lung-shaped air components are kept (flat air such as a
 *     table's foam core, small or infra-diaphragmatic gas are not);
 *  5. left and right are separated (eroding a junction if they touch) and named from patient
 *     coordinates: +x is the patient's left in LPS;
 *  6. per-slice hole filling brings vessels into the lung volume;
 *  7. the result is checked against anatomy (lung-quality.gate.ts).
 */

export const LUNG_LABEL_NAMES: Record<number, string> = { 1: 'lung.right', 2: 'lung.left' };

export interface LungSegmentationOptions {
  /** air/body threshold, HU; default: the iterative optimal threshold */
  threshold?: number;
  /** smallest air component kept as lung, mL */
  minComponentMl?: number;
  /** largest in-slice hole filled into the lung, mm² */
  maxHoleAreaMm2?: number;
  airway?: AirwayOptions;
}

export interface LungSegmentation {
  /** 1 = lung.right, 2 = lung.left, on the input grid */
  mask: LabelMask;
  volumesMl: { right: number; left: number };
  threshold: number;
  airway: AirwayExtraction;
  /** how left and right were told apart */
  separation: 'separate-components' | 'eroded-junction' | 'not-separated';
  erosionMm: number | null;
  /** anatomical checks: a failed one means the mask must not be used */
  quality: LungQuality;
  warnings: string[];
}

interface Candidate {
  stats: ComponentStats;
  volumeMl: number;
  centroid: Vec3;
  min: Vec3;
  max: Vec3;
}

export function segmentLungs(volume: Volume, options: LungSegmentationOptions = {}): LungSegmentation {
  const { geometry, voxels } = volume;
  const dims = geometry.dimensions;
  const [nx, ny, nz] = dims;
  const nxy = nx * ny;
  const n = nxy * nz;
  if (voxels.length !== n) {
    throw new PolyradError('VOLUME_INVALID', `volume has ${voxels.length} voxels, its geometry says ${n}`);
  }
  const kz = geometry.direction[2][2];
  if (Math.abs(kz) < 0.5) {
    throw new PolyradError('UNSUPPORTED_ORIENTATION', 'lung segmentation needs an axial series (slice normal along the patient z axis)');
  }
  const superiorAtHighK = kz > 0;
  const [sx, sy, sz] = geometry.spacing;
  const mlPerVoxel = (sx * sy * sz) / 1000;
  const warnings: string[] = [];

  // 1. threshold; 2a. air runs from either end of a row, and the first and last rows, touch the in-plane
  // border: outside. The air left (the body's enclosed air) is boxed, and everything below works in the box.
  const threshold = options.threshold ?? optimalThreshold(voxels);
  const box = { lo: [nx, ny, nz], hi: [-1, -1, -1] };
  // hot loop over rows
  const state = voxels instanceof Int16Array ? binarize(voxels, Math.ceil(threshold)) : binarize(voxels, threshold);
  for (let k = 0, p = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++, p += nx) {
      if (j === 0 || j === ny - 1) {
        for (let i = 0; i < nx; i++) if (state[p + i] === AIR) state[p + i] = OUTSIDE;
        continue;
      }
      let a = 0;
      while (a < nx && state[p + a] === AIR) state[p + a++] = OUTSIDE;
      let b = nx - 1;
      while (b > a && state[p + b] === AIR) state[p + b--] = OUTSIDE;
      while (a <= b && state[p + a] !== AIR) a++;
      while (b >= a && state[p + b] !== AIR) b--;
      if (a > b) continue;
      box.lo[0] = Math.min(box.lo[0], a);
      box.hi[0] = Math.max(box.hi[0], b);
      box.lo[1] = Math.min(box.lo[1], j);
      box.hi[1] = Math.max(box.hi[1], j);
      box.lo[2] = Math.min(box.lo[2], k);
      box.hi[2] = Math.max(box.hi[2], k);
    }
  }
  if (box.hi[0] < 0) throw new PolyradError('NO_LUNGS_FOUND', 'no lung-shaped air region was found in this series');

  // 2b. the remaining air connected to outside air is outside too: a raster scan marks the air voxels
  // touching it, a 6-connected flood takes the rest of their components. Together with 2a this marks
  // exactly the air components that reach the in-plane border of any slice, without labelling them all.
  {
    const queue = new IndexQueue(1 << 16);
    // hot loop over the box
    for (let k = box.lo[2]; k <= box.hi[2]; k++)
      for (let j = box.lo[1]; j <= box.hi[1]; j++)
        for (let i = box.lo[0], p = k * nxy + j * nx + i; i <= box.hi[0]; i++, p++) {
          if (state[p] !== AIR) continue;
          if (
            (i > 0 && state[p - 1] === OUTSIDE) || (i < nx - 1 && state[p + 1] === OUTSIDE) ||
            (j > 0 && state[p - nx] === OUTSIDE) || (j < ny - 1 && state[p + nx] === OUTSIDE) ||
            (k > 0 && state[p - nxy] === OUTSIDE) || (k < nz - 1 && state[p + nxy] === OUTSIDE)
          ) {
            state[p] = OUTSIDE;
            queue.push(p);
          }
        }
    while (queue.size > 0) {
      const p = queue.shift();
      const k = (p / nxy) | 0;
      const r = p - k * nxy;
      const j = (r / nx) | 0;
      const i = r - j * nx;
      if (i > 0 && state[p - 1] === AIR) { state[p - 1] = OUTSIDE; queue.push(p - 1); }
      if (i < nx - 1 && state[p + 1] === AIR) { state[p + 1] = OUTSIDE; queue.push(p + 1); }
      if (j > 0 && state[p - nx] === AIR) { state[p - nx] = OUTSIDE; queue.push(p - nx); }
      if (j < ny - 1 && state[p + nx] === AIR) { state[p + nx] = OUTSIDE; queue.push(p + nx); }
      if (k > 0 && state[p - nxy] === AIR) { state[p - nxy] = OUTSIDE; queue.push(p - nxy); }
      if (k < nz - 1 && state[p + nxy] === AIR) { state[p + nxy] = OUTSIDE; queue.push(p + nxy); }
    }
  }

  // 3. airways
  const airway = extractAirway(volume, state, superiorAtHighK, options.airway);
  warnings.push(...airway.warnings);

  // 4. lung-like air components
  const { labels: componentLabels, components } = labelAirInBox(state, dims, box, new Int32Array(n));
  const candidates: Candidate[] = components.map((stats) => describe(stats));
  function describe(stats: ComponentStats): Candidate {
    const corners: Vec3[] = [];
    for (const i of [stats.min[0], stats.max[0]])
      for (const j of [stats.min[1], stats.max[1]])
        for (const k of [stats.min[2], stats.max[2]]) corners.push(voxelToPatient(geometry, i, j, k));
    const min: Vec3 = [0, 1, 2].map((a) => Math.min(...corners.map((c) => c[a]))) as Vec3;
    const max: Vec3 = [0, 1, 2].map((a) => Math.max(...corners.map((c) => c[a]))) as Vec3;
    const centroid = voxelToPatient(geometry, stats.sumI / stats.size, stats.sumJ / stats.size, stats.sumK / stats.size);
    return { stats, volumeMl: stats.size * mlPerVoxel, centroid, min, max };
  }
  // lungs are thick front to back and tall; a table's foam core or a flat gas layer is not
  const shaped = candidates.filter((c) => c.max[1] - c.min[1] >= 30 && c.max[2] - c.min[2] >= 20);
  shaped.sort((a, b) => b.stats.size - a.stats.size);
  const largest = shaped[0];
  if (!largest) {
    throw new PolyradError('NO_LUNGS_FOUND', 'no lung-shaped air region was found in this series');
  }
  const minMl = Math.max(options.minComponentMl ?? 20, 0.05 * largest.volumeMl);
  const largestMidZ = (largest.min[2] + largest.max[2]) / 2;
  // bowel and stomach gas lie below the lungs: a lung component reaches above the largest one's middle
  const kept = shaped.filter((c) => c.volumeMl >= minMl && c.max[2] >= largestMidZ);
  const midlineX =
    airway.seed?.[0] ?? (Math.min(...kept.map((c) => c.min[0])) + Math.max(...kept.map((c) => c.max[0]))) / 2;

  // 5. left / right
  const side = new Uint8Array(components.length + 1);
  const sideOf = (x: number): number => (x > midlineX ? 2 : 1); // +x = patient left (LPS)
  let mergedComponent: Candidate | null = null;
  for (const c of kept) {
    const spansBoth = Math.min(midlineX - c.min[0], c.max[0] - midlineX) > 40;
    if (c === kept[0] && spansBoth) mergedComponent = c;
    else side[c.stats.id] = sideOf(c.centroid[0]);
  }
  const out = new Uint8Array(n);
  for (let k = box.lo[2]; k <= box.hi[2]; k++)
    for (let j = box.lo[1]; j <= box.hi[1]; j++)
      for (let i = box.lo[0], p = k * nxy + j * nx + i; i <= box.hi[0]; i++, p++) out[p] = side[componentLabels[p]];
  let separation: LungSegmentation['separation'] = 'separate-components';
  let erosionMm: number | null = null;
  if (mergedComponent) {
    const outcome = splitMergedLungs(componentLabels, mergedComponent.stats, geometry, midlineX, out);
    if (outcome.split) {
      separation = 'eroded-junction';
      erosionMm = outcome.erosionMm;
    } else {
      separation = 'not-separated';
      warnings.push('left and right lungs could not be separated; the whole air region was given one side');
      const s = sideOf(mergedComponent.centroid[0]);
      const id = mergedComponent.stats.id;
      for (let k = box.lo[2]; k <= box.hi[2]; k++)
        for (let j = box.lo[1]; j <= box.hi[1]; j++)
          for (let i = box.lo[0], p = k * nxy + j * nx + i; i <= box.hi[0]; i++, p++) if (componentLabels[p] === id) out[p] = s;
    }
  }

  // 6. vessels and airway walls enclosed by lung in a slice belong to the lung volume
  const maxHole = Math.round((options.maxHoleAreaMm2 ?? 1000) / (sx * sy));
  // (the lungs and their slice holes lie in the box)
  fillSliceHoles(out, dims, 1, maxHole, box);
  fillSliceHoles(out, dims, 2, maxHole, box);
  // ... but the trachea and bronchi with their wall never do
  const summary = removeAirwaysAndSummarise(out, state, voxels, dims, box);
  const volumesMl = { right: summary.counts[1] * mlPerVoxel, left: summary.counts[2] * mlPerVoxel };
  if (summary.counts[1] === 0) warnings.push('no right lung found');
  if (summary.counts[2] === 0) warnings.push('no left lung found');
  const [superior, inferior] = superiorAtHighK ? [nz - 1, 0] : [0, nz - 1];
  const quality = checkLungQuality({
    volumesMl,
    tissueFraction: summary.tissue / Math.max(1, summary.counts[1] + summary.counts[2]),
    endSliceArea: {
      superior: { right: summary.sliceArea[1][superior], left: summary.sliceArea[2][superior] },
      inferior: { right: summary.sliceArea[1][inferior], left: summary.sliceArea[2][inferior] },
    },
    maxSliceArea: { right: Math.max(...summary.sliceArea[1]), left: Math.max(...summary.sliceArea[2]) },
  });
  return {
    mask: { geometry, labels: out, labelNames: { ...LUNG_LABEL_NAMES } },
    volumesMl,
    threshold,
    airway,
    separation,
    erosionMm,
    quality,
    warnings,
  };
}

/**
 * Takes the trachea and bronchi with their wall out of the lung labels and counts, in the same pass,
 * each label's voxels, its area per slice and the mask's soft-tissue voxels (>= -200 HU), which the
 * quality gate needs. Hot loop over the box.
 */
function removeAirwaysAndSummarise(out: Uint8Array, state: Uint8Array, voxels: ArrayLike<number>, dims: readonly [number, number, number], box: Box): { counts: Float64Array; sliceArea: Float64Array[]; tissue: number } {
  const [nx, ny, nz] = dims;
  const nxy = nx * ny;
  const counts = new Float64Array(3);
  const sliceArea = [new Float64Array(nz), new Float64Array(nz), new Float64Array(nz)];
  let tissue = 0;
  for (let k = box.lo[2]; k <= box.hi[2]; k++)
    for (let j = box.lo[1]; j <= box.hi[1]; j++)
      for (let i = box.lo[0], p = k * nxy + j * nx + i; i <= box.hi[0]; i++, p++) {
        const s = state[p];
        if (s === AIRWAY || s === AIRWAY_MARGIN) out[p] = 0;
        const label = out[p];
        counts[label]++;
        if (label === 0) continue;
        sliceArea[label][k]++;
        if (voxels[p] >= -200) tissue++;
      }
  return { counts, sliceArea, tissue };
}

/** AIR below `cut`, TISSUE elsewhere: one tight loop per voxel type (Int16 CT gets the integer cut: an
 * integer v is below t exactly when it is below ceil(t)). */
function binarize(voxels: ArrayLike<number>, cut: number): Uint8Array {
  const state = new Uint8Array(voxels.length);
  for (let p = 0; p < voxels.length; p++) state[p] = voxels[p] < cut ? AIR : TISSUE;
  return state;
}

interface Box {
  lo: number[];
  hi: number[];
}

/**
 * 6-connected components of the AIR voxels, all of which lie in `box`: labelled in the box alone, written
 * into `labels` (volume grid, zero elsewhere in the box), statistics in volume indices.
 */
function labelAirInBox(state: Uint8Array, dims: readonly [number, number, number], box: Box, labels: Int32Array): { labels: Int32Array; components: ComponentStats[] } {
  const [nx, ny] = dims;
  const size = [0, 1, 2].map((a) => box.hi[a] - box.lo[a] + 1) as [number, number, number];
  const local = new Uint8Array(size[0] * size[1] * size[2]);
  const rowStart = (j: number, k: number): number => (k * ny + j) * nx + box.lo[0];
  for (let k = box.lo[2], q = 0; k <= box.hi[2]; k++)
    for (let j = box.lo[1]; j <= box.hi[1]; j++, q += size[0]) local.set(state.subarray(rowStart(j, k), rowStart(j, k) + size[0]), q);
  const result = labelConnectedComponents(local, size, AIR);
  for (let k = box.lo[2], q = 0; k <= box.hi[2]; k++)
    for (let j = box.lo[1]; j <= box.hi[1]; j++, q += size[0]) labels.set(result.labels.subarray(q, q + size[0]), rowStart(j, k));
  const [i0, j0, k0] = box.lo;
  for (const c of result.components) {
    c.sumI += c.size * i0;
    c.sumJ += c.size * j0;
    c.sumK += c.size * k0;
    c.min = [c.min[0] + i0, c.min[1] + j0, c.min[2] + k0];
    c.max = [c.max[0] + i0, c.max[1] + j0, c.max[2] + k0];
    c.touchesInPlaneBorder = c.min[0] === 0 || c.min[1] === 0 || c.max[0] === nx - 1 || c.max[1] === ny - 1;
  }
  return { labels, components: result.components };
}
