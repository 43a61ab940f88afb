import type { VolumeGeometry } from '@polyrad/sdk';
import type { VertebraMeasurement } from './spine.analyzer.js';

/**
 * Checks of the vertebral measurements against anatomy before they are reported. Each returns the
 * reason (which check, what was seen) a body or the whole column is left out; a left-out finding is
 * "not assessed", never a default.
 */

/**
 * Adult vertebral bodies are about 15-30 mm tall from T1 to L5; with the endplates and part of both
 * discs a run of body slices longer than 40 mm holds two or more bodies whose disc was not resolved,
 * and its central slices may lie on that disc.
 */
export const MAX_BODY_EXTENT_MM = 40;
/**
 * A vertebral body is walled by cortex: at least this share of its outline rays has a rim 50 HU brighter
 * than its inside. A contrast-filled descending aorta beside an osteoporotic spine is round, bright and
 * has bone behind it, but no cortex (0 % on dev seed 1012, where it was read as 260 HU 'normal' bone, and
 * on one 'body' of LIDC-IDRI-0003; 31-89 % on the vertebrae of LIDC-IDRI-0001/0003 and Lung-PET-CT-Dx
 * A0001; a soft-kernel 1.4 mm phantom's thin cortex goes down to 2-3 % at the ends of the column).
 */
export const MIN_CORTICAL_SHARE = 0.05;
/** a trabecular ROI of at least ~1 cm2 per slice averages CT noise (SD up to 40 HU) to a few HU */
export const MIN_ROI_AREA_MM2 = 100;
/** more than this share of cortical-density voxels (>= 400 HU) means the ROI touched the cortex or an endplate */
export const MAX_ROI_DENSE_SHARE = 0.1;
/**
 * Plausible trabecular attenuation: below -50 HU is fat or air (a marrow-replaced or mis-segmented
 * body), above 500 HU is cortical or sclerotic bone, not trabecular bone.
 */
export const TRABECULAR_HU_RANGE = { min: -50, max: 500 } as const;
/** bodies that must pass for a mean attenuation: one body may be a lesion, a hemangioma or a mis-segmentation */
export const MIN_DENSITY_BODIES = 2;
/**
 * Genant grade 1 is a 20-25 % height loss, ~5 mm of a 25 mm body: endplates located only to the slice
 * spacing cannot be graded beyond 3 mm slices (Genant HK et al., J Bone Miner Res 1993;8:1137-1148).
 */
export const MAX_GRADING_SLICE_MM = 3;
/** "no fracture" needs the heights of at least this many fully covered bodies, with no level missed between them */
export const MIN_GRADED_BODIES = 3;
/** consecutive body centres further apart than this multiple of the median spacing have a body missed between them */
export const MISSED_LEVEL_SPACING = 1.5;

/** the body outline is searched 9.5-32 mm from its centre: coarser pixels do not resolve the cortical ring */
export const MAX_PIXEL_MM = 2;

/** Why the series lies outside the range vertebral bodies are found in, or undefined. */
export function operatingRangeFailure(geometry: VolumeGeometry): string | undefined {
  const pixel = Math.max(geometry.spacing[0], geometry.spacing[1]);
  return pixel > MAX_PIXEL_MM ? `pixels of ${pixel.toFixed(2)} mm, coarser than the ${MAX_PIXEL_MM} mm the vertebral outline is found on` : undefined;
}

const NO_CORTEX = 'no cortical bone around it (a round bright structure such as a contrast-filled vessel, not a vertebral body)';

/**
 * Vertebral bodies come in a column, one every ~20-35 mm (a body and a disc); a body with a faint cortex found
 * with no other one 12-40 mm above or below it is a piece of a tube traced instead of the column (a
 * contrast-filled aorta lying on an osteoporotic spine, split only by noise: dev seed 1029, 357 HU read on
 * 105 HU bone, cortex on 6-13 % of its rays). A clear cortex (LIDC-IDRI-0003: 31-89 %, bodies far apart where
 * its discs were not resolved) needs no neighbour.
 */
export const ADJACENT_BODY_MM = { min: 12, max: 40 } as const;
export const CLEAR_CORTICAL_SHARE = 0.2;

/**
 * A vertebral body is bounded by discs (70-110 HU) much less dense than trabecular bone of 150 HU or more. A
 * body that bright whose attenuation goes on within this margin beyond both ends of its run is a tube, not a
 * body: a contrast-filled aorta lying on an osteoporotic spine, traced in its place (dev seed 9039: 250-290 HU
 * "bodies" at 5 mm slices, the same HU above and below them, beside a 104 HU column).
 */
export const NO_DISC_MARGIN_HU = 30;
const NO_DISC_MIN_HU = 150;

