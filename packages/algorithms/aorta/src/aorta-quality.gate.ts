import type { Vec3, VolumeGeometry } from '@polyrad/sdk';
import type { CrossSection } from './aorta-section.measurer.js';
import type { AortaLimb } from './aorta.analyzer.js';

/**
 * Checks a tracked limb against aortic anatomy before its diameter is reported. Each check returns
 * the reason (which check, what was seen) when it fails; a failed check makes the diameter "not
 * assessed", never a number or a category.
 */

/**
 * Operating range, as measured on the development phantoms (slices 0.6-5 mm, pixels 0.55-1.4 mm,
 * contrast and unenhanced): thicker slices blur the perpendicular planes, coarser pixels the lumen edge.
 */
export const MAX_SLICE_SPACING_MM = 5;
export const MAX_PIXEL_MM = 1.5;

/**
 * Plausible adult thoracic aortic diameters, mm. The normal ascending aorta is < 40 mm and the
 * descending < 30 mm (Erbel R et al., 2014 ESC aortic diseases guidelines, Eur Heart J 2014;35:2873);
 * surgery is advised from 55 mm (Isselbacher EM et al., 2022 ACC/AHA aortic disease guideline,
 * Circulation 2022;146:e334), so 70 mm is beyond any aorta a chest CT would be read for here, and
 * below 15 mm an adult thoracic aorta is a vessel branch or a partial-volume sliver.
 */
export const DIAMETER_RANGE_MM = { min: 15, max: 70 } as const;
/** the limb must be measured over at least this length of centre line (a tube, not a blob) */
export const MIN_MEASURED_LENGTH_MM = 15;
/**
 * The ascending aorta runs 50-80 mm from the root to the arch. Followed over less than half the shortest of
 * these, most of it was not measured, and that part may hold its maximum: retired reporting seed 9087 (1 mm
 * slices, unenhanced) measured 26.4 mm "normal" over 22 mm under the arch while a 47.8 mm aneurysm lay
 * below, where the track had stopped. (Development phantoms: 23-106 mm; LIDC-IDRI-0003: 27 mm.)
 */
export const MIN_ASCENDING_COVERAGE_MM = 25;
/** a centre line may move in-plane by this much between neighbouring points, plus its lean (tan 50 deg x slice gap) */
export const MAX_STEP_MM = 3;
const TAN_MAX_TILT = Math.tan((50 * Math.PI) / 180);
/**
 * A section cut perpendicular to the aorta is near-circular (guidelines measure in that plane because an
 * oblique cut is an ellipse that overstates the diameter): smallest over largest diameter of the widest
 * stretch (median of its three sections). Below 0.9, on the development phantoms, the lumen had merged
 * with a neighbour touching it without a fat plane (+3 to +6 mm), as on the unenhanced Lung-PET-CT-Dx A0001.
 */
export const MIN_ROUNDNESS = 0.9;
/**
 * The lumen edge must lie on the fitted outline on this share of the rays of the reported section, and
 * the rays without it must not leave a gap wider than MAX_EDGE_GAP_DEG. Without contrast the wall is
 * invisible where the aorta touches the oesophagus, the pulmonary artery, the vena cava or the spine;
 * the outline is fitted to the rest, and on the development phantoms a circle through 45 % of the
 * rays spread over more than half the circumference was within 1 mm. With less, it is a guess.
 */
export const MIN_EDGE_FRACTION = 0.45;
export const MAX_EDGE_GAP_DEG = 180;
/** share of the tried cross-sections that must be measurable, or the maximum may lie in the gaps */
export const MIN_MEASURED_SHARE = 0.5;
/** the ascending aorta lies at least this far anterior to the descending aorta (and to its right) */
export const MIN_ANTERIOR_OFFSET_MM = 20;

/** the largest in-plane move of a centre line between points `dzMm` apart along z */
export function stepLimitMm(dzMm: number): number {
  return MAX_STEP_MM + TAN_MAX_TILT * dzMm;
}

/** a centre-line step is a bulge beginning when the lumen beside it widens by this factor (see `widensAround`) */
const MIN_WIDENING = 1.15;
const MAX_WIDENING = 1.8;

