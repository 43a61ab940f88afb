import type { Volume } from '@polyrad/sdk';

/** cortical bone: above contrast-enhanced blood (~200-400 HU) and trabecular bone */
export const DENSE_BONE_HU = 400;
export const RAYS = 32;
/** inner cortical outline of a body lies this far from its centre (canal ring: ~7-8 mm) */
export const MIN_RING_MM = 9.5;
const MAX_RING_MM = 32;
/** trabecular bone bright enough to outline a body without a dense cortex, and what lies outside it */
const BONE_MEAN_HU = 120;
const OUTSIDE_HU = 60;
/**
 * A thin cortex (~1 mm) around osteoporotic bone (80-110 HU) reaches neither DENSE_BONE_HU after the 1.5 mm
 * smoothing nor leaves a bright inside: it still stands out as a rim of at least RIM_HU, RIM_STEP_HU above
 * what the ray crossed before it (a contrast-filled vessel's wall is darker than its blood, so it has none).
 */
const RIM_HU = 200;
const RIM_STEP_HU = 120;
/** the posterior arch lies 15-45 mm behind the body centre; its dense bone tells a body from a bright vessel */
const ARCH_FROM_MM = 15;
const ARCH_TO_MM = 45;
const ARCH_BONUS = 8;

/** the best ring centre of a search box: score (rays + arch bonus), rays meeting the ring, voxel position */
export interface RingCentre {
  score: number;
  rays: number;
  ci: number;
  cj: number;
}

/**
 * The ring search on axial slices: a vertebral body is the point around which rays cast in every
 * direction meet its outline 9.5-32 mm out (dense cortex, or bright bone giving way to soft tissue),
 * with dense bone 15-45 mm behind it (the posterior arch). The search keeps one slice's dense-bone map
 * at a time, so its functions are used slice by slice.
 */
export interface RingSearch {
  /**
   * the candidate centre in slice k (soft tissue or trabecular HU, not dense) with the most rays meeting a
   * ring 9.5-32 mm out, on a grid of `stepMm` over [i0, i1] x [j0, j1]; `hint` (the previous slice's centre)
   * is scored first so candidates that cannot reach it stop early, which changes the time, never the result
   */
  bestCentre(k: number, i0: number, i1: number, j0: number, j1: number, stepMm: number, hint?: { ci: number; cj: number }): RingCentre;
  /** median outline distance (mm) over ray a and its two neighbours from (ci, cj) on the slice last searched; Infinity when none */
  outlineAt(ci: number, cj: number, a: number): number;
  /** where the cortex along ray a ends again (first non-dense sample after `from`), mm */
  exitAfter(ci: number, cj: number, a: number, from: number): number;
  /**
   * share of the rays from voxel (ci, cj) of slice k whose outline carries a cortex: a rim brighter than
   * the inside; a vertebral body has a cortex all round, a contrast-filled vessel (its wall darker than
   * its blood) none
   */
  corticalShare(k: number, ci: number, cj: number): number;
}

