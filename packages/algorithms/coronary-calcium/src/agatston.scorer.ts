import { categoriseMeasurement, PolyradError, type CategoryDecision, voxelToPatient, type LabelMask, type Vec3, type Volume, dilateBox, FACE_NEIGHBOURS, IN_SLICE_NEIGHBOURS, labelRegions, type Dimensions } from '@polyrad/sdk';

/** Agatston AS et al., "Quantification of coronary artery calcium using ultrafast computed tomography",
 * J Am Coll Cardiol 1990;15(4):827-832: lesions are in-plane regions >= 130 HU of at least 1 mm2, each
 * scored as area (mm2) x a weight from its peak HU. */
export const CAC_THRESHOLD_HU = 130;
export const CAC_MIN_AREA_MM2 = 1;
/** Scores are normalised to the 3 mm slices of the original method: sum x (slice increment / 3 mm). */
export const CAC_REFERENCE_SLICE_MM = 3;
/** The coronary territory: the heart region grown by this margin (the arteries run in epicardial fat). */
export const EPICARDIAL_MARGIN_MM = 8;
/**
 * Voxels deeper than this inside the heart mask are valves, annuli, the aortic root and papillary muscles,
 * not coronary arteries. The heart mask ends at the tissue's edge, so a coronary plaque in the epicardial
 * fat beside it reaches at most about a voxel in; the mitral annulus lies within the wall (with 3 mm, its
 * calcium was counted as coronary on the realistic phantom).
 */
export const INTRACARDIAC_DEPTH_MM = 1.5;
/** A region >= 130 HU with less than this share inside the territory continues into bone or the aorta. */
export const MIN_SHARE_IN_TERRITORY = 0.9;
/** Attenuation below which a voxel is aerated lung (or air): calcium beside it is a kernel's edge overshoot. */
export const EDGE_LUNG_HU = -400;
/** A lesion with at least this share of its voxels beside lung is a sharp kernel's edge rim (see besideLung). */
export const EDGE_RIM_SHARE = 0.5;
/**
 * Calcium this close to the aortic lumen (beyond its measured radius) lies in the aortic wall, which the
 * Agatston score leaves out: wall plaques sit half in the wall (about 2 mm thick) and half in the lumen.
 * A left main or right coronary plaque starts at the ostium, past the wall, so most of its voxels lie beyond.
 */
export const AORTIC_WALL_MARGIN_MM = 3;
/** A region with at least this share of its voxels in the aortic wall zone is aortic calcium. */
export const AORTIC_SHARE = 0.5;
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

/** A measured cross-section of the aorta (from the aorta plugin's centre line): where its lumen is. */
export interface AorticSection {
  center: Vec3;
  /** the lumen's radius there, mm */
  radiusMm: number;
}

export interface AgatstonResult {
  /** the coronary territory's score */
  score: number;
  lesions: CalciumLesion[];
  /**
   * Calcium reaching into the heart where the valves, annuli and aortic root are, which cannot be told
   * from a coronary plaque beside them by position alone: scored the same way, but not in `score`.
   */
  ambiguous: { score: number; lesions: CalciumLesion[] };
  /** the multiplier applied to every lesion: slice increment / 3 mm */
  sliceFactor: number;
  /** calcified regions left out because they continue beyond the coronary territory (bone, aorta) */
  excludedRegions: number;
  /** calcified regions in the territory left out because they lie in the wall of the measured aorta */
  aorticRegions: number;
  /** 75th percentile HU inside the heart mask */
  bloodPoolHu: number;
  /** image noise in the heart: robust SD (interquartile range / 1.349) of the heart's interior, HU */
  noiseHu: number;
}

/** The heart's box on the volume grid and what its voxels measure. */
interface HeartBox {
  lo: number[];
  hi: number[];
  bloodPoolHu: number;
}

/** A crop of the volume around the heart: its dimensions and the volume index of each crop voxel. */
interface Crop {
  lo: number[];
  dims: Dimensions;
  global: (c: number) => number;
}

const REGION_COUNTED = 1;
const REGION_AMBIGUOUS = 2;

