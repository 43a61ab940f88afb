import { labelConnectedComponents, squaredDistanceTransform, voxelToPatient, type LabelMask, type Vec3, type Volume, type VolumeGeometry } from '@polyrad/sdk';

/**
 * Plausible adult whole-heart volume (chambers + myocardium), mL. Healthy adults lie at about 400-800 mL
 * (Fuchs A et al., Eur Heart J Cardiovasc Imaging 2016;17(9):1009-1017: 2.5th-97.5th percentile chamber
 * volumes and LV mass); a severely dilated heart reaches about 1.5 L. A mask outside this range is a
 * failed segmentation (a great vessel, a slice of the heart, the liver), not a small or a huge heart.
 */
export const HEART_PLAUSIBLE_ML: readonly [number, number] = [250, 1500];
/** Depth (mm) below the mask's surface that a compact heart's bulk lies deeper than. */
export const HEART_CORE_DEPTH_MM = 5;
/** The share of mask voxels deeper than HEART_CORE_DEPTH_MM at least: a thin shell or a network of vessels has less. */
export const HEART_MIN_CORE_SHARE = 0.35;
/**
 * Craniocaudal extent over the cube root of the volume at most. A heart is roughly as tall as it is wide
 * and deep (about 1.2-1.4 x the cube root of its volume); a mask that also holds the descending aorta,
 * the arch or the pulmonary arteries is much taller for its volume.
 */
export const HEART_MAX_ELONGATION = 1.6;
/** How far from the midway point between the lungs' centres (as a share of half their distance) the heart's
 * centre may lie: it sits between the lungs, a little to the left; the liver's centre lies under the right lung. */
export const HEART_MAX_MIDLINE_OFFSET = 0.7;
/**
 * How far (mm) the heart may reach below the lowest lung voxel. The heart rests on the diaphragm's dome,
 * above the posterior costophrenic recesses (the lungs' lowest point; 40-65 mm above them on the real CTs
 * in the tests), but lung masks can stop short of the thin recesses, and on the realistic phantom an
 * enlarged heart reaches 30-65 mm below the segmented lung bases (development seeds 1000-1039). A region
 * reaching further down holds liver, stomach or IVC (the segmenter looks up to 80 mm below the lungs);
 * the liver nearer the heart is cut by the heart's fitted shape and caught by the tissue-border gate.
 */
export const HEART_BELOW_LUNG_BASES_MM = 70;

/** How far outside the heart's surface its border is judged (beyond the partial-volume rim), mm. */
export const HEART_BORDER_PROBE_MM = 2.5;
/** Above this the border is soft tissue (fat lies near -100 HU, blood and organs above 0). */
export const HEART_BORDER_TISSUE_HU = -30;
/**
 * Most of the heart's surface that may border soft tissue. Lung and epicardial fat border most of a
 * heart; its base (great vessels), its floor (diaphragm and liver) and the left atrium's back border
 * tissue. Where more of it does, the outline was drawn by shape alone and its volume is not reliable.
 */
export const HEART_MAX_TISSUE_BORDER = 0.5;

/** What the gates judge, measured from the heart and lung masks (LPS mm; z grows towards the head). */
export interface HeartAnatomy {
  volumeMl: number;
  heartCentre: Vec3;
  rightLungCentre: Vec3;
  leftLungCentre: Vec3;
  /** patient z of the lowest and highest slice holding heart, and holding lung */
  heartZ: [number, number];
  lungZ: [number, number];
  sliceMm: number;
  /** the heart region reaches the first or the last slice of the series */
  touchesScanEnd: boolean;
  /** share of heart voxels deeper than HEART_CORE_DEPTH_MM below its surface */
  coreShare: number;
  /** share of the heart's surface that borders soft tissue (not lung, fat or air) HEART_BORDER_PROBE_MM outside it */
  tissueBorderShare: number;
}

