import { PolyradError, voxelToPatient, type LabelMask, type Vec3, type Volume, dilateBox, FACE_NEIGHBOURS, IN_SLICE_NEIGHBOURS, labelRegions, type Dimensions } from '@polyrad/sdk';

/** Agatston AS et al., "Quantification of coronary artery calcium using ultrafast computed tomography",
 * J Am Coll Cardiol 1990;15(4):827-832: lesions are in-plane regions >= 130 HU of at least 1 mm2, each
 * scored as area (mm2) x a weight from its peak HU. */
export const CAC_THRESHOLD_HU = 130;
export const CAC_MIN_AREA_MM2 = 1;
/** Scores are normalised to the 3 mm slices of the original method: sum x (slice increment / 3 mm). */
export const CAC_REFERENCE_SLICE_MM = 3;
/** The coronary territory: the heart region grown by this margin (the arteries run in epicardial fat). */
export const EPICARDIAL_MARGIN_MM = 8;
/** Voxels deeper than this inside the heart are valves, annuli and papillary muscles, not coronary arteries. */
export const INTRACARDIAC_DEPTH_MM = 3;
/** A region >= 130 HU with less than this share inside the territory continues into bone or the aorta. */
export const MIN_SHARE_IN_TERRITORY = 0.9;
/** Blood pool (75th percentile HU of the heart) above this: IV contrast, which hides and mimics calcium. */
export const CONTRAST_BLOOD_POOL_HU = 150;

export function agatstonWeight(peakHu: number): number {
  return peakHu >= 400 ? 4 : peakHu >= 300 ? 3 : peakHu >= 200 ? 2 : peakHu >= CAC_THRESHOLD_HU ? 1 : 0;
}

export interface CalciumLesion {
  /** slice index k of the lesion */
  slice: number;
  areaMm2: number;
  peakHu: number;
  weight: number;
  /** area x weight x slice normalisation */
  score: number;
  center: Vec3;
}

export interface AgatstonResult {
  score: number;
  lesions: CalciumLesion[];
  /** the multiplier applied to every lesion: slice increment / 3 mm */
  sliceFactor: number;
  /** calcified regions left out because they continue beyond the coronary territory (bone, aorta) */
  excludedRegions: number;
  /** 75th percentile HU inside the heart mask */
  bloodPoolHu: number;
}

/**
 * Agatston score of the coronary territory. The territory is the heart mask grown by a box of
 * +-EPICARDIAL_MARGIN_MM (epicardial fat, where the coronary arteries run), minus the heart's interior
 * deeper than INTRACARDIAC_DEPTH_MM (valve planes, mitral annulus), and limited to the slices the heart
 * occupies (which excludes the ascending aorta above the heart's base). Regions >= 130 HU (6-connected in
 * 3D) that lie mostly outside it continue into the spine, sternum, ribs or aortic wall and are excluded
 * entirely; isolated single voxels are image noise. What remains is scored per slice: 8-connected
 * lesions of >= 1 mm2, area x weight of their peak HU, times slice increment / 3 mm.
 */