/** Why the series lies outside the measurement's operating range, or undefined. */
export function operatingRangeFailure(geometry: VolumeGeometry): string | undefined {
  const [sx, sy, sz] = geometry.spacing;
  if (sz > MAX_SLICE_SPACING_MM) return `slices ${sz.toFixed(1)} mm apart, beyond the ${MAX_SLICE_SPACING_MM} mm the perpendicular diameter is measured on`;
  if (Math.max(sx, sy) > MAX_PIXEL_MM) return `pixels of ${Math.max(sx, sy).toFixed(2)} mm, coarser than the ${MAX_PIXEL_MM} mm the lumen edge is measured on`;
  return undefined;
}

/**
 * The first quality check a limb fails, as a reason, or undefined when it passes them all. The
 * descending limb must also have been followed up into the arch, with no wider lumen going on below its
 * bottom: a track that ends in a straight stretch or at a bulge lost the vessel there (an aneurysm stops
 * the tracker), and the part beyond it is unmeasured. `coverage: false` leaves out those coverage
 * checks (and the share of measurable sections): what was measured is then sound, but a wider stretch may
 * lie where the limb was not measured, so its maximum is a lower bound only.
 */
export function limbGateFailure(limb: AortaLimb, sliceSpacingMm: number, contrast: boolean, checks: { coverage: boolean } = { coverage: true }): string | undefined {
  const { segment, sections, at } = limb;
  const zs = sections.map((s) => s.center[2]);
  const length = Math.max(...zs) - Math.min(...zs);
  if (length < MIN_MEASURED_LENGTH_MM) {
    return `${segment} aorta measured over only ${length.toFixed(0)} mm of its course (at least ${MIN_MEASURED_LENGTH_MM} mm needed to tell a tube from a blob)`;
  }
  if (checks.coverage && segment === 'ascending' && length < MIN_ASCENDING_COVERAGE_MM) {
    return `ascending aorta measured over only ${length.toFixed(0)} mm (at least ${MIN_ASCENDING_COVERAGE_MM} of the 50-80 mm from its root to the arch): its widest part may lie where it was not measured (an aneurysm stops the track)`;
  }
  if (checks.coverage && segment === 'descending' && limb.widensBelow) {
    const bottom = Math.min(...limb.centerLine.map((p) => p[2]));
    return `the descending aorta was followed down to z ${bottom.toFixed(0)} mm only, where a wider lumen goes on below it: an aneurysm there stopped the track, and that stretch is not measured`;
  }
  if (checks.coverage && segment === 'descending' && !limb.reachesArch) {
    const top = Math.max(...limb.centerLine.map((p) => p[2]));
    return `the descending aorta was followed up to z ${top.toFixed(0)} mm only, where the track ended without bending into the arch: an aneurysm, a kink or a neighbour above may have stopped it, and that stretch is not measured`;
  }
  const jump = largestStep(limb, sliceSpacingMm);
  if (jump) return `${segment} aorta centre line jumps ${jump.stepMm.toFixed(1)} mm between neighbouring slices at z ${jump.z.toFixed(0)} mm (at most ${jump.limitMm.toFixed(1)} mm expected): the track left the vessel`;
  if (checks.coverage && sections.length < MIN_MEASURED_SHARE * limb.attempted) {
    return `only ${sections.length} of ${limb.attempted} ${segment} aortic cross-sections had a lumen edge clear enough to measure; the maximum may lie where it was not seen`;
  }
  const d = limb.diameterMm;
  if (d < DIAMETER_RANGE_MM.min || d > DIAMETER_RANGE_MM.max) {
    return `${segment} aortic diameter of ${d.toFixed(1)} mm lies outside the plausible adult range of ${DIAMETER_RANGE_MM.min}-${DIAMETER_RANGE_MM.max} mm: the wrong structure or edge was measured`;
  }
  const roundness = median(limb.widest.map((s) => s.minDiameterMm / s.maxDiameterMm));
  if (!(roundness >= MIN_ROUNDNESS)) {
    return `the widest ${segment} aortic cross-sections are not round (smallest / largest diameter ${roundness.toFixed(2)}, at least ${MIN_ROUNDNESS} expected perpendicular to the vessel): a neighbour merged with the lumen or the plane is oblique`;
  }
  if (at.edgeFraction < MIN_EDGE_FRACTION || at.largestGapDeg > MAX_EDGE_GAP_DEG) {
    const why = contrast
      ? 'the wall is lost where the aorta touches bone, a calcified wall or another enhanced vessel'
      : 'without contrast the wall fades where the aorta touches the oesophagus, the pulmonary artery or the spine';
    return `the lumen edge of the widest ${segment} aortic cross-section lies on its outline on only ${Math.round(100 * at.edgeFraction)} % of the rays, with a gap of ${at.largestGapDeg.toFixed(0)} degrees (at least ${Math.round(100 * MIN_EDGE_FRACTION)} % and at most ${MAX_EDGE_GAP_DEG} degrees needed); ${why}`;
  }
  return undefined;
}