/** Measures the heart mask against the lungs for the quality gates (one pass over both masks, one distance transform of the heart's box). */
export function measureHeartAnatomy(heart: LabelMask, lungs: LabelMask, rightLabel: number, leftLabel: number, volume: Volume): HeartAnatomy {
  const { geometry } = heart;
  const [nx, ny, nz] = geometry.dimensions;
  const sums = [new Float64Array(4), new Float64Array(4), new Float64Array(4)]; // heart, right, left: i, j, k, n
  const heartK = [nz, -1];
  const lungK = [nz, -1];
  const lo = [nx, ny, nz];
  const hi = [-1, -1, -1];
  for (let k = 0, p = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++, p++) {
        const l = lungs.labels[p];
        const h = heart.labels[p];
        if (!l && !h) continue;
        if (l) {
          lungK[0] = Math.min(lungK[0], k);
          lungK[1] = Math.max(lungK[1], k);
        }
        const s = h ? sums[0] : l === rightLabel ? sums[1] : l === leftLabel ? sums[2] : undefined;
        if (!s) continue;
        s[0] += i;
        s[1] += j;
        s[2] += k;
        s[3]++;
        if (!h) continue;
        const ijk = [i, j, k];
        for (let a = 0; a < 3; a++) {
          lo[a] = Math.min(lo[a], ijk[a]);
          hi[a] = Math.max(hi[a], ijk[a]);
        }
      }
    }
  }
  heartK[0] = lo[2];
  heartK[1] = hi[2];
  const centre = (s: Float64Array): Vec3 => (s[3] ? voxelToPatient(geometry, s[0] / s[3], s[1] / s[3], s[2] / s[3]) : [NaN, NaN, NaN]);
  const zOf = (k: number): number => voxelToPatient(geometry, 0, 0, k)[2];
  const zRange = ([a, b]: number[]): [number, number] => [Math.min(zOf(a), zOf(b)), Math.max(zOf(a), zOf(b))];
  const [sx, sy, sz] = geometry.spacing;
  return {
    volumeMl: (sums[0][3] * sx * sy * sz) / 1000,
    heartCentre: centre(sums[0]),
    rightLungCentre: centre(sums[1]),
    leftLungCentre: centre(sums[2]),
    heartZ: sums[0][3] ? zRange(heartK) : [NaN, NaN],
    lungZ: lungK[1] >= 0 ? zRange(lungK) : [NaN, NaN],
    sliceMm: sz,
    touchesScanEnd: sums[0][3] > 0 && (heartK[0] === 0 || heartK[1] === nz - 1),
    coreShare: sums[0][3] ? coreShare(heart, geometry, lo, hi, sums[0][3]) : 0,
    tissueBorderShare: tissueBorderShare(heart, lungs, volume),
  };
}

/**
 * Share of the heart's surface faces (a heart voxel beside a non-heart one, along each axis) where the
 * image HEART_BORDER_PROBE_MM further out is soft tissue rather than lung, fat or air (beyond the
 * partial-volume rim). The heart is seen where lung or epicardial fat borders it; where tissue does
 * (liver, great vessels, chest wall) the outline was drawn by shape alone.
 */
function tissueBorderShare(heart: LabelMask, lungs: LabelMask, volume: Volume): number {
  const [nx, ny, nz] = heart.geometry.dimensions;
  const steps = volume.geometry.spacing.map((s) => Math.max(1, Math.round(HEART_BORDER_PROBE_MM / s)));
  const strides = [1, nx, nx * ny];
  const sizes = [nx, ny, nz];
  let faces = 0;
  let tissue = 0;
  for (let k = 0, p = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++, p++) {
        if (heart.labels[p] !== 1) continue;
        const ijk = [i, j, k];
        for (let a = 0; a < 3; a++) {
          for (const sign of [-1, 1]) {
            const next = ijk[a] + sign;
            if (next < 0 || next >= sizes[a] || heart.labels[p + sign * strides[a]] === 1) continue;
            faces++;
            const probe = ijk[a] + sign * steps[a];
            const q = p + sign * steps[a] * strides[a];
            if (probe >= 0 && probe < sizes[a] && !lungs.labels[q] && volume.voxels[q] >= HEART_BORDER_TISSUE_HU) tissue++;
          }
        }
      }
    }
  }
  return faces ? tissue / faces : 0;
}

/**
 * Share of the heart's voxels deeper than HEART_CORE_DEPTH_MM below its outer surface (exact distance
 * transform of its padded box). Enclosed pockets (noise below the tissue range inside the chambers on
 * thin, noisy slices) are not surface: only the background connected to the box's border is outside.
 */
