import { PolyradError, voxelToPatient, type LabelMask, type Vec3, type Volume, labelConnectedComponents, type ComponentStats } from '@polyrad/sdk';
import { extractAirway, type AirwayExtraction, type AirwayOptions } from './airway.extractor.js';
import { splitMergedLungs } from './lung.splitter.js';
import { optimalThreshold } from './optimal-threshold.js';
import { AIR, AIRWAY, AIRWAY_MARGIN, OUTSIDE, TISSUE } from './segmentation-state.js';
import { fillSliceHoles } from './slice-hole.filler.js';

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
 *  6. per-slice hole filling brings vessels into the lung volume.
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

  // 1. threshold (hot loop)
  const threshold = options.threshold ?? optimalThreshold(voxels);
  const state = new Uint8Array(n);
  for (let p = 0; p < n; p++) state[p] = voxels[p] < threshold ? AIR : TISSUE;

  // 2. outside air: air components that reach the in-plane border of any slice
  const labelBuffer = new Int32Array(n);
  {
    const { labels, components } = labelConnectedComponents(state, dims, AIR, labelBuffer);
    const outside = new Uint8Array(components.length + 1);
    for (const c of components) if (c.touchesInPlaneBorder) outside[c.id] = 1;
    for (let p = 0; p < n; p++) if (outside[labels[p]] === 1) state[p] = OUTSIDE;
  }

  // 3. airways
  const airway = extractAirway(volume, state, superiorAtHighK, options.airway);
  warnings.push(...airway.warnings);

  // 4. lung-like air components
  const { labels: componentLabels, components } = labelConnectedComponents(state, dims, AIR, labelBuffer);
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
  for (let p = 0; p < n; p++) {
    const id = componentLabels[p];
    if (id !== 0) out[p] = side[id];
  }
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
      for (let p = 0; p < n; p++) if (componentLabels[p] === id) out[p] = s;
    }
  }

  // 6. vessels and airway walls enclosed by lung in a slice belong to the lung volume
  const maxHole = Math.round((options.maxHoleAreaMm2 ?? 1000) / (sx * sy));
  fillSliceHoles(out, dims, 1, maxHole);
  fillSliceHoles(out, dims, 2, maxHole);
  // ... but the trachea and bronchi with their wall never do
  const counts = [0, 0, 0];
  for (let p = 0; p < n; p++) {
    const s = state[p];
    if (s === AIRWAY || s === AIRWAY_MARGIN) out[p] = 0;
    counts[out[p]]++;
  }
  if (counts[1] === 0) warnings.push('no right lung found');
  if (counts[2] === 0) warnings.push('no left lung found');
  return {
    mask: { geometry, labels: out, labelNames: { ...LUNG_LABEL_NAMES } },
    volumesMl: { right: counts[1] * mlPerVoxel, left: counts[2] * mlPerVoxel },
    threshold,
    airway,
    separation,
    erosionMm,
    warnings,
  };
}
