import type { Volume } from '@polyrad/sdk';

/**
 * Cardiothoracic ratio on a frontal chest radiograph, after Danzer CS. The cardio-thoracic ratio: an
 * index of cardiac enlargement. Am J Med Sci 1919;157:513-521: CTR = (MRD + MLD) / the maximal
 * internal thoracic diameter, where MRD and MLD are the greatest distances from the midline to the
 * right and left heart borders. The lung fields are segmented by thresholding (Otsu N. IEEE Trans Syst
 * Man Cybern 1979;9:62-66); the heart borders are the medial lung edges in the lower lung, the thoracic
 * diameter the widest span between the lateral lung edges (inner rib margins).
 */
export interface CardiothoracicMeasurement {
  ctr: number;
  /** MRD + MLD, pixels of the input image */
  heartWidthPx: number;
  /** maximal internal thoracic diameter, pixels of the input image */
  thoracicWidthPx: number;
  /** midline to right heart border, pixels (midline = centre of the widest thoracic row) */
  mrdPx: number;
  /** midline to left heart border, pixels */
  mldPx: number;
  /** true when high values were dark (MONOCHROME1) and the image was inverted */
  inverted: boolean;
  polaritySource: 'header' | 'image statistics';
  /** where it was measured, input pixels [column, row]: the heart borders, and the thorax's lateral edges and row */
  landmarksPx: { rightHeartBorder: [number, number]; leftHeartBorder: [number, number]; thorax: [number, number, number] };
}

export type CardiothoracicResult = { measurement: CardiothoracicMeasurement } | { declined: string };

/** The analysis grid's longer side: enough for 0.01 CTR steps on a 256-pixel-wide thorax, and fast. */
const WORKING_SIZE = 256;

interface Image {
  w: number;
  h: number;
  data: Float32Array;
}

export interface Lung {
  area: number;
  minX: number;
  maxX: number;
  minY: number;
  maxY: number;
  /** per row from minY: leftmost and rightmost pixel (-1 where the row is empty) */
  rowMin: Int32Array;
  rowMax: Int32Array;
  /** per column from minX: lowest pixel (-1 where the column is empty) */
  colMax: Int32Array;
}

/** Block-mean downsampling of frame 0 by an integer factor to about WORKING_SIZE pixels along the longer side. */
function workingImage(volume: Volume): { image: Image; factor: number } {
  const [nx, ny] = volume.geometry.dimensions;
  const factor = Math.max(1, Math.round(Math.max(nx, ny) / WORKING_SIZE));
  const w = Math.floor(nx / factor);
  const h = Math.floor(ny / factor);
  const data = new Float32Array(w * h);
  const v = volume.voxels;
  // Hand-written loop over the pixel grid: frame 0 only (a radiograph has one).
  for (let j = 0; j < h * factor; j++) {
    const row = (j / factor) | 0;
    for (let i = 0; i < w * factor; i++) data[((i / factor) | 0) + row * w] += v[i + j * nx];
  }
  const n = factor * factor;
  for (let p = 0; p < data.length; p++) data[p] /= n;
  return { image: { w, h, data }, factor };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1] ?? 0;
}

/**
 * Polarity from image statistics: on a MONOCHROME2 frontal chest film the mediastinum and spine
 * (central strip) are brighter than the lung fields on either side of it; on MONOCHROME1 darker.
 */
function looksInverted({ w, h, data }: Image): boolean {
  const centre: number[] = [];
  const lateral: number[] = [];
  for (let j = Math.floor(0.3 * h); j < 0.7 * h; j++) {
    for (let i = 0; i < w; i++) {
      const x = i / w;
      if (x > 0.45 && x < 0.55) centre.push(data[i + j * w]);
      else if ((x > 0.2 && x < 0.32) || (x > 0.68 && x < 0.8)) lateral.push(data[i + j * w]);
    }
  }
  return median(centre) < median(lateral);
}

