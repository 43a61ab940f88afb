import { voxelToPatient, type Vec3, type Volume, IndexQueue } from '@polyrad/sdk';
import { AIR, AIRWAY, AIRWAY_MARGIN, OUTSIDE, TISSUE } from './segmentation-state.js';

/**
 * Trachea and main-bronchus extraction by 3D region growing from a seed found in the most superior
 * slices, following Hu, Hoffman & Reinhardt (IEEE TMI 2001;20(6):490-498): the trachea
 * is the midline air region at the top of the scan; it is grown with a conservative air threshold,
 * and a growth that "explodes" (total volume or area in one slice far beyond an airway's) is taken
 * as leakage into the parenchyma and retried with a lower threshold.
 */

export interface AirwayExtraction {
  /** LPS centroid of the trachea where it was found, or null when none was found */
  seed: Vec3 | null;
  /** voxels marked AIRWAY in the state */
  voxelCount: number;
  /** the growing threshold that was accepted, HU */
  threshold: number | null;
  warnings: string[];
}

export interface AirwayOptions {
  /** thresholds tried in order until one does not leak */
  thresholds?: number[];
  /** leak limits */
  maxVolumeMl?: number;
  maxSliceAreaMm2?: number;
  /** how far from the top of the scan to look for the trachea, mm */
  searchDepthMm?: number;
  /** margin around the lumen excluded from the lungs (airway wall), mm */
  wallMarginMm?: number;
}

/**
 * Finds and grows the airway in `state` (AIR voxels become AIRWAY, their wall margin AIRWAY_MARGIN).
 * `superiorAtHighK` must come from the geometry (feet-first series run the other way).
 */
export function extractAirway(volume: Volume, state: Uint8Array, superiorAtHighK: boolean, options: AirwayOptions = {}): AirwayExtraction {
  const warnings: string[] = [];
  const seed = findTracheaSeed(volume, state, superiorAtHighK, options.searchDepthMm ?? 60);
  if (!seed) {
    warnings.push('trachea not found in the superior slices; airways were not removed from the lung mask');
    return { seed: null, voxelCount: 0, threshold: null, warnings };
  }
  const { geometry } = volume;
  const [sx, sy, sz] = geometry.spacing;
  const maxVoxels = ((options.maxVolumeMl ?? 400) * 1000) / (sx * sy * sz);
  const maxSlice = Math.max(options.maxSliceAreaMm2 ?? 2000, 6 * seed.pixels.length * sx * sy) / (sx * sy);
  for (const threshold of options.thresholds ?? [-950, -970, -990]) {
    const grown = growAirway(volume, state, seed.pixels, threshold, maxVoxels, maxSlice);
    if (grown) {
      markWallMargin(state, geometry.dimensions, geometry.spacing, grown.list, grown.count, options.wallMarginMm ?? 3);
      return { seed: seed.centre, voxelCount: grown.count, threshold, warnings };
    }
  }
  warnings.push('airway region growing leaked at every threshold; airways were not removed from the lung mask');
  return { seed: seed.centre, voxelCount: 0, threshold: null, warnings };
}

interface TracheaSeed {
  pixels: number[];
  centre: Vec3;
}

/**
 * Scans axial slices from the superior end for a compact air region near the body midline with a
 * trachea-like cross-section (30-900 mm²). Lung apices are excluded by being lateral.
 */