/**
 * Why a body's trabecular attenuation is left out of the mean, or undefined when it counts; `column`: every
 * body found, for the check that this one has a neighbour.
 */
export function densityExclusion(v: VertebraMeasurement, column: VertebraMeasurement[] = []): string | undefined {
  if (!v.complete) return 'partly outside the volume';
  if (v.corticalShare < MIN_CORTICAL_SHARE) return NO_CORTEX;
  if (column.length > 0 && v.corticalShare < CLEAR_CORTICAL_SHARE && !column.some((w) => w !== v && Math.abs(w.center[2] - v.center[2]) >= ADJACENT_BODY_MM.min && Math.abs(w.center[2] - v.center[2]) <= ADJACENT_BODY_MM.max)) {
    return `no other body ${ADJACENT_BODY_MM.min}-${ADJACENT_BODY_MM.max} mm above or below it (a tube such as a contrast-filled aorta, not a column of vertebral bodies)`;
  }
  if (v.trabecularHu === undefined) return 'no clean outline on its central slices';
  if (v.trabecularHu >= NO_DISC_MIN_HU && v.beyondRunHu !== undefined && v.beyondRunHu >= v.trabecularHu - NO_DISC_MARGIN_HU) {
    return `no disc above or below it: ${v.beyondRunHu.toFixed(0)} HU goes on beyond both ends of its ${v.trabecularHu.toFixed(0)} HU run (a tube such as a contrast-filled aorta, not a vertebral body)`;
  }
  if (v.extentMm > MAX_BODY_EXTENT_MM) return `discs not resolved (a run of ${v.extentMm.toFixed(0)} mm holds more than one body)`;
  if (v.roiAreaMm2 < MIN_ROI_AREA_MM2) return `trabecular ROI of ${v.roiAreaMm2.toFixed(0)} mm2, below ${MIN_ROI_AREA_MM2} mm2`;
  if (v.roiDenseShare > MAX_ROI_DENSE_SHARE) return `${Math.round(100 * v.roiDenseShare)} % of the ROI at cortical density (it touched the cortex or an endplate)`;
  if (v.trabecularHu < TRABECULAR_HU_RANGE.min || v.trabecularHu > TRABECULAR_HU_RANGE.max) {
    return `${v.trabecularHu.toFixed(0)} HU, outside the plausible trabecular range ${TRABECULAR_HU_RANGE.min} to ${TRABECULAR_HU_RANGE.max} HU`;
  }
  return undefined;
}

/**
 * Neighbouring vertebral bodies have much the same trabecular attenuation: over the development phantoms
 * the bodies that passed spanned 5-19 HU within a scan. Bodies that differ by more than this did not all
 * measure trabecular bone (an endplate or a vessel averaged into a thick slice): retired reporting seeds
 * 9064 and 9077, 5 mm slices, spanned 95-110 HU and read 157 and 215 HU on 109 and 95 HU bone.
 */
export const MAX_DENSITY_SPREAD_HU = 50;

/** Why the bodies that passed their own checks do not agree on one attenuation, or undefined when they do. */
export function densitySpreadFailure(bodies: VertebraMeasurement[]): string | undefined {
  const hus = bodies.map((v) => v.trabecularHu!);
  const spread = Math.max(...hus) - Math.min(...hus);
  if (spread <= MAX_DENSITY_SPREAD_HU) return undefined;
  const list = bodies.map((v) => `${v.trabecularHu!.toFixed(0)} HU at z ${v.center[2].toFixed(0)}`).join(', ');
  return `the bodies measured disagree by ${spread.toFixed(0)} HU (${list}; neighbouring bodies differ by up to ${MAX_DENSITY_SPREAD_HU} HU): some ROIs took in an endplate or a vessel`;
}

/**
 * Uncertainty of a body's height loss, percentage points: each endplate is located to about half a
 * slice, so a height is uncertain by about one slice; relative to the posterior height, half of that is
 * taken as the margin (1.25 mm slices on a 25 mm body: +-2.5 %, 3 mm slices: +-6 %). A loss measured
 * against the adjacent bodies (a crush) is also uncertain by how much a normal body differs from the
 * height its neighbours predict (ADJACENT_REFERENCE_MARGIN).
 */
export function heightLossMarginPercent(v: VertebraMeasurement, sliceSpacingMm: number): number {
  const slices = (50 * sliceSpacingMm) / Math.max(1, v.heightsMm.posterior);
  return slices + (v.lossAgainstAdjacent ? (ADJACENT_REFERENCE_MARGIN[v.comparedWithAdjacent] ?? 0) : 0);
}