function invert({ data }: Image): void {
  let max = -Infinity;
  for (const v of data) max = Math.max(max, v);
  for (let p = 0; p < data.length; p++) data[p] = max - data[p];
}

/** 3x3 box filter (separable, edges clamped), applied `passes` times: suppresses noise before thresholds. */
function boxSmooth(image: Image, passes: number): void {
  const { w, h, data } = image;
  const tmp = new Float32Array(data.length);
  for (let pass = 0; pass < passes; pass++) {
    for (let j = 0; j < h; j++) {
      for (let i = 0; i < w; i++) {
        const p = i + j * w;
        tmp[p] = (data[i > 0 ? p - 1 : p] + data[p] + data[i < w - 1 ? p + 1 : p]) / 3;
      }
    }
    for (let j = 0; j < h; j++) {
      for (let i = 0; i < w; i++) {
        const p = i + j * w;
        data[p] = (tmp[j > 0 ? p - w : p] + tmp[p] + tmp[j < h - 1 ? p + w : p]) / 3;
      }
    }
  }
}

/** 3x3 erosion (`erode`) or dilation of a binary mask (edges clamped); hand-written loop. */
function morph(mask: Uint8Array, w: number, h: number, erode: boolean): Uint8Array {
  const out = new Uint8Array(mask.length);
  const target = erode ? 0 : 1;
  for (let j = 0; j < h; j++) {
    for (let i = 0; i < w; i++) {
      let hit = false;
      for (let dj = -1; dj <= 1 && !hit; dj++) {
        const y = Math.min(h - 1, Math.max(0, j + dj));
        for (let di = -1; di <= 1; di++) {
          const x = Math.min(w - 1, Math.max(0, i + di));
          if (mask[x + y * w] === target) {
            hit = true;
            break;
          }
        }
      }
      out[i + j * w] = hit ? target : 1 - target;
    }
  }
  return out;
}

/**
 * The two lung fields at one threshold: dark (below `threshold`), opened to cut thin bridges, in
 * components that do not touch the image border (that is the air around the patient); the largest
 * on each side of the image centre. Null when the pair does not look like two lungs.
 */
function lungsAt(image: Image, threshold: (row: number, column: number) => number): [Lung, Lung] | null {
  const { w, h, data } = image;
  let mask: Uint8Array = new Uint8Array(w * h);
  for (let j = 0; j < h; j++) {
    for (let i = 0; i < w; i++) mask[i + j * w] = data[i + j * w] < threshold(j, i) ? 1 : 0;
  }
  mask = morph(morph(mask, w, h, true), w, h, false);
  const labels = new Int32Array(w * h);
  const stack = new Int32Array(w * h);
  const best: [{ area: number; label: number } | null, { area: number; label: number } | null] = [null, null];
  let next = 0;
  // Hand-written flood fill (4-connected) over the mask.
  for (let seed = 0; seed < mask.length; seed++) {
    if (!mask[seed] || labels[seed]) continue;
    const label = ++next;
    let top = 0;
    let area = 0;
    let sumX = 0;
    let border = false;
    stack[top++] = seed;
    labels[seed] = label;
    while (top > 0) {
      const p = stack[--top];
      const x = p % w;
      const y = (p - x) / w;
      area++;
      sumX += x;
      if (x === 0 || y === 0 || x === w - 1 || y === h - 1) border = true;
      const neighbours = [x > 0 ? p - 1 : -1, x < w - 1 ? p + 1 : -1, y > 0 ? p - w : -1, y < h - 1 ? p + w : -1];
      for (const q of neighbours) {
        if (q >= 0 && mask[q] && !labels[q]) {
          labels[q] = label;
          stack[top++] = q;
        }
      }
    }
    if (border || area < 0.02 * w * h) continue;
    const side = sumX / area < w / 2 ? 0 : 1;
    if (!best[side] || area > best[side]!.area) best[side] = { area, label };
  }
  if (!best[0] || !best[1]) return null;
  const lungs = best.map((b) => describe(labels, w, h, b!.label)) as [Lung, Lung];
  return plausible(lungs, w, h) ? lungs : null;
}