export function createRingSearch(volume: Volume): RingSearch {
  const { geometry, voxels } = volume;
  const [nx, ny] = geometry.dimensions;
  const [sx, sy] = geometry.spacing;
  const nxy = nx * ny;
  // +1 when j increases towards the patient's back
  const posteriorSign = Math.sign(geometry.direction[1][1]);
  const smoothI = Math.round(0.75 / sx);
  const smoothJ = Math.round(0.75 / sy);
  const rayStep = Math.max(0.5, Math.min(sx, sy) / 2);
  const cos = Array.from({ length: RAYS }, (_, a) => Math.cos((2 * Math.PI * a) / RAYS));
  const sin = Array.from({ length: RAYS }, (_, a) => Math.sin((2 * Math.PI * a) / RAYS));
  const reachI = Math.ceil(MAX_RING_MM / sx) + 1;
  const reachJ = Math.ceil(Math.max(MAX_RING_MM, ARCH_TO_MM) / sy) + 1;
  const dense = new Uint8Array(nxy);
  const smooth = new Float32Array(nxy);
  // summed-area table of `dense` over the window, for the posterior-arch box
  const denseSat = new Float64Array((nx + 1) * (ny + 1));
  // window of the current dense map
  let wi0 = 0;
  let wi1 = -1;
  let wj0 = 0;
  let wj1 = -1;
  /** dense-bone map of slice k around candidate centres [i0, i1] x [j0, j1], on a ~1.5 mm box-smoothed slice so single noisy voxels do not count */
  const prepare = (k: number, i0: number, i1: number, j0: number, j1: number): void => {
    wi0 = Math.max(0, i0 - reachI);
    wi1 = Math.min(nx - 1, i1 + reachI);
    wj0 = Math.max(0, j0 - reachJ);
    wj1 = Math.min(ny - 1, j1 + reachJ);
    const base = k * nxy;
    // hot loop on the typed arrays
    for (let j = wj0; j <= wj1; j++) {
      for (let i = wi0; i <= wi1; i++) {
        let sum = 0;
        let n = 0;
        for (let b = -smoothJ; b <= smoothJ; b++) {
          const jj = Math.min(ny - 1, Math.max(0, j + b));
          for (let a = -smoothI; a <= smoothI; a++) {
            sum += voxels[base + jj * nx + Math.min(nx - 1, Math.max(0, i + a))];
            n++;
          }
        }
        smooth[i + j * nx] = sum / n;
        dense[i + j * nx] = sum / n >= DENSE_BONE_HU ? 1 : 0;
      }
    }
    for (let j = wj0; j <= wj1; j++) {
      let row = 0;
      for (let i = wi0; i <= wi1; i++) {
        row += dense[i + j * nx];
        denseSat[i + 1 + (j + 1) * (nx + 1)] = denseSat[i + 1 + j * (nx + 1)] + row;
      }
    }
  };
  /** dense voxels in [i0, i1] x [j0, j1], clipped to the window */
  const denseIn = (i0: number, i1: number, j0: number, j1: number): number => {
    i0 = Math.max(wi0, i0);
    j0 = Math.max(wj0, j0);
    i1 = Math.min(wi1, i1);
    j1 = Math.min(wj1, j1);
    if (i1 < i0 || j1 < j0) return 0;
    const w = nx + 1;
    return denseSat[i1 + 1 + (j1 + 1) * w] - denseSat[i0 + (j1 + 1) * w] - denseSat[i1 + 1 + j0 * w] + denseSat[i0 + j0 * w];
  };
  const archHalfI = Math.round(10 / sx);
  const archArea = 40 / (sx * sy);
  /** 0-ARCH_BONUS: dense bone (the posterior arch) 15-45 mm behind a candidate centre */
  const archBonus = (ci: number, cj: number): number => {
    const near = cj + (posteriorSign * ARCH_FROM_MM) / sy;
    const far = cj + (posteriorSign * ARCH_TO_MM) / sy;
    const count = denseIn(ci - archHalfI, ci + archHalfI, Math.round(Math.min(near, far)), Math.round(Math.max(near, far)));
    return ARCH_BONUS * Math.min(1, count / archArea);
  };
  const isDense = (fi: number, fj: number): boolean => {
    const i = Math.round(fi);
    const j = Math.round(fj);
    return i >= wi0 && i <= wi1 && j >= wj0 && j <= wj1 && dense[i + j * nx] === 1;
  };
  // the samples along every ray, in voxels, computed once: the ray search is the hot loop
  const raySamples: number[] = [];
  for (let r = 0; r <= MAX_RING_MM; r += rayStep) raySamples.push(r);
  const rayI = new Float64Array(RAYS * raySamples.length);
  const rayJ = new Float64Array(RAYS * raySamples.length);
  for (let a = 0, q = 0; a < RAYS; a++) {
    for (const r of raySamples) {
      rayI[q] = (r * cos[a]) / sx;
      rayJ[q++] = (r * sin[a]) / sy;
    }
  }
  /**
   * Distance (mm) along ray a from (ci, cj) to the body outline: the first dense sample (the inner
   * side of a cortical ring), the first rim well above what the ray crossed (a thin cortex), or where bright bone (mean >= BONE_MEAN_HU so far) gives way to soft
   * tissue, fat or air (< OUTSIDE_HU for 1.5 mm) when the cortex is too thin to reach DENSE_BONE_HU.
   * Infinity when neither happens within MAX_RING_MM.
   */
  const firstHit = (ci: number, cj: number, a: number): number => {
    let sum = 0;
    let n = 0;
    let outside = 0;
    for (let s = 0, q = a * raySamples.length; s < raySamples.length; s++, q++) {
      const r = raySamples[s];
      const i = Math.round(ci + rayI[q]);
      const j = Math.round(cj + rayJ[q]);
      if (i < wi0 || i > wi1 || j < wj0 || j > wj1) return Infinity;
      const p = i + j * nx;
      if (dense[p] === 1) return r;
      if (n > 0 && smooth[p] >= RIM_HU && smooth[p] >= sum / n + RIM_STEP_HU) return r;
      if (smooth[p] < OUTSIDE_HU) {
        if (++outside === 3) {
          const exit = r - 2 * rayStep;
          if (n > 0 && sum / n >= BONE_MEAN_HU) return exit;
        }
      } else {
        outside = 0;
      }
      sum += smooth[p];
      n++;
    }
    return Infinity;
  };
  /** median outline distance over ray a and its two neighbours, ignoring rays that find none */
  const outlineAt = (ci: number, cj: number, a: number): number => {
    const found = [a - 1, a, a + 1].map((b) => firstHit(ci, cj, (b + RAYS) % RAYS)).filter((r) => r < Infinity);
    return found.length === 0 ? Infinity : median(found);
  };
  /** where the cortex along ray a ends again (first non-dense sample after `from`), mm */
  const exitAfter = (ci: number, cj: number, a: number, from: number): number => {
    let r = from;
    while (r <= MAX_RING_MM + 10 && isDense(ci + (r * cos[a]) / sx, cj + (r * sin[a]) / sy)) r += rayStep;
    return r;
  };
  /**
   * the candidate centre in slice k (soft tissue or trabecular HU, not dense) with the most rays meeting a
   * ring 9.5-32 mm out. A `hint` on the same search grid (the previous slice's centre) is scored first:
   * candidates that can no longer reach its score stop after a few rays. Ties still go to the first
   * candidate in scan order, so the hint changes the time taken, never the result.
   */
  const bestCentre = (k: number, i0: number, i1: number, j0: number, j1: number, stepMm: number, hint?: { ci: number; cj: number }): { score: number; rays: number; ci: number; cj: number } => {
    i0 = Math.max(0, i0);
    j0 = Math.max(0, j0);
    i1 = Math.min(nx - 1, i1);
    j1 = Math.min(ny - 1, j1);
    prepare(k, i0, i1, j0, j1);
    const best = { score: -RAYS, rays: 0, ci: -1, cj: -1 };
    const stepI = Math.max(1, Math.round(stepMm / sx));
    const stepJ = Math.max(1, Math.round(stepMm / sy));
    const isCandidate = (ci: number, cj: number): boolean => dense[ci + cj * nx] !== 1 && voxels[k * nxy + cj * nx + ci] >= -200;
    /** rays meeting the ring at (ci, cj); -Infinity once rays + bonus can neither exceed `beat` nor reach `reach` */
    const raysAt = (ci: number, cj: number, bonus: number, beat: number, reach: number): number => {
      let rays = 0;
      for (let a = 0; a < RAYS; a++) {
        const r = firstHit(ci, cj, a);
        if (r >= MIN_RING_MM && r < Infinity) rays++;
        else if (r < MIN_RING_MM) rays -= 0.5;
        const bound = rays + bonus + (RAYS - 1 - a);
        // the margin keeps a candidate that ties the hint up to rounding
        if (bound <= beat || bound < reach - 1e-9) return -Infinity;
      }
      return rays;
    };
    let reach = -Infinity;
    if (hint && hint.ci >= i0 && hint.ci <= i1 && hint.cj >= j0 && hint.cj <= j1 && (hint.ci - i0) % stepI === 0 && (hint.cj - j0) % stepJ === 0 && isCandidate(hint.ci, hint.cj)) {
      const bonus = archBonus(hint.ci, hint.cj);
      reach = raysAt(hint.ci, hint.cj, bonus, -Infinity, -Infinity) + bonus;
    }
    for (let cj = j0; cj <= j1; cj += stepJ) {
      for (let ci = i0; ci <= i1; ci += stepI) {
        if (!isCandidate(ci, cj)) continue;
        const bonus = archBonus(ci, cj);
        const rays = raysAt(ci, cj, bonus, best.score, reach);
        if (rays + bonus > best.score) Object.assign(best, { score: rays + bonus, rays, ci, cj });
      }
    }
    return best;
  };
  // a ray's outline is cortex when the rim within 2 mm of it is brighter than the body's inside by this much
  // (a 1 mm cortex of 400-900 HU still stands out over trabecular bone after partial volume and the 1.5 mm
  // smoothing; a vessel's rim is its own blood, within the smoothed noise of its inside)
  const RIM_CONTRAST_HU = 50;
  const corticalShare = (k: number, ci: number, cj: number): number => {
    const i0 = Math.round(ci);
    const j0 = Math.round(cj);
    prepare(k, i0, i0, j0, j0);
    const at = (r: number, a: number): number => {
      const i = Math.round(i0 + (r * cos[a]) / sx);
      const j = Math.round(j0 + (r * sin[a]) / sy);
      return i < wi0 || i > wi1 || j < wj0 || j > wj1 ? NaN : smooth[i + j * nx];
    };
    let cortical = 0;
    for (let a = 0; a < RAYS; a++) {
      const r = firstHit(i0, j0, a);
      if (r === Infinity) continue;
      let inside = 0;
      let n = 0;
      for (let t = 0; t <= r / 2; t += rayStep) {
        const v = at(t, a);
        if (!Number.isNaN(v)) {
          inside += v;
          n++;
        }
      }
      let rim = -Infinity;
      for (let t = Math.max(0, r - 2); t <= r + 2; t += rayStep) {
        const v = at(t, a);
        if (v > rim) rim = v;
      }
      if (n > 0 && rim - inside / n >= RIM_CONTRAST_HU) cortical++;
    }
    return cortical / RAYS;
  };
  return { bestCentre, outlineAt, exitAfter, corticalShare };
}

function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