/**
 * Agatston score of the coronary territory. The territory is the heart mask grown by a box of
 * +-EPICARDIAL_MARGIN_MM (epicardial fat, where the coronary arteries run), minus the heart's interior
 * deeper than INTRACARDIAC_DEPTH_MM (valve planes, mitral annulus), and limited to the slices the heart
 * occupies (which excludes the ascending aorta above the heart's base). Regions >= 130 HU (6-connected in
 * 3D) that lie mostly outside it continue into the spine, sternum, ribs or aortic wall and are excluded
 * entirely; isolated single voxels are image noise. Regions that reach into the heart's interior (valves,
 * annuli, aortic root) are kept apart as ambiguous. Regions lying mostly in the wall of the aorta, where its
 * lumen was measured (`aorta`: sections of the aorta plugin's centre line), are aortic calcium and left
 * out: the ascending aorta runs beside the heart's base, inside the epicardial margin. What remains is scored
 * per slice: 8-connected lesions of >= 1 mm2, area x weight of their peak HU, times slice increment / 3 mm.
 */
export function scoreAgatston(volume: Volume, heart: LabelMask, aorta: readonly AorticSection[] = []): AgatstonResult {
  const { geometry, voxels } = volume;
  if (heart.geometry.dimensions.some((d, a) => d !== geometry.dimensions[a]) || heart.labels.length !== voxels.length) {
    throw new PolyradError('MASK_INVALID', 'the heart mask is not on the grid of the series; re-run the heart segmentation on this series');
  }
  const margin = geometry.spacing.map((s) => Math.ceil(EPICARDIAL_MARGIN_MM / s)) as [number, number, number];
  const box = heartBox(volume, heart);
  // crop: the heart's bounding box plus the margin and room for regions that leave the territory
  const crop = cropAround(geometry, box, margin.map((m) => 2 * m));
  const inHeart = new Uint8Array(crop.dims[0] * crop.dims[1] * crop.dims[2]);
  for (let c = 0; c < inHeart.length; c++) inHeart[c] = heart.labels[crop.global(c)] === 1 ? 1 : 0;
  const { territory, interior } = coronaryTerritory(inHeart, crop, geometry.spacing, margin, [box.lo[2], box.hi[2]]);
  const { regions, verdict, excludedRegions, aorticRegions } = classifyCalcium(volume, crop, territory, interior, aorta);
  const sliceFactor = geometry.spacing[2] / CAC_REFERENCE_SLICE_MM;
  const beside = besideLung(volume, crop);
  const score = (kind: number): { score: number; lesions: CalciumLesion[] } => {
    const selected = new Uint8Array(regions.length);
    for (let c = 0; c < regions.length; c++) selected[c] = verdict[regions[c]] === kind ? 1 : 0;
    const lesions = agatstonLesions(volume, crop, selected, sliceFactor, beside);
    return { score: lesions.reduce((sum, l) => sum + l.score, 0), lesions };
  };
  return { ...score(REGION_COUNTED), ambiguous: score(REGION_AMBIGUOUS), sliceFactor, excludedRegions, aorticRegions, bloodPoolHu: box.bloodPoolHu, noiseHu: interiorNoise(volume, crop, interior) };
}

/** Bounding box of the heart mask and its blood pool (75th percentile HU). */
function heartBox(volume: Volume, heart: LabelMask): HeartBox {
  const [nx, ny, nz] = volume.geometry.dimensions;
  const nxy = nx * ny;
  const lo = [nx, ny, nz];
  const hi = [-1, -1, -1];
  const histogram = new Float64Array(4096);
  let count = 0;
  for (let p = 0; p < heart.labels.length; p++) {
    if (heart.labels[p] !== 1) continue;
    const k = Math.floor(p / nxy);
    const j = Math.floor((p - k * nxy) / nx);
    const ijk = [p - k * nxy - j * nx, j, k];
    for (let a = 0; a < 3; a++) {
      lo[a] = Math.min(lo[a], ijk[a]);
      hi[a] = Math.max(hi[a], ijk[a]);
    }
    histogram[Math.max(0, Math.min(4095, volume.voxels[p] + 1024))]++;
    count++;
  }
  if (count === 0) throw new PolyradError('MASK_INVALID', 'the heart mask is empty; the coronary territory cannot be defined');
  return { lo, hi, bloodPoolHu: percentile(histogram, count, 0.75) - 1024 };
}