function describe(labels: Int32Array, w: number, h: number, label: number): Lung {
  let minX = w;
  let maxX = -1;
  let minY = h;
  let maxY = -1;
  let area = 0;
  for (let p = 0; p < labels.length; p++) {
    if (labels[p] !== label) continue;
    const x = p % w;
    const y = (p - x) / w;
    area++;
    minX = Math.min(minX, x);
    maxX = Math.max(maxX, x);
    minY = Math.min(minY, y);
    maxY = Math.max(maxY, y);
  }
  const rowMin = new Int32Array(maxY - minY + 1).fill(-1);
  const rowMax = new Int32Array(maxY - minY + 1).fill(-1);
  const colMax = new Int32Array(maxX - minX + 1).fill(-1);
  for (let y = minY; y <= maxY; y++) {
    for (let x = minX; x <= maxX; x++) {
      if (labels[x + y * w] !== label) continue;
      if (rowMin[y - minY] < 0) rowMin[y - minY] = x;
      rowMax[y - minY] = x;
      colMax[x - minX] = y;
    }
  }
  return { area, minX, maxX, minY, maxY, rowMin, rowMax, colMax };
}

/** Shape checks that reject noise, lateral views and non-chest images rather than measure them. */
function plausible([right, left]: [Lung, Lung], w: number, h: number): boolean {
  for (const lung of [right, left]) {
    const bw = lung.maxX - lung.minX + 1;
    const bh = lung.maxY - lung.minY + 1;
    if (bh < 0.25 * h || bw < 0.08 * w || bw > 0.45 * w || lung.area < 0.3 * bw * bh) return false;
  }
  const overlap = Math.min(right.maxY, left.maxY) - Math.max(right.minY, left.minY);
  const shorter = Math.min(right.maxY - right.minY, left.maxY - left.minY);
  return right.maxX < left.minX && overlap > 0.6 * shorter;
}

/** Otsu's threshold over the pixels inside a box (256-bin histogram). */
function otsu({ w, data }: Image, x0: number, x1: number, y0: number, y1: number): number {
  let lo = Infinity;
  let hi = -Infinity;
  for (let j = y0; j <= y1; j++) for (let i = x0; i <= x1; i++) {
    lo = Math.min(lo, data[i + j * w]);
    hi = Math.max(hi, data[i + j * w]);
  }
  const bins = 256;
  const hist = new Float64Array(bins);
  const step = (hi - lo) / bins || 1;
  for (let j = y0; j <= y1; j++) for (let i = x0; i <= x1; i++) hist[Math.min(bins - 1, Math.floor((data[i + j * w] - lo) / step))]++;
  let total = 0;
  let sum = 0;
  for (let b = 0; b < bins; b++) {
    total += hist[b];
    sum += b * hist[b];
  }
  let wB = 0;
  let sumB = 0;
  let bestVar = -1;
  let bestBin = 0;
  for (let b = 0; b < bins; b++) {
    wB += hist[b];
    sumB += b * hist[b];
    const wF = total - wB;
    if (wB === 0 || wF === 0) continue;
    const between = wB * wF * (sumB / wB - (sum - sumB) / wF) ** 2;
    if (between > bestVar) {
      bestVar = between;
      bestBin = b;
    }
  }
  return lo + (bestBin + 1) * step;
}