function coreShare(heart: LabelMask, geometry: VolumeGeometry, lo: number[], hi: number[], count: number): number {
  const [nx, ny] = geometry.dimensions;
  const dims = [0, 1, 2].map((a) => hi[a] - lo[a] + 3) as [number, number, number];
  const outside = new Uint8Array(dims[0] * dims[1] * dims[2]).fill(1);
  for (let k = lo[2]; k <= hi[2]; k++) {
    for (let j = lo[1]; j <= hi[1]; j++) {
      let c = 1 + (j - lo[1] + 1) * dims[0] + (k - lo[2] + 1) * dims[0] * dims[1];
      for (let i = lo[0]; i <= hi[0]; i++, c++) if (heart.labels[i + j * nx + k * nx * ny]) outside[c] = 0;
    }
  }
  const background = labelConnectedComponents(outside, dims).labels;
  for (let c = 0; c < outside.length; c++) outside[c] = background[c] === background[0] ? 1 : 0; // voxel 0 lies in the padding
  const depth2 = squaredDistanceTransform(outside, dims, geometry.spacing);
  let deep = 0;
  for (let c = 0; c < depth2.length; c++) if (depth2[c] > HEART_CORE_DEPTH_MM ** 2) deep++;
  return deep / count;
}

/**
 * The quality gates a heart mask must pass before its volume (and the coronary territory drawn from it)
 * is reported: each failed gate as "which check, what was seen". An empty list: the mask is a heart.
 */
export function heartQualityProblems(a: HeartAnatomy): string[] {
  const problems: string[] = [];
  const ml = Math.round(a.volumeMl);
  const [minMl, maxMl] = HEART_PLAUSIBLE_ML;
  if (a.volumeMl < minMl || a.volumeMl > maxMl) problems.push(`the heart region measures ${ml} mL, outside the plausible adult range ${minMl}-${maxMl} mL`);
  if (a.touchesScanEnd) problems.push('heart not fully covered: the heart region reaches the first or last slice of the series (the scan may stop inside the heart, or the region runs on into liver or neck)');
  const [x, y] = a.heartCentre;
  const [rx, ry] = a.rightLungCentre;
  const [lx, ly] = a.leftLungCentre;
  const offset = Math.abs(x - (rx + lx) / 2) / (Math.abs(lx - rx) / 2);
  if (!(offset <= HEART_MAX_MIDLINE_OFFSET)) {
    problems.push(`the heart region's centre (x ${Math.round(x)} mm) is not between the lungs: ${Math.round(100 * offset)} % of the way from their midpoint to a lung's centre (x ${Math.round(rx)} and ${Math.round(lx)} mm; a heart: up to ${Math.round(100 * HEART_MAX_MIDLINE_OFFSET)} %)`);
  }
  if (!(y < (ry + ly) / 2)) problems.push(`the heart region's centre lies ${Math.round(y - (ry + ly) / 2)} mm behind the lungs' centres; the heart lies in front of them`);
  if (a.heartZ[0] < a.lungZ[0] - HEART_BELOW_LUNG_BASES_MM) problems.push(`the heart region reaches ${Math.round(a.lungZ[0] - a.heartZ[0])} mm below the lung bases (a heart: at most ${HEART_BELOW_LUNG_BASES_MM} mm; liver, stomach or IVC below the diaphragm are included)`);
  if (a.coreShare < HEART_MIN_CORE_SHARE) problems.push(`the heart region is thin: ${Math.round(100 * a.coreShare)} % of it lies deeper than ${HEART_CORE_DEPTH_MM} mm below its surface (a heart: over ${Math.round(100 * HEART_MIN_CORE_SHARE)} %)`);
  if (a.tissueBorderShare > HEART_MAX_TISSUE_BORDER) problems.push(`the heart's outline is not seen: ${Math.round(100 * a.tissueBorderShare)} % of its surface borders soft tissue (liver, chest wall, great vessels) rather than lung or fat (a heart: up to ${Math.round(100 * HEART_MAX_TISSUE_BORDER)} %)`);
  const heightMm = a.heartZ[1] - a.heartZ[0] + a.sliceMm;
  const elongation = heightMm / Math.cbrt(a.volumeMl * 1000);
  if (elongation > HEART_MAX_ELONGATION) problems.push(`the heart region is ${Math.round(heightMm)} mm tall for ${ml} mL (${elongation.toFixed(2)} x the cube root of its volume, a heart: up to ${HEART_MAX_ELONGATION}): great vessels or the descending aorta are included`);
  return problems;
}