/**
 * Percentage points by the number of adjacent bodies a crush is measured against. Normal thoracic bodies
 * differ from level to level by several per cent beyond the ~0.7 mm caudal growth (the reason Genant's
 * threshold is 20 %); one neighbour carried along the column's trend predicts a height less surely than the
 * mean of two (dev seed 9023: a grade 1 crush, 21 % by the phantom's own height, read 17 % against its only
 * graded neighbour, and stated as grade 0).
 */
export const ADJACENT_REFERENCE_MARGIN: Readonly<Record<number, number>> = { 1: 6, 2: 4 };

/**
 * Why a fully covered body cannot be graded, or undefined when it can: discs or endplates not resolved,
 * or a height loss so close to the 20 % fracture threshold that the slices cannot tell grade 0 from 1.
 */
export function gradingExclusion(v: VertebraMeasurement, sliceSpacingMm: number): string | undefined {
  if (v.corticalShare < MIN_CORTICAL_SHARE) return NO_CORTEX;
  if (v.extentMm > MAX_BODY_EXTENT_MM) return 'discs not resolved';
  if (!v.heightsReliable) return 'endplates not resolved on the mid-sagittal lines';
  const margin = heightLossMarginPercent(v, sliceSpacingMm);
  // a body lower all across (a crush) shows no loss against its own posterior wall: without an adjacent body to compare with, grade 0 cannot be stated
  if (v.comparedWithAdjacent === 0 && v.heightLossPercent + margin < 20) return 'no adjacent body measured to compare its height with (a crush, lower all across, would not be seen)';
  if (Math.abs(v.heightLossPercent - 20) < margin) {
    return `height loss ${v.heightLossPercent.toFixed(0)} % +- ${margin.toFixed(0)} % at ${Number(sliceSpacingMm.toFixed(2))} mm slices, too close to the 20 % threshold to tell grade 0 from grade 1`;
  }
  return undefined;
}

/** A fracture cannot be ruled out: the height loss, plus what the slices leave uncertain, reaches 20 %. */
export function mayBeFractured(v: VertebraMeasurement, sliceSpacingMm: number): boolean {
  return v.complete && v.heightsReliable && v.heightLossPercent + heightLossMarginPercent(v, sliceSpacingMm) >= 20;
}

/** Why the series lies outside the range fractures are graded in, or undefined. */
export function gradingRangeFailure(sliceSpacingMm: number): string | undefined {
  if (sliceSpacingMm <= MAX_GRADING_SLICE_MM) return undefined;
  return `slices ${sliceSpacingMm.toFixed(1)} mm apart: the endplates cannot be located to the ~5 mm a grade 1 height loss (20-25 %) needs; grading needs slices <= ${MAX_GRADING_SLICE_MM} mm`;
}

/**
 * Midpoints (z, mm) of gaps between consecutive found bodies wide enough to hold a body that was not
 * found: a fracture there would otherwise go unreported.
 */
export function missedLevels(vertebrae: VertebraMeasurement[]): number[] {
  const zs = vertebrae.map((v) => v.center[2]).sort((a, b) => a - b);
  const spacings = zs.slice(1).map((z, n) => z - zs[n]);
  if (spacings.length < 2) return [];
  const typical = [...spacings].sort((a, b) => a - b)[spacings.length >> 1];
  return spacings.flatMap((s, n) => (s > MISSED_LEVEL_SPACING * typical ? [(zs[n] + zs[n + 1]) / 2] : []));
}

/**
 * Ends of the volume the column was not traced into although a complete body would fit there: a body beyond
 * the outermost one found (complete or cut by the field of view) lies one spacing further, and with half a
 * spacing of its own (half its height and disc) it is complete only if the volume reaches 1.5 spacings past the
 * outermost centre (spacing: between the two outermost bodies at that end, as heights grow caudally). A fractured
 * body there (a crush the ring search lost) would otherwise go unreported. Returns the untraced stretches as
 * [from, to] z, mm.
 */
export function untracedEnds(vertebrae: VertebraMeasurement[], zRangeMm: [number, number]): [number, number][] {
  const zs = vertebrae.map((v) => v.center[2]).sort((a, b) => a - b);
  const [zMin, zMax] = [Math.min(...zRangeMm), Math.max(...zRangeMm)];
  if (zs.length === 0) return [[zMin, zMax]];
  // without two bodies to measure the spacing, a typical thoracic body and disc (~25 mm) sets it
  const n = zs.length;
  const lowSpacing = n > 1 ? zs[1] - zs[0] : 25;
  const highSpacing = n > 1 ? zs[n - 1] - zs[n - 2] : 25;
  const ends: [number, number][] = [];
  if (zs[0] - zMin >= MISSED_LEVEL_SPACING * lowSpacing) ends.push([zMin, zs[0]]);
  if (zMax - zs[n - 1] >= MISSED_LEVEL_SPACING * highSpacing) ends.push([zs[n - 1], zMax]);
  return ends;
}