function cropAround(geometry: Volume['geometry'], box: HeartBox, pad: number[]): Crop {
  const size = geometry.dimensions;
  const lo = box.lo.map((v, a) => Math.max(0, v - pad[a]));
  const hi = box.hi.map((v, a) => Math.min(size[a] - 1, v + pad[a]));
  const dims: Dimensions = [hi[0] - lo[0] + 1, hi[1] - lo[1] + 1, hi[2] - lo[2] + 1];
  const [cx, cy] = dims;
  const cxy = cx * cy;
  const [nx, ny] = size;
  const global = (c: number): number => {
    const k = Math.floor(c / cxy);
    const j = Math.floor((c - k * cxy) / cx);
    return lo[0] + (c - k * cxy - j * cx) + (lo[1] + j) * nx + (lo[2] + k) * nx * ny;
  };
  return { lo, dims, global };
}

/**
 * The coronary territory (heart grown by the epicardial margin, minus its deep interior, on the heart's
 * slices) and the interior it leaves out (heart voxels deeper than INTRACARDIAC_DEPTH_MM).
 */
function coronaryTerritory(inHeart: Uint8Array, crop: Crop, spacing: readonly number[], margin: [number, number, number], heartSlices: [number, number]): { territory: Uint8Array; interior: Uint8Array } {
  const n = inHeart.length;
  const cxy = crop.dims[0] * crop.dims[1];
  const grown = dilateBox(inHeart, crop.dims, margin);
  const depth = spacing.map((s) => Math.round(INTRACARDIAC_DEPTH_MM / s)) as [number, number, number];
  const outside = new Uint8Array(n);
  for (let c = 0; c < n; c++) outside[c] = 1 - inHeart[c];
  const nearSurface = dilateBox(outside, crop.dims, depth); // heart voxels within the depth of its surface, and all outside
  const territory = new Uint8Array(n);
  const interior = new Uint8Array(n);
  for (let c = 0; c < n; c++) {
    const k = crop.lo[2] + Math.floor(c / cxy);
    territory[c] = grown[c] && nearSurface[c] && k >= heartSlices[0] && k <= heartSlices[1] ? 1 : 0;
    interior[c] = nearSurface[c] ? 0 : 1;
  }
  return { territory, interior };
}

/**
 * Calcified regions (>= 130 HU, 6-connected in 3D) and the verdict on each: counted (in the territory),
 * ambiguous (in the territory but reaching more than INTRACARDIAC_DEPTH_MM into the heart: the aortic
 * and mitral valves and annuli and the aortic root's wall lie there, and a plaque that touches them cannot
 * be told from them by position), or left out (noise, continuing beyond the territory into bone or the
 * aortic wall, or lying in the wall of the measured aorta).
 */
function classifyCalcium(
  volume: Volume,
  crop: Crop,
  territory: Uint8Array,
  interior: Uint8Array,
  aorta: readonly AorticSection[],
): { regions: Int32Array; verdict: Uint8Array; excludedRegions: number; aorticRegions: number } {
  const n = territory.length;
  const calcified = new Uint8Array(n);
  for (let c = 0; c < n; c++) calcified[c] = volume.voxels[crop.global(c)] >= CAC_THRESHOLD_HU ? 1 : 0;
  const { labels, count } = labelRegions(calcified, crop.dims, FACE_NEIGHBOURS);
  const total = new Int32Array(count + 1);
  const inside = new Int32Array(count + 1);
  const deep = new Int32Array(count + 1);
  for (let c = 0; c < n; c++) {
    const id = labels[c];
    if (!id) continue;
    total[id]++;
    inside[id] += territory[c];
    deep[id] += interior[c];
  }
  let excludedRegions = 0;
  const verdict = new Uint8Array(count + 1);
  for (let id = 1; id <= count; id++) {
    if (inside[id] === 0) continue;
    if (total[id] < 2) continue; // a lone voxel above 130 HU is noise
    if (inside[id] + deep[id] < MIN_SHARE_IN_TERRITORY * total[id]) excludedRegions++;
    else verdict[id] = deep[id] ? REGION_AMBIGUOUS : REGION_COUNTED;
  }
  const inWall = aorticWallVoxels(volume, crop, labels, verdict, aorta);
  let aorticRegions = 0;
  for (let id = 1; id <= count; id++) {
    if (verdict[id] && inWall[id] >= AORTIC_SHARE * total[id]) {
      verdict[id] = 0;
      aorticRegions++;
    }
  }
  return { regions: labels, verdict, excludedRegions, aorticRegions };
}