export function scoreAgatston(volume: Volume, heart: LabelMask): AgatstonResult {
  const { geometry, voxels } = volume;
  const [nx, ny, nz] = geometry.dimensions;
  if (heart.geometry.dimensions.some((d, a) => d !== geometry.dimensions[a]) || heart.labels.length !== voxels.length) {
    throw new PolyradError('MASK_INVALID', 'the heart mask is not on the grid of the series; re-run the heart segmentation on this series');
  }
  const nxy = nx * ny;
  const [sx, sy, sz] = geometry.spacing;
  const margin = [EPICARDIAL_MARGIN_MM / sx, EPICARDIAL_MARGIN_MM / sy, EPICARDIAL_MARGIN_MM / sz].map(Math.ceil);
  // crop: the heart's bounding box plus the margin and room for regions that leave the territory
  const lo = [nx, ny, nz];
  const hi = [-1, -1, -1];
  const histogram = new Float64Array(4096);
  let heartCount = 0;
  for (let p = 0; p < voxels.length; p++) {
    if (heart.labels[p] !== 1) continue;
    const k = Math.floor(p / nxy);
    const j = Math.floor((p - k * nxy) / nx);
    const i = p - k * nxy - j * nx;
    const ijk = [i, j, k];
    for (let a = 0; a < 3; a++) {
      lo[a] = Math.min(lo[a], ijk[a]);
      hi[a] = Math.max(hi[a], ijk[a]);
    }
    histogram[Math.max(0, Math.min(4095, voxels[p] + 1024))]++;
    heartCount++;
  }
  if (heartCount === 0) throw new PolyradError('MASK_INVALID', 'the heart mask is empty; the coronary territory cannot be defined');
  const bloodPoolHu = percentile(histogram, heartCount, 0.75) - 1024;
  const heartSlices = [lo[2], hi[2]];
  const size = [nx, ny, nz];
  for (let a = 0; a < 3; a++) {
    lo[a] = Math.max(0, lo[a] - 2 * margin[a]);
    hi[a] = Math.min(size[a] - 1, hi[a] + 2 * margin[a]);
  }
  const dims: Dimensions = [hi[0] - lo[0] + 1, hi[1] - lo[1] + 1, hi[2] - lo[2] + 1];
  const [cx, cy, cz] = dims;
  const cxy = cx * cy;
  const n = cxy * cz;
  const global = (c: number): number => {
    const k = Math.floor(c / cxy);
    const j = Math.floor((c - k * cxy) / cx);
    return lo[0] + (c - k * cxy - j * cx) + (lo[1] + j) * nx + (lo[2] + k) * nxy;
  };

  // ---- the coronary territory ----
  const inHeart = new Uint8Array(n);
  const outsideHeart = new Uint8Array(n);
  for (let c = 0; c < n; c++) {
    inHeart[c] = heart.labels[global(c)] === 1 ? 1 : 0;
    outsideHeart[c] = 1 - inHeart[c];
  }
  const grown = dilateBox(inHeart, dims, margin as [number, number, number]);
  const depth = [INTRACARDIAC_DEPTH_MM / sx, INTRACARDIAC_DEPTH_MM / sy, INTRACARDIAC_DEPTH_MM / sz].map(Math.round) as [number, number, number];
  const nearSurface = dilateBox(outsideHeart, dims, depth); // heart voxels within the depth of its surface, and all outside
  const territory = new Uint8Array(n);
  for (let c = 0; c < n; c++) {
    const k = lo[2] + Math.floor(c / cxy);
    territory[c] = grown[c] && nearSurface[c] && k >= heartSlices[0] && k <= heartSlices[1] ? 1 : 0;
  }

  // ---- calcified regions: keep those that belong to the territory ----
  const calcified = new Uint8Array(n);
  for (let c = 0; c < n; c++) calcified[c] = voxels[global(c)] >= CAC_THRESHOLD_HU ? 1 : 0;
  const regions = labelRegions(calcified, dims, FACE_NEIGHBOURS);
  const total = new Int32Array(regions.count + 1);
  const inside = new Int32Array(regions.count + 1);
  for (let c = 0; c < n; c++) {
    const id = regions.labels[c];
    if (!id) continue;
    total[id]++;
    inside[id] += territory[c];
  }
  let excludedRegions = 0;
  const accepted = new Uint8Array(regions.count + 1);
  for (let id = 1; id <= regions.count; id++) {
    if (inside[id] === 0) continue;
    if (total[id] < 2) continue; // a lone voxel above 130 HU is noise
    if (inside[id] < MIN_SHARE_IN_TERRITORY * total[id]) excludedRegions++;
    else accepted[id] = 1;
  }
  const coronary = new Uint8Array(n);
  for (let c = 0; c < n; c++) coronary[c] = accepted[regions.labels[c]];

  // ---- Agatston: in-plane lesions, area x peak weight, normalised to 3 mm slices ----
  const lesionLabels = labelRegions(coronary, dims, IN_SLICE_NEIGHBOURS);
  const count = new Int32Array(lesionLabels.count + 1);
  const peak = new Float64Array(lesionLabels.count + 1).fill(-Infinity);
  const sums = new Float64Array(3 * (lesionLabels.count + 1));
  for (let c = 0; c < n; c++) {
    const id = lesionLabels.labels[c];
    if (!id) continue;
    count[id]++;
    peak[id] = Math.max(peak[id], voxels[global(c)]);
    const k = Math.floor(c / cxy);
    const j = Math.floor((c - k * cxy) / cx);
    sums[3 * id] += c - k * cxy - j * cx;
    sums[3 * id + 1] += j;
    sums[3 * id + 2] += k;
  }
  const sliceFactor = sz / CAC_REFERENCE_SLICE_MM;
  const lesions: CalciumLesion[] = [];
  for (let id = 1; id <= lesionLabels.count; id++) {
    const areaMm2 = count[id] * sx * sy;
    if (areaMm2 < CAC_MIN_AREA_MM2) continue;
    const weight = agatstonWeight(peak[id]);
    const m = count[id];
    lesions.push({
      slice: lo[2] + sums[3 * id + 2] / m,
      areaMm2,
      peakHu: peak[id],
      weight,
      score: areaMm2 * weight * sliceFactor,
      center: voxelToPatient(geometry, lo[0] + sums[3 * id] / m, lo[1] + sums[3 * id + 1] / m, lo[2] + sums[3 * id + 2] / m),
    });
  }
  const score = lesions.reduce((s, l) => s + l.score, 0);
  return { score, lesions, sliceFactor, excludedRegions, bloodPoolHu };
}

/** CAC-DRS Agatston category (Hecht HS et al., J Cardiovasc Comput Tomogr 2018;12(3):185-191). */
export function cacDrsCategory(score: number): '0' | '1' | '2' | '3' {
  return score <= 0 ? '0' : score < 100 ? '1' : score < 300 ? '2' : '3';
}

export const CAC_DRS_TEXT: Record<'0' | '1' | '2' | '3', string> = {
  '0': 'CAC-DRS A0: no coronary calcium (very low risk)',
  '1': 'CAC-DRS A1: mildly increased risk (Agatston 1-99)',
  '2': 'CAC-DRS A2: moderately increased risk (Agatston 100-299)',
  '3': 'CAC-DRS A3: moderately to severely increased risk (Agatston >= 300)',
};

function percentile(histogram: Float64Array, count: number, q: number): number {
  for (let h = 0, cum = 0; h < histogram.length; h++) {
    cum += histogram[h];
    if (cum >= q * count) return h;
  }
  return histogram.length - 1;
}