function findTracheaSeed(volume: Volume, state: Uint8Array, superiorAtHighK: boolean, depthMm: number): TracheaSeed | null {
  const { geometry } = volume;
  const [nx, ny, nz] = geometry.dimensions;
  const [sx, sy, sz] = geometry.spacing;
  const nxy = nx * ny;
  const pixelMm2 = sx * sy;
  const slices = Math.min(nz, Math.max(3, Math.ceil(depthMm / sz)));
  const seen = new Uint8Array(nxy);
  const queue = new IndexQueue(1 << 12);
  const pixels: number[] = [];
  for (let step = 0; step < slices; step++) {
    const k = superiorAtHighK ? nz - 1 - step : step;
    const base = k * nxy;
    // body extent in this slice, in patient x (the midline is where the trachea is)
    let minI = nx, maxI = -1, minJ = ny, maxJ = -1;
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++) {
        if (state[base + j * nx + i] !== OUTSIDE) {
          if (i < minI) minI = i;
          if (i > maxI) maxI = i;
          if (j < minJ) minJ = j;
          if (j > maxJ) maxJ = j;
        }
      }
    }
    if (maxI < 0) continue;
    const c0 = voxelToPatient(geometry, minI, minJ, k);
    const c1 = voxelToPatient(geometry, maxI, maxJ, k);
    const midX = (c0[0] + c1[0]) / 2;
    const width = Math.abs(c1[0] - c0[0]);
    seen.fill(0);
    let best: TracheaSeed | null = null;
    for (let s = 0; s < nxy; s++) {
      if (seen[s] || state[base + s] !== AIR) continue;
      pixels.length = 0;
      seen[s] = 1;
      queue.clear();
      queue.push(s);
      let sumI = 0, sumJ = 0, bi0 = nx, bi1 = -1, bj0 = ny, bj1 = -1;
      while (queue.size > 0) {
        const q = queue.shift();
        pixels.push(base + q);
        const j = (q / nx) | 0;
        const i = q - j * nx;
        sumI += i;
        sumJ += j;
        if (i < bi0) bi0 = i;
        if (i > bi1) bi1 = i;
        if (j < bj0) bj0 = j;
        if (j > bj1) bj1 = j;
        if (i > 0 && !seen[q - 1] && state[base + q - 1] === AIR) { seen[q - 1] = 1; queue.push(q - 1); }
        if (i < nx - 1 && !seen[q + 1] && state[base + q + 1] === AIR) { seen[q + 1] = 1; queue.push(q + 1); }
        if (j > 0 && !seen[q - nx] && state[base + q - nx] === AIR) { seen[q - nx] = 1; queue.push(q - nx); }
        if (j < ny - 1 && !seen[q + nx] && state[base + q + nx] === AIR) { seen[q + nx] = 1; queue.push(q + nx); }
      }
      const area = pixels.length * pixelMm2;
      if (area < 30 || area > 900) continue;
      const fill = pixels.length / ((bi1 - bi0 + 1) * (bj1 - bj0 + 1));
      const centre = voxelToPatient(geometry, sumI / pixels.length, sumJ / pixels.length, k);
      if (fill < 0.4 || Math.abs(centre[0] - midX) > 0.15 * width) continue;
      if (!best || pixels.length > best.pixels.length) best = { pixels: pixels.slice(), centre };
    }
    if (best) return best;
  }
  return null;
}

/**
 * Breadth-first growth through AIR voxels below `threshold`; the visit list doubles as the queue so a
 * leaking growth can be undone exactly. Returns null (state restored) when it leaks.
 */