/**
 * Per region kept so far, how many of its voxels lie within AORTIC_WALL_MARGIN_MM outside the aortic lumen
 * (or in it): nearer to a measured section's centre than its radius plus the margin. Sections are taken
 * every slice or so along the centre line, so the nearest one stands for the cross-section through a voxel.
 */
function aorticWallVoxels(volume: Volume, crop: Crop, labels: Int32Array, verdict: Uint8Array, aorta: readonly AorticSection[]): Int32Array {
  const inWall = new Int32Array(verdict.length);
  if (aorta.length === 0) return inWall;
  const [cx, cy] = crop.dims;
  const cxy = cx * cy;
  for (let c = 0; c < labels.length; c++) {
    if (!verdict[labels[c]]) continue;
    const k = Math.floor(c / cxy);
    const j = Math.floor((c - k * cxy) / cx);
    const p = voxelToPatient(volume.geometry, crop.lo[0] + c - k * cxy - j * cx, crop.lo[1] + j, crop.lo[2] + k);
    let nearest = Infinity;
    let reach = 0;
    for (const { center, radiusMm } of aorta) {
      const d = Math.hypot(p[0] - center[0], p[1] - center[1], p[2] - center[2]);
      if (d < nearest) [nearest, reach] = [d, radiusMm + AORTIC_WALL_MARGIN_MM];
    }
    if (nearest <= reach) inWall[labels[c]]++;
  }
  return inWall;
}

/**
 * Voxels of the crop beside aerated lung: lung (below EDGE_LUNG_HU) among their 8 in-plane neighbours.
 * An edge-enhancing (bone, lung) kernel lifts soft tissue beside lung by a good part of the 900 HU
 * step, well over 130 HU, in a rim one pixel wide along every heart-lung border; a lesion made mostly of
 * such voxels is that rim, not calcium (which lies in the epicardial fat or on the myocardium and, when
 * it reaches lung, is thicker than the rim).
 */
function besideLung(volume: Volume, crop: Crop): Uint8Array {
  const { voxels, geometry } = volume;
  const [nx, ny] = geometry.dimensions;
  const beside = new Uint8Array(crop.dims[0] * crop.dims[1] * crop.dims[2]);
  for (let c = 0; c < beside.length; c++) {
    const p = crop.global(c);
    if (voxels[p] < CAC_THRESHOLD_HU) continue;
    const i = p % nx;
    const j = Math.floor(p / nx) % ny;
    for (let dj = -1; dj <= 1 && !beside[c]; dj++) {
      for (let di = -1; di <= 1; di++) {
        if (i + di < 0 || i + di >= nx || j + dj < 0 || j + dj >= ny) continue;
        if (voxels[p + di + dj * nx] < EDGE_LUNG_HU) {
          beside[c] = 1;
          break;
        }
      }
    }
  }
  return beside;
}

