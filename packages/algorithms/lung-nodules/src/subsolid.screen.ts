import { squaredDistanceTransform } from '@polyrad/sdk';
import type { CropGrid } from './nodule.detector.js';
import { measure, shapeOf } from './nodule-shape.js';
import { openWithBall, takeComponent, visitShellFaces } from './voxel-morphology.js';

/**
 * Screen for subsolid (ground-glass and part-solid) lesions, which the solid detector cannot see: its
 * -400 HU threshold puts ground glass (about -750 to -300 HU) with aerated lung. It finds the hazy regions;
 * the detector types and measures them (nodule.detector.ts, ground-glass.extent.ts) or, where it cannot
 * tell them from vessels, flags them so that "no nodule" is never stated over them (a 33 mm ground-glass
 * nodule was reported as "Lung-RADS 1" before this screen existed).
 *
 * Hazy voxels: inside the lung hull, smoothed HU (ground-glass.extent.ts) from 80 HU above the lung's own
 * median (between -790 and -700 HU) to -300 HU, not part of a solid piece found. Opened with a 3.5 mm
 * ball: the partial-volume rim of vessels and solid nodules is one or two voxels thick and goes, a lesion
 * of about 7 mm or more stays; noise cannot fill a ball of many voxels in aerated lung. A kept component
 * is a candidate when
 *  - its mean axial diameter is >= 8 mm. Smaller hazy clusters cannot be told from partial volume
 *    around vessels here (with a 2.5 mm ball and 6 mm: 7 and 23 clusters on LIDC-IDRI-0001 and -0003,
 *    against none and the readers' ground-glass area with these limits); and a ground-glass nodule
 *    under 8 mm is Lung-RADS v2022 category 2 (non-solid < 30 mm; part-solid < 6 mm), whose management
 *    (annual screening) is that of category 1, so missing one does not change what is done;
 *  - it is compact (elongation <= 2.5; dependent atelectasis and fissures are sheets, vessels tubes);
 *  - at most 30 % of its surface touches soft tissue other than a found nodule (a partial-volume slice
 *    through the diaphragm dome or chest wall lies on solid tissue; a ground-glass lesion lies in lung);
 *  - most of it (>= 50 %) is inside the lung mask, not in the hull's closing at the hilum.
 * The solid pieces it touches are returned with it: the detector tells a part-solid lesion from the
 * partial-volume rim of a solid nodule (a rim holds fewer voxels than the nodule).
 */

export const SUBSOLID_LIMITS = {
  /** ground glass on smoothed HU: from this far above the lung's own median (at least -790, at most -700 HU) to -300 HU */
  hazyAboveLungHu: 80,
  hazyHu: [-790, -300] as const,
  openingRadiusMm: 3.5,
  minMeanDiameterMm: 8,
  maxElongation: 2.5,
  maxSolidContact: 0.3,
  minInLungMask: 0.5,
};

export interface SubsolidRegion {
  /** search-grid voxels (the opened core of the hazy region) */
  voxels: number[];
  measured: ReturnType<typeof measure>;
  /** mean smoothed HU of the core */
  meanHu: number;
  /** solid pieces found that it touches (their `owner` values) */
  owners: number[];
  /** sqrt(l1 / l3) of its principal axes */
  elongation: number;
}

/**
 * `owner` gives each voxel of a solid piece found its claim number (0 elsewhere); `smooth` is the smoothed
 * HU and `lungHu` the lung's median (ground-glass.extent.ts).
 */
export function screenSubsolid(search: CropGrid, hull: Uint8Array, owner: Int32Array, smooth: Float32Array, lungHu: number, limits = SUBSOLID_LIMITS): SubsolidRegion[] {
  const { dims, spacing, labels } = search;
  const hu = smooth;
  const [nx, ny, nz] = dims;
  const nxy = nx * ny;
  const n = nxy * nz;
  const hazy = new Uint8Array(n);
  const notHazy = new Uint8Array(n);
  const low = Math.min(-700, Math.max(limits.hazyHu[0], lungHu + limits.hazyAboveLungHu));
  for (let p = 0; p < n; p++) {
    hazy[p] = hull[p] !== 0 && owner[p] === 0 && hu[p] >= low && hu[p] < limits.hazyHu[1] ? 1 : 0;
    notHazy[p] = 1 - hazy[p];
  }
  const opened = openWithBall(hazy, squaredDistanceTransform(notHazy, dims, spacing), limits.openingRadiusMm, dims, spacing, new Uint8Array(n));
  if (!opened) return [];
  const queue = new Int32Array(n);
  const regions: SubsolidRegion[] = [];
  for (let start = 0; start < n; start++) {
    if (!opened[start]) continue;
    const tail = takeComponent(opened, start, dims, queue);
    const component = queue.slice(0, tail);
    const voxels = Array.from(component);
    const measured = measure(voxels, nx, nxy, spacing);
    if (measured.meanDiameterMm < limits.minMeanDiameterMm) continue;
    const { elongation } = shapeOf(component, nx, nxy, spacing);
    if (elongation > limits.maxElongation) continue;
    const shell = surroundings(voxels, hull, hu, owner, dims, limits.hazyHu[1]);
    if (shell.solid > limits.maxSolidContact * shell.total) continue;
    let inMask = 0;
    let sum = 0;
    for (const p of voxels) {
      if (labels[p] !== 0) inMask++;
      sum += hu[p];
    }
    if (inMask < limits.minInLungMask * voxels.length) continue;
    regions.push({ voxels, measured, meanHu: sum / voxels.length, owners: [...shell.owners], elongation });
  }
  return regions;
}

/** The 6-neighbour shell of a voxel set: its size, how much of it is soft tissue not of a found nodule, which nodules it touches. */
function surroundings(voxels: number[], hull: Uint8Array, hu: Float32Array, owner: Int32Array, dims: number[], solidHu: number): { total: number; solid: number; owners: Set<number> } {
  const owners = new Set<number>();
  let total = 0;
  let solid = 0;
  visitShellFaces(voxels, dims, (q) => {
    total++;
    if (owner[q] !== 0) owners.add(owner[q]);
    else if (hull[q] === 0 || hu[q] >= solidHu) solid++;
  });
  return { total, solid, owners };
}
