import type { Volume } from '@polyrad/sdk';
import { SeededRandom } from './seeded-random.js';

/**
 * A synthetic frontal (PA) chest radiograph with a known cardiothoracic ratio. An analytic 2D model,
 * not a CT projection: the CTR must be chosen freely (0.40-0.65) and the truth must be exact, which
 * the projected CT phantom's fixed heart cannot give. Pixel values are a log-exposure image (linear in
 * the attenuation line integral, as CR/DX processing stores them): air dark, lungs dark inside a
 * brighter body, mediastinum, spine, ribs, heart and the subdiaphragmatic organs bright (MONOCHROME2).
 */
export interface ChestRadiographOptions {
  seed: number;
  /** [columns, rows]; random 200-300 x 1.0-1.15 times that when omitted */
  dimensions?: [number, number];
  /** cardiothoracic ratio asked for; random 0.40-0.65 when omitted (the truth is measured from the labels) */
  ctr?: number;
  /** in-plane rotation, degrees; random +-4 when omitted */
  rotationDeg?: number;
  /** random when omitted */
  photometricInterpretation?: 'MONOCHROME1' | 'MONOCHROME2';
  /** noise SD as a fraction of the full display range; default 0.015 */
  noise?: number;
  /** BitsStored of the pixel values; random 10-12 when omitted */
  bits?: number;
}

/** Label values of ChestRadiograph.labels. */
export const RADIOGRAPH_LABELS = { lungRight: 1, lungLeft: 2, heart: 3 } as const;

export interface ChestRadiographTruth {
  /** heartWidthPx / thoracicWidthPx, counted from the label map (Danzer's definition on image rows) */
  ctr: number;
  /** horizontal extent of the visible heart silhouette (rightmost - leftmost heart pixel + 1) */
  heartWidthPx: number;
  /** widest row span of the two lung fields (lateral lung edge to lateral lung edge, inclusive) */
  thoracicWidthPx: number;
  category: 'normal' | 'enlarged';
  rotationDeg: number;
  photometricInterpretation: 'MONOCHROME1' | 'MONOCHROME2';
  bits: number;
}

export interface ChestRadiograph {
  /** dimensions [columns, rows, 1]; image column runs to the patient's left, rows to the feet */
  volume: Volume;
  /** RADIOGRAPH_LABELS per pixel, same grid as the image */
  labels: Uint8Array;
  truth: ChestRadiographTruth;
}

/** A smooth 0..1 ramp over `width` pixels: soft but steep edges, as a real silhouette has. */
function ramp(distance: number, width: number): number {
  return Math.max(0, Math.min(1, distance / width));
}