function growAirway(
  volume: Volume,
  state: Uint8Array,
  seeds: number[],
  threshold: number,
  maxVoxels: number,
  maxSliceVoxels: number,
): { list: Int32Array; count: number } | null {
  const [nx, ny, nz] = volume.geometry.dimensions;
  const nxy = nx * ny;
  const hu = volume.voxels;
  const perSlice = new Int32Array(nz);
  let list = new Int32Array(1 << 16);
  let count = 0;
  let leaked = false;
  const add = (p: number): void => {
    if (count === list.length) {
      const next = new Int32Array(list.length * 2);
      next.set(list);
      list = next;
    }
    list[count++] = p;
    state[p] = AIRWAY;
    const k = (p / nxy) | 0;
    if (++perSlice[k] > maxSliceVoxels) leaked = true;
  };
  for (const p of seeds) if (state[p] === AIR && hu[p] < threshold) add(p);
  // Grow wave by wave. In a tube each wave front is about one cross-section of the lumen, and the two
  // main bronchi together are about one tracheal cross-section; leaking into parenchyma or emphysema
  // makes the front grow well beyond the trachea's. Then the growth stops and is undone back to the
  // last wave whose front still looked like an airway (explosion control in the spirit of Hu et al.
  // 2001 and Mori K et al., JCAT 1996;20:1-8). Only the trachea and main bronchi need to be found.
  const fronts: number[] = [count];
  const waveStart: number[] = [0];
  let tracheaFront = 0;
  let head = 0;
  while (head < count && !leaked) {
    const waveEnd = count;
    for (; head < waveEnd; head++) {
      if (count > maxVoxels) {
        leaked = true;
        break;
      }
      const p = list[head];
      const k = (p / nxy) | 0;
      const r = p - k * nxy;
      const j = (r / nx) | 0;
      const i = r - j * nx;
      if (i > 0 && state[p - 1] === AIR && hu[p - 1] < threshold) add(p - 1);
      if (i < nx - 1 && state[p + 1] === AIR && hu[p + 1] < threshold) add(p + 1);
      if (j > 0 && state[p - nx] === AIR && hu[p - nx] < threshold) add(p - nx);
      if (j < ny - 1 && state[p + nx] === AIR && hu[p + nx] < threshold) add(p + nx);
      if (k > 0 && state[p - nxy] === AIR && hu[p - nxy] < threshold) add(p - nxy);
      if (k < nz - 1 && state[p + nxy] === AIR && hu[p + nxy] < threshold) add(p + nxy);
    }
    if (leaked) break;
    const front = count - waveEnd;
    if (front === 0) break;
    waveStart.push(waveEnd);
    fronts.push(front);
    if (fronts.length === 12) tracheaFront = [...fronts.slice(2)].sort((x, y) => x - y)[5];
    if (tracheaFront > 0 && front > 2.5 * tracheaFront) {
      let w = fronts.length - 1;
      while (w > 0 && fronts[w] > 1.3 * tracheaFront) w--;
      const keep = waveStart[w] + fronts[w];
      for (let n = keep; n < count; n++) state[list[n]] = AIR;
      count = keep;
      break;
    }
  }
  if (leaked || count === 0) {
    for (let n = 0; n < count; n++) state[list[n]] = AIR;
    return null;
  }
  return { list, count };
}

/** Marks TISSUE/AIR voxels within `radiusMm` of the airway surface as AIRWAY_MARGIN (the airway wall). */
function markWallMargin(
  state: Uint8Array,
  dimensions: readonly [number, number, number],
  spacing: readonly [number, number, number],
  list: Int32Array,
  count: number,
  radiusMm: number,
): void {
  const [nx, ny, nz] = dimensions;
  const nxy = nx * ny;
  const offsets: number[] = [];
  const ri = Math.floor(radiusMm / spacing[0]);
  const rj = Math.floor(radiusMm / spacing[1]);
  const rk = Math.floor(radiusMm / spacing[2]);
  for (let dk = -rk; dk <= rk; dk++)
    for (let dj = -rj; dj <= rj; dj++)
      for (let di = -ri; di <= ri; di++)
        if ((di * spacing[0]) ** 2 + (dj * spacing[1]) ** 2 + (dk * spacing[2]) ** 2 <= radiusMm * radiusMm) offsets.push(di, dj, dk);
  for (let n = 0; n < count; n++) {
    const p = list[n];
    const k = (p / nxy) | 0;
    const r = p - k * nxy;
    const j = (r / nx) | 0;
    const i = r - j * nx;
    for (let o = 0; o < offsets.length; o += 3) {
      const ii = i + offsets[o];
      const jj = j + offsets[o + 1];
      const kk = k + offsets[o + 2];
      if (ii < 0 || jj < 0 || kk < 0 || ii >= nx || jj >= ny || kk >= nz) continue;
      const q = ii + jj * nx + kk * nxy;
      const s = state[q];
      if (s === TISSUE || s === AIR) state[q] = AIRWAY_MARGIN;
    }
  }
}