/** Why the ascending limb is not where an ascending aorta lies relative to the descending one, or undefined. */
export function limbsPositionFailure(ascending: AortaLimb, descending: AortaLimb): string | undefined {
  const [ax, ay] = middle(ascending);
  const [dx, dy] = middle(descending);
  // LPS: anterior is -y, the patient's right is -x
  if (ay > dy - MIN_ANTERIOR_OFFSET_MM || ax >= dx) {
    return `the structure taken for the ascending aorta lies ${(dy - ay).toFixed(0)} mm anterior and ${(dx - ax).toFixed(0)} mm to the right of the descending aorta; the ascending aorta lies anterior (by at least ${MIN_ANTERIOR_OFFSET_MM} mm) and to the right`;
  }
  return undefined;
}

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[values.length >> 1];
}

/** median in-plane centre of the measured sections */
function middle(limb: AortaLimb): [number, number] {
  return [median(limb.sections.map((s) => s.center[0])), median(limb.sections.map((s) => s.center[1]))];
}

/** the first in-plane step of the centre line within the measured stretch that exceeds what its slice gap allows */
function largestStep(limb: AortaLimb, sliceSpacingMm: number): { stepMm: number; limitMm: number; z: number } | undefined {
  const zs = limb.sections.map((s) => s.center[2]);
  const lo = Math.min(...zs) - sliceSpacingMm;
  const hi = Math.max(...zs) + sliceSpacingMm;
  const line = limb.centerLine.filter((p) => p[2] >= lo && p[2] <= hi);
  let worst: { stepMm: number; limitMm: number; z: number } | undefined;
  for (let n = 1; n < line.length; n++) {
    const [a, b] = [line[n - 1], line[n]];
    const stepMm = Math.hypot(b[0] - a[0], b[1] - a[1]);
    const limitMm = stepLimitMm(Math.abs(b[2] - a[2]));
    if (stepMm <= limitMm || widensAround(limb.sections, a, b, stepMm, sliceSpacingMm)) continue;
    if (!worst || stepMm - limitMm > worst.stepMm - worst.limitMm) worst = { stepMm, limitMm, z: (a[2] + b[2]) / 2 };
  }
  return worst;
}

/**
 * Whether a step of the centre line is a lumen widening around it, not the track leaving the vessel:
 * where a fusiform aneurysm begins, the axial centre snaps from the aorta's own to the bulge's, which
 * grows away from the spine. The wider lumen beside the step holds the narrower one's centre well
 * inside it, and is wider by a factor a bulge reaches over a few slices (1.15-1.8 x), not a chamber's.
 */
function widensAround(sections: CrossSection[], a: Vec3, b: Vec3, stepMm: number, sliceSpacingMm: number): boolean {
  // the nearest measured section below the step and above it, within a few slices (or 10 mm of thin slices)
  const reach = Math.max(3 * sliceSpacingMm, 10);
  const [lo, hi] = [Math.min(a[2], b[2]), Math.max(a[2], b[2])];
  const nearest = (candidates: CrossSection[], z: number): CrossSection | undefined =>
    candidates.reduce<CrossSection | undefined>((best, s) => (!best || Math.abs(s.center[2] - z) < Math.abs(best.center[2] - z) ? s : best), undefined);
  const sa = nearest(sections.filter((s) => s.center[2] <= lo && s.center[2] >= lo - reach), lo);
  const sb = nearest(sections.filter((s) => s.center[2] >= hi && s.center[2] <= hi + reach), hi);
  if (!sa || !sb) return false;
  const wide = Math.max(sa.meanDiameterMm, sb.meanDiameterMm) / 2;
  const narrow = Math.min(sa.meanDiameterMm, sb.meanDiameterMm) / 2;
  const ratio = wide / narrow;
  return ratio >= MIN_WIDENING && ratio <= MAX_WIDENING && stepMm <= wide - narrow / 2;
}