/** Agatston lesions of the selected voxels: in-plane 8-connected regions of >= 1 mm2, area x peak weight x slice factor. */
function agatstonLesions(volume: Volume, crop: Crop, selected: Uint8Array, sliceFactor: number, beside: Uint8Array): CalciumLesion[] {
  const { geometry, voxels } = volume;
  const [sx, sy] = geometry.spacing;
  const [cx, cy] = crop.dims;
  const cxy = cx * cy;
  const lesionLabels = labelRegions(selected, crop.dims, IN_SLICE_NEIGHBOURS);
  const count = new Int32Array(lesionLabels.count + 1);
  const rim = new Int32Array(lesionLabels.count + 1);
  const peak = new Float64Array(lesionLabels.count + 1).fill(-Infinity);
  const sums = new Float64Array(3 * (lesionLabels.count + 1));
  for (let c = 0; c < selected.length; c++) {
    const id = lesionLabels.labels[c];
    if (!id) continue;
    count[id]++;
    rim[id] += beside[c];
    peak[id] = Math.max(peak[id], voxels[crop.global(c)]);
    const k = Math.floor(c / cxy);
    const j = Math.floor((c - k * cxy) / cx);
    sums[3 * id] += c - k * cxy - j * cx;
    sums[3 * id + 1] += j;
    sums[3 * id + 2] += k;
  }
  const lesions: CalciumLesion[] = [];
  for (let id = 1; id <= lesionLabels.count; id++) {
    const areaMm2 = count[id] * sx * sy;
    if (areaMm2 < CAC_MIN_AREA_MM2 || rim[id] >= EDGE_RIM_SHARE * count[id]) continue;
    const weight = agatstonWeight(peak[id]);
    const m = count[id];
    const [i, j, k] = [0, 1, 2].map((a) => crop.lo[a] + sums[3 * id + a] / m);
    lesions.push({ slice: k, areaMm2, peakHu: peak[id], weight, score: areaMm2 * weight * sliceFactor, center: voxelToPatient(geometry, i, j, k) });
  }
  return lesions;
}

/**
 * Image noise where 130 HU is judged: the robust SD (interquartile range / 1.349, which calcium and the
 * odd valve leave alone) of the heart's interior, blood and myocardium of nearly one attenuation on
 * non-contrast CT.
 */
function interiorNoise(volume: Volume, crop: Crop, interior: Uint8Array): number {
  const histogram = new Float64Array(4096);
  let count = 0;
  for (let c = 0; c < interior.length; c++) {
    if (!interior[c]) continue;
    histogram[Math.max(0, Math.min(4095, volume.voxels[crop.global(c)] + 1024))]++;
    count++;
  }
  if (count === 0) return NaN;
  return (percentile(histogram, count, 0.75) - percentile(histogram, count, 0.25)) / 1.349;
}

/** CAC-DRS Agatston category (Hecht HS et al., J Cardiovasc Comput Tomogr 2018;12(3):185-191). */
export function cacDrsCategory(score: number): '0' | '1' | '2' | '3' {
  return score <= 0 ? '0' : score < 100 ? '1' : score < 300 ? '2' : '3';
}

/**
 * Measurement error of the Agatston score: ±15 % of the true score, at least ±10 points, the tolerance the
 * validation holds the plugin to (README "Validation"; packages/phantom validation-tolerance.ts,
 * agatstonTolerance). Relative to the truth, so a true score at a cut-off c is measured within
 * max(10, 0.15 c) of it: ±15 at 100, ±45 at 300.
 */
export const agatstonErrorAt = (score: number): number => Math.max(10, 0.15 * score);

/**
 * CAC-DRS A0-A3 with a borderline band at the 100 and 300 cut-offs. A0 against A1 is not a measurement
 * near a cut-off but whether any calcified lesion was found (a score is positive from the first 1 mm2 at
 * 130 HU); the quality gates (slice thickness, noise, contrast, valve and root calcium) decide whether
 * that search can be trusted, and the validation scores a 0 against a calcified heart as a wrong negative.
 */
export function cacDrsDecision(score: number): CategoryDecision<'A0' | 'A1' | 'A2' | 'A3'> {
  return categoriseMeasurement<'A0' | 'A1' | 'A2' | 'A3'>(score, {
    categories: ['A0', 'A1', 'A2', 'A3'],
    cutoffs: [
      { at: 0, equalGoesTo: 'below', margin: 0 },
      { at: 100, equalGoesTo: 'above', margin: agatstonErrorAt(100) },
      { at: 300, equalGoesTo: 'above', margin: agatstonErrorAt(300) },
    ],
    unit: '',
  });
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