export function generateChestRadiograph(options: ChestRadiographOptions): ChestRadiograph {
  const rng = new SeededRandom(options.seed);
  const cols = options.dimensions?.[0] ?? rng.int(200, 300);
  const rows = options.dimensions?.[1] ?? Math.round(cols * rng.uniform(1, 1.15));
  const askedCtr = options.ctr ?? rng.uniform(0.4, 0.65);
  const rotationDeg = options.rotationDeg ?? rng.uniform(-4, 4);
  const photometric = options.photometricInterpretation ?? (rng.next() < 0.5 ? 'MONOCHROME1' : 'MONOCHROME2');
  const bits = options.bits ?? rng.int(10, 12);
  const noise = options.noise ?? 0.015;

  // Layout in pixels, in the patient frame before rotation: u to the patient's left, y to the feet.
  const cx = cols / 2 + rng.uniform(-0.04, 0.04) * cols;
  const cy = rows / 2 + rng.uniform(-0.03, 0.03) * rows;
  const thoraxHalf = rng.uniform(0.36, 0.41) * cols;
  const bodyHalf = thoraxHalf * rng.uniform(1.12, 1.2);
  const apex = cy - rng.uniform(0.36, 0.4) * rows;
  const domeRight = cy + rng.uniform(0.14, 0.18) * rows;
  const domeLeft = domeRight + rng.uniform(0, 0.03) * rows;
  const costophrenic = Math.max(domeRight, domeLeft) + rng.uniform(0.07, 0.1) * rows;
  const mediastinumHalf = rng.uniform(0.045, 0.055) * cols;
  const domePeak = 0.45 * thoraxHalf;
  const heartHalfWidth = askedCtr * thoraxHalf;
  const rightFraction = rng.uniform(0.3, 0.38);
  const heartCentreU = heartHalfWidth * (1 - 2 * rightFraction);
  // The heart rests on the diaphragm with its widest row above the domes, as on a real film.
  const heartCentreY = Math.min(domeRight, domeLeft) - rng.uniform(0.07, 0.09) * rows;
  const heartHalfHeight = rng.uniform(0.12, 0.15) * rows;
  const spineHalf = 0.035 * cols;
  const ribSpacing = (costophrenic - apex) / 9;
  const ribPhase = rng.uniform(0, ribSpacing);
  const edge = 0.01 * cols;

  /** lateral lung edge (inner rib margin) at row y: widest at the costophrenic angles, round apex */
  const lateral = (y: number): number => {
    const t = (costophrenic - y) / (costophrenic - apex);
    return t < 0 || t > 1 ? 0 : thoraxHalf * Math.sqrt(1 - t * t);
  };
  /** lung base (diaphragm) at |u|, per side: dome highest mid-hemithorax, deepest at the costophrenic angle */
  const base = (au: number, dome: number): number =>
    au > domePeak
      ? dome + (costophrenic - dome) * ((au - domePeak) / (thoraxHalf - domePeak)) ** 2
      : dome + 0.3 * (costophrenic - dome) * ((domePeak - au) / domePeak) ** 2;

  const cos = Math.cos((rotationDeg * Math.PI) / 180);
  const sin = Math.sin((rotationDeg * Math.PI) / 180);
  const max = 2 ** bits - 1;
  const voxels = new Uint16Array(cols * rows);
  const labels = new Uint8Array(cols * rows);
  // Hand-written loop over pixels: each pixel evaluates the analytic model in the rotated frame.
  for (let j = 0; j < rows; j++) {
    for (let i = 0; i < cols; i++) {
      const dx = i - cx;
      const dy = j - cy;
      const u = cos * dx + sin * dy;
      const y = cy - sin * dx + cos * dy;
      const au = Math.abs(u);
      let attenuation = 0;
      let label = 0;
      if (au < bodyHalf) {
        const thickness = Math.sqrt(1 - (u / bodyHalf) ** 2);
        attenuation = thickness;
        const dome = u < 0 ? domeRight : domeLeft;
        const lat = lateral(y);
        const bottom = base(au, dome);
        const inLung = au >= mediastinumHalf && au <= lat && y >= apex && y <= bottom;
        const hr = Math.hypot((u - heartCentreU) / heartHalfWidth, (y - heartCentreY) / heartHalfHeight);
        const inThorax = au <= lat && y >= apex && y <= bottom;
        const inHeart = hr <= 1 && inThorax;
        if (inLung) {
          const depth = Math.min(au - mediastinumHalf, lat - au, y - apex, bottom - y);
          attenuation -= 0.7 * thickness * ramp(depth + 0.5, edge);
          const ribY = (((y - apex - 0.25 * ribSpacing * (u / thoraxHalf) ** 2 - ribPhase) % ribSpacing) + ribSpacing) % ribSpacing;
          if (ribY < 0.3 * ribSpacing) attenuation += 0.1;
          label = u < 0 ? RADIOGRAPH_LABELS.lungRight : RADIOGRAPH_LABELS.lungLeft;
        }
        if (inHeart) {
          if (inLung) attenuation += 0.5 * thickness * ramp((1 - hr) * heartHalfWidth + 0.5, 2);
          label = RADIOGRAPH_LABELS.heart;
        }
        if (Math.abs(u) < spineHalf) attenuation += 0.4 * ramp(spineHalf - Math.abs(u), 2);
      }
      const value = (0.05 + 0.6 * attenuation + noise * rng.normal()) * max;
      const clamped = Math.max(0, Math.min(max, Math.round(value)));
      voxels[i + j * cols] = photometric === 'MONOCHROME1' ? max - clamped : clamped;
      labels[i + j * cols] = label;
    }
  }

  const { heartWidthPx, thoracicWidthPx } = measureLabels(labels, cols, rows);
  const ctr = heartWidthPx / thoracicWidthPx;
  const spacing = rng.uniform(350, 430) / cols;
  return {
    volume: {
      geometry: {
        dimensions: [cols, rows, 1],
        spacing: [spacing, spacing, 1],
        origin: [-(cols / 2) * spacing, 0, (rows / 2) * spacing],
        // PA display: columns run to the patient's left (+x LPS), rows to the feet (-z).
        direction: [
          [1, 0, 0],
          [0, 0, -1],
          [0, 1, 0],
        ],
      },
      voxels,
      unit: 'unspecified',
    },
    labels,
    truth: {
      ctr,
      heartWidthPx,
      thoracicWidthPx,
      category: ctr > 0.5 ? 'enlarged' : 'normal',
      rotationDeg,
      photometricInterpretation: photometric,
      bits,
    },
  };
}

/** Truth counted from the label map, on image rows (what a reader measures on the film). */
function measureLabels(labels: Uint8Array, cols: number, rows: number): { heartWidthPx: number; thoracicWidthPx: number } {
  let heartMin = Infinity;
  let heartMax = -Infinity;
  let thoracic = 0;
  for (let j = 0; j < rows; j++) {
    let rightMin = Infinity;
    let leftMax = -Infinity;
    for (let i = 0; i < cols; i++) {
      const l = labels[i + j * cols];
      if (l === RADIOGRAPH_LABELS.heart) {
        heartMin = Math.min(heartMin, i);
        heartMax = Math.max(heartMax, i);
      } else if (l === RADIOGRAPH_LABELS.lungRight) rightMin = Math.min(rightMin, i);
      else if (l === RADIOGRAPH_LABELS.lungLeft) leftMax = Math.max(leftMax, i);
    }
    if (rightMin < leftMax) thoracic = Math.max(thoracic, leftMax - rightMin + 1);
  }
  return { heartWidthPx: heartMax - heartMin + 1, thoracicWidthPx: thoracic };
}
