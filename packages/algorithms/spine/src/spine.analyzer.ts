import { PolyradError, voxelToPatient, type Vec3, type Volume } from '@polyrad/sdk';
import { createRingSearch, type RingSearch } from './vertebral-ring.search.js';
import { locateColumn } from './spinal-column.locator.js';
import { bodySlices, type SliceBody, type SliceKind } from './body-slices.tracer.js';
import { vertebralRuns, type VertebralRun } from './vertebral-runs.segmenter.js';
import { beyondRunHu, trabecularRoi } from './trabecular-roi.measure.js';
import { vertebralHeights } from './vertebral-heights.measure.js';
import { measureHeightLoss, rejectAtypicalHeights } from './height-loss.measure.js';
import { median } from './spine-statistics.helper.js';

/**
 * Vertebral bodies on axial CT, classical image analysis (no learned model), in named steps:
 * 1. `locateColumn`: a vertebral body is the point around which rays cast in every direction meet its
 *    outline 9.5-32 mm out (`createRingSearch`); the column is the median best such point over a dozen slices;
 * 2. `bodySlices`: per slice, the body centre near the column; strays and disc dips become gaps;
 * 3. `vertebralRuns`: runs of body slices between gaps are vertebral bodies;
 * 4. `trabecularRoi`: an ellipse at 70 % of the outline on the central slices gives the attenuation;
 * 5. `vertebralHeights`: anterior, middle and posterior heights between the endplates on the mid-sagittal plane;
 * 6. `rejectAtypicalHeights`, `measureHeightLoss`: Genant's height loss against the body's own posterior
 *    wall and its adjacent bodies.
 */

export { DENSE_BONE_HU } from './vertebral-ring.search.js';
export type { SliceKind } from './body-slices.tracer.js';

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
  /** the lowest HU just beyond the run's ends at its centre (a disc for a body; undefined when no end lies in the volume) */
  beyondRunHu?: number;
  /** median over the central slices of the share of outline rays with a cortical rim (a vessel lumen has none) */
  corticalShare: number;
  /** mm along the column axis between the outer endplate surfaces, anterior / middle / posterior */
  heightsMm: { anterior: number; middle: number; posterior: number };
  /** Genant: 100 x (1 - lowest height / the larger of the posterior height and the adjacent bodies' mean posterior height) */
  heightLossPercent: number;
  /** adjacent graded bodies the height was compared with (0: a crush, lower all across, could not be seen) */
  comparedWithAdjacent: number;
  /** the height loss is measured against the adjacent bodies (a crush), not against the body's own posterior wall */
  lossAgainstAdjacent: boolean;
  /**
   * the endplates were found on all three lines: a posterior height of 60-250 % of the body's extent along
   * the slices and 70-140 % of the median posterior height of at least three bodies (lower only for a body
   * shorter along the slices too), anterior and middle heights >= 30 % of the extent and <= 115 % of the
   * posterior one; otherwise not graded
   */
  heightsReliable: boolean;
  /** the body's slices (k) with its traced centre and inner cortical outline on each: what its mask shows */
  outline: Array<SliceBody & { k: number }>;
}

export interface SpineAnalysis {
  vertebrae: VertebraMeasurement[];
  /** per slice: 'body', 'endplate' or 'gap' (disc or no column found) */
  sliceKinds: SliceKind[];
  /** patient z of the first and the last slice, mm: where bodies could have been found */
  zRangeMm: [number, number];
}

export function analyzeSpine(volume: Volume): SpineAnalysis {
  const { geometry } = volume;
  const nz = geometry.dimensions[2];
  const [di, dj, dk] = geometry.direction;
  if (Math.abs(dk[2]) < 0.95 || Math.abs(di[0]) < 0.95 || Math.abs(dj[1]) < 0.95) {
    throw new PolyradError('UNSUPPORTED_ORIENTATION', 'the spine analysis needs axial slices with rows along x and columns along y; reformat the series to axial');
  }
  if (nz < 3) throw new PolyradError('VOLUME_INVALID', `a volume of at least 3 slices is needed, got ${nz}`);
  const zRangeMm: [number, number] = [voxelToPatient(geometry, 0, 0, 0)[2], voxelToPatient(geometry, 0, 0, nz - 1)[2]];
  const search = createRingSearch(volume);
  const column = locateColumn(volume, search);
  if (!column) return { vertebrae: [], sliceKinds: new Array<SliceKind>(nz).fill('gap'), zRangeMm };
  const { bodies, sliceKinds } = bodySlices(volume, search, column);
  const runs = vertebralRuns(bodies, sliceKinds, geometry.spacing[2]);
  const vertebrae = runs.map((_, r) => measureVertebra(volume, search, bodies, runs, r));
  rejectAtypicalHeights(vertebrae);
  measureHeightLoss(vertebrae);
  // index runs from the most superior body, whichever way the slices are stacked
  if (dk[2] > 0) vertebrae.reverse().forEach((v, n) => (v.index = n));
  return { vertebrae, sliceKinds, zRangeMm };
}

/** Attenuation and heights of the body of run r: steps 4 and 5 on its central slices. */
function measureVertebra(volume: Volume, search: RingSearch, bodies: (SliceBody | undefined)[], runs: VertebralRun[], r: number): VertebraMeasurement {
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
  const roi = trabecularRoi(volume, central, centralK);
  const trabecularHu = roi.count > 0 ? roi.sum / roi.count : undefined;
  const beyond = beyondRunHu(volume, median(ref.map((b) => b.ci)), median(ref.map((b) => b.cj)), k0, k1);
  return {
    index: r,
    center: voxelToPatient(geometry, median(ref.map((b) => b.ci)), median(ref.map((b) => b.cj)), (k0 + k1) / 2),
    complete: k0 > 0 && k1 < nz - 1,
    extentMm: len * geometry.spacing[2],
    ...(trabecularHu !== undefined ? { trabecularHu } : {}),
    ...(beyond !== undefined ? { beyondRunHu: beyond } : {}),
    roiVoxelCount: roi.count,
    roiAreaMm2: central.length > 0 ? (roi.count * geometry.spacing[0] * geometry.spacing[1]) / central.length : 0,
    roiDenseShare: roi.count > 0 ? roi.dense / roi.count : 0,
    corticalShare: median(central.map((b, n) => search.corticalShare(centralK[n], b.ci, b.cj))),
    ...vertebralHeights(volume, bodies, runs, r, ref, trabecularHu),
    heightLossPercent: 0,
    comparedWithAdjacent: 0,
    lossAgainstAdjacent: false,
    outline: bodies.slice(k0, k1 + 1).flatMap((b, n) => (b ? [{ ...b, k: k0 + n }] : [])),
  };
}