function percentile(sorted: Float32Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/**
 * Otsu's threshold in horizontal bands across each half of the thorax that `lungs` outline (lung
 * density rises towards the bases, where soft tissue overlies them, and differs beside the heart and
 * beside the liver), interpolated row by row, never below `floor`; the lungs at that threshold,
 * stepping back towards `floor` while it merges a lung with its surroundings.
 */
function refineLungs(image: Image, [right, left]: [Lung, Lung], floor: number): [Lung, Lung] | null {
  const { w, h } = image;
  const top = Math.min(right.minY, left.minY);
  const bottom = Math.max(right.maxY, left.maxY);
  const margin = Math.round(0.1 * (left.maxX - right.minX));
  const split = Math.round((right.maxX + left.minX) / 2);
  const halves = [
    [Math.max(0, right.minX - margin), split],
    [split + 1, Math.min(w - 1, left.maxX + margin)],
  ];
  const bands = 6;
  const bandStep = (bottom - top) / bands;
  const centres = Array.from({ length: bands }, (_, b) => top + (b + 0.5) * bandStep);
  const levels = halves.map(([x0, x1]) =>
    centres.map((c) => Math.max(floor, otsu(image, x0, x1, Math.max(0, Math.round(c - bandStep)), Math.min(h - 1, Math.round(c + bandStep))))),
  );
  const band = (row: number, column: number): number => {
    const level = levels[column <= split ? 0 : 1];
    if (row <= centres[0]) return level[0];
    if (row >= centres[bands - 1]) return level[bands - 1];
    const b = Math.floor((row - centres[0]) / bandStep);
    const f = (row - centres[b]) / bandStep;
    return level[b] * (1 - f) + level[b + 1] * f;
  };
  for (let s = 0; s < 8; s++) {
    const lungs = lungsAt(image, (row, column) => band(row, column) - (s / 8) * (band(row, column) - floor));
    if (lungs) return lungs;
  }
  return null;
}

/**
 * Finds the lungs: the lowest percentile threshold that gives two plausible lung fields locates the
 * thorax; band-wise Otsu thresholds then grow them to the lung/soft-tissue boundary, re-banded on the
 * grown lungs until their height settles (the first core often misses the denser bases).
 */
function segmentLungs(image: Image): [Lung, Lung] | null {
  const sorted = Float32Array.from(image.data).sort();
  let lungs: [Lung, Lung] | null = null;
  let floor = 0;
  for (let q = 0.05; q <= 0.6 && !lungs; q += 0.025) {
    floor = percentile(sorted, q);
    lungs = lungsAt(image, () => floor);
  }
  for (let round = 0; round < 3 && lungs; round++) {
    const grown = refineLungs(image, lungs, floor);
    if (!grown) break;
    const height = (l: [Lung, Lung]): number => Math.max(l[0].maxY, l[1].maxY) - Math.min(l[0].minY, l[1].minY);
    const settled = height(grown) <= height(lungs) + 1;
    lungs = grown;
    if (settled) break;
  }
  return lungs;
}

/** Medial-edge profile of one lung (distance outward from the midline grows with `sign`), 13-row median against notches. */
function medialProfile(lung: Lung, sign: 1 | -1): (number | null)[] {
  const raw = Array.from(lung.rowMin, (min, r) => (min < 0 ? null : sign < 0 ? -lung.rowMax[r] : lung.rowMin[r]));
  return raw.map((v, r) => {
    if (v === null) return null;
    const window = raw.slice(Math.max(0, r - 6), r + 7).filter((x): x is number => x !== null);
    return median(window);
  });
}

/**
 * Row of the diaphragm dome under one lung: the lung base is followed medially from its lowest point
 * (the costophrenic angle). Past the sulcus (a quarter of the lung's width) the diaphragm is a shallow
 * curve; where the base rises by more than a row per column (over 3 columns) or steps by more than
 * `jump` rows, the heart's silhouette has taken over from the diaphragm and the search stops.
 */
function diaphragmDome(lung: Lung, sign: 1 | -1): number {
  const base = lung.colMax;
  const columns = base.length;
  const jump = Math.max(3, 0.05 * (lung.maxY - lung.minY));
  let c = sign < 0 ? 0 : columns - 1;
  for (let k = c; sign < 0 ? k < columns >> 1 : k >= columns >> 1; k -= sign) if (base[k] > base[c]) c = k;
  let dome = base[c];
  for (let k = c - sign; k >= 0 && k < columns; k -= sign) {
    const y = base[k];
    if (y < 0 || Math.abs(y - base[k + sign]) > jump) break;
    const back = k + 3 * sign;
    if (Math.abs(k - c) >= 0.25 * columns && back >= 0 && back < columns && base[back] >= 0 && base[back] - y > 3) break;
    dome = Math.min(dome, y);
  }
  return dome;
}

/**
 * The heart border: the most lateral point of the medial lung edge between 45% of the lung's height
 * and the diaphragm dome (below the dome the medial lung edge follows the diaphragm, not the heart),
 * as the outward coordinate of the lung edge (-x for the right lung, x for the left) and its row; null if no row.
 */
function heartBorder(lung: Lung, sign: 1 | -1): { edge: number; row: number } | null {
  const profile = medialProfile(lung, sign);
  const dome = diaphragmDome(lung, sign);
  let best: { edge: number; row: number } | null = null;
  for (let r = Math.floor(0.45 * profile.length); r <= dome - lung.minY; r++) {
    const d = profile[r];
    if (d !== null && (best === null || d > best.edge)) best = { edge: d, row: lung.minY + r };
  }
  return best;
}

/**
 * The lateral lung edge (inner rib margin) in one row: the steepest outward rise of density within a
 * short reach of the thresholded edge. The lung thins towards the chest wall, so a threshold stops
 * short of the margin on real films; the density step at the ribs marks it.
 */
function lateralEdge({ w, data }: Image, y: number, edge: number, sign: 1 | -1): number {
  const row = y * w;
  let best = edge;
  let steepest = -Infinity;
  for (let x = edge - 2 * sign, end = edge + Math.round(0.06 * w) * sign; x !== end; x += sign) {
    if (x - 2 < 0 || x + 2 >= w) break;
    const rise = data[row + x + 2 * sign] - data[row + x - sign];
    if (rise > steepest) {
      steepest = rise;
      best = x;
    }
  }
  return best;
}

/** Plausible CTR of a correctly traced adult frontal film; outside it the outlines are wrong, not the heart. */
export const CTR_PLAUSIBLE: readonly [number, number] = [0.3, 0.8];
/** The thorax spans at least this share of a frontal chest film's width (collimated to the chest). */
export const MIN_THORAX_SHARE_OF_IMAGE = 0.45;
/** MRD / (MRD + MLD): about a third of the heart lies right of the midline; outside this range a border was traced on something else. */
export const RIGHT_HEART_SHARE: readonly [number, number] = [0.15, 0.55];
/** Each lung field's width over the thoracic diameter: a lung field narrower or wider was not traced along the lung. */
export const LUNG_SHARE_OF_THORAX: readonly [number, number] = [0.25, 0.6];

/** The quality gates a traced CTR must pass, each failure as "which check, what was seen". */
export function ctrQualityProblems(t: { ctr: number; thoracicWidth: number; imageWidth: number; mrd: number; mld: number; lungs: readonly Pick<Lung, 'minX' | 'maxX'>[] }): string[] {
  const problems: string[] = [];
  const pct = (v: number): string => `${Math.round(100 * v)} %`;
  if (!(t.ctr >= CTR_PLAUSIBLE[0] && t.ctr <= CTR_PLAUSIBLE[1])) problems.push(`a ratio of ${t.ctr.toFixed(2)} lies outside the plausible ${CTR_PLAUSIBLE.join('-')}`);
  const share = t.thoracicWidth / t.imageWidth;
  if (share < MIN_THORAX_SHARE_OF_IMAGE) problems.push(`the thorax spans ${pct(share)} of the image width (a frontal chest film: at least ${pct(MIN_THORAX_SHARE_OF_IMAGE)})`);
  const right = t.mrd / (t.mrd + t.mld);
  if (!(t.mrd > 0 && t.mld > 0 && right >= RIGHT_HEART_SHARE[0] && right <= RIGHT_HEART_SHARE[1])) {
    problems.push(`the heart borders lie ${Math.round(t.mrd)} and ${Math.round(t.mld)} pixels right and left of the midline (right share ${pct(right)}, expected ${pct(RIGHT_HEART_SHARE[0])}-${pct(RIGHT_HEART_SHARE[1])})`);
  }
  t.lungs.forEach((lung, n) => {
    const width = (lung.maxX - lung.minX + 1) / t.thoracicWidth;
    if (!(width >= LUNG_SHARE_OF_THORAX[0] && width <= LUNG_SHARE_OF_THORAX[1])) problems.push(`the ${n === 0 ? 'right' : 'left'} lung field is ${pct(width)} of the thoracic width (expected ${pct(LUNG_SHARE_OF_THORAX[0])}-${pct(LUNG_SHARE_OF_THORAX[1])})`);
  });
  return problems;
}

/**
 * Measures the CTR on frame 0 of a frontal chest radiograph. `photometric` is the series'
 * PhotometricInterpretation when the header gave it; otherwise polarity is judged from the image.
 */
export function measureCardiothoracicRatio(volume: Volume, photometric?: string): CardiothoracicResult {
  const { image, factor } = workingImage(volume);
  if (image.w < 32 || image.h < 32) return { declined: `the image is ${image.w * factor}x${image.h * factor} pixels, too small to find the lung fields` };
  const fromHeader = photometric === 'MONOCHROME1' || photometric === 'MONOCHROME2';
  const inverted = fromHeader ? photometric === 'MONOCHROME1' : looksInverted(image);
  if (inverted) invert(image);
  boxSmooth(image, 2);
  const lungs = segmentLungs(image);
  if (!lungs) {
    return { declined: 'no pair of lung fields was found; the image does not look like a frontal (PA/AP) chest radiograph (a lateral view, another body part, or too little contrast)' };
  }
  const [right, left] = lungs;
  // Internal thoracic diameter: widest row between the lateral lung edges, rows holding both lungs.
  let thorax = { width: 0, row: 0, right: 0, left: 0 };
  for (let y = Math.max(right.minY, left.minY); y <= Math.min(right.maxY, left.maxY); y++) {
    if (right.rowMin[y - right.minY] < 0 || left.rowMax[y - left.minY] < 0) continue;
    const a = lateralEdge(image, y, right.rowMin[y - right.minY], -1);
    const b = lateralEdge(image, y, left.rowMax[y - left.minY], 1);
    if (b - a + 1 > thorax.width) thorax = { width: b - a + 1, row: y, right: a, left: b };
  }
  // The patient's right lung is on the image's left on a PA film; its medial edge is its rightmost pixel.
  const rightBorder = heartBorder(right, -1);
  const leftBorder = heartBorder(left, 1);
  if (rightBorder === null || leftBorder === null || thorax.width === 0) {
    return { declined: 'the heart borders could not be traced along the medial lung edges' };
  }
  const rightHeartX = -rightBorder.edge + 1;
  const leftHeartX = leftBorder.edge - 1;
  const heart = leftHeartX - rightHeartX + 1;
  const midline = (thorax.right + thorax.left) / 2;
  const ctr = heart / thorax.width;
  const problems = ctrQualityProblems({ ctr, thoracicWidth: thorax.width, imageWidth: image.w, mrd: midline - rightHeartX + 0.5, mld: leftHeartX + 0.5 - midline, lungs });
  if (problems.length) return { declined: `the traced outlines failed their checks: ${problems.join('; ')}` };
  const px = (v: number): number => (v + 0.5) * factor;
  return {
    measurement: {
      ctr,
      heartWidthPx: heart * factor,
      thoracicWidthPx: thorax.width * factor,
      mrdPx: (midline - rightHeartX + 0.5) * factor,
      mldPx: (leftHeartX + 0.5 - midline) * factor,
      inverted,
      polaritySource: fromHeader ? 'header' : 'image statistics',
      landmarksPx: {
        rightHeartBorder: [px(rightHeartX - 0.5), px(rightBorder.row)],
        leftHeartBorder: [px(leftHeartX + 0.5), px(leftBorder.row)],
        thorax: [px(thorax.right - 0.5), px(thorax.left + 0.5), px(thorax.row)],
      },
    },
  };
}
