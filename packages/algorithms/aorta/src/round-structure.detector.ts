import type { AxialStack } from './axial-stack.js';

/** A disc inscribed in the HU band on one slice: centre (LPS mm) and radius (mm). */
export interface RoundCandidate {
  k: number;
  x: number;
  y: number;
  r: number;
}

export interface SliceScan {
  /** candidates per slice index, largest first */
  candidates: RoundCandidate[][];
  /** per slice: centroid of the body (HU > -400), LPS mm */
  bodyCentre: { x: number; y: number }[];
  /** 1 where the pixel lies at least `erosionMm` inside the HU band (the band eroded in-plane) */
  core: Uint8Array;
}

const INF = 1e20;
const MAX_CANDIDATES = 40;

/**
 * Finds round structures of one HU band on every axial slice: the band's in-plane Euclidean distance
 * transform (Felzenszwalb & Huttenlocher, Theory of Computing 2012) has a local maximum at the centre of
 * each inscribed disc, and its value is the disc radius. For a vessel cut obliquely the inscribed disc
 * is the ellipse's minor axis, which is the true vessel diameter. Hot loops on typed arrays.
 */
export function scanRoundStructures(stack: AxialStack, lo: number, hi: number, minRadiusMm: number, erosionMm: number): SliceScan {
  const { nx, ny, nz } = stack;
  const sx = Math.abs(stack.dx);
  const sy = Math.abs(stack.dy);
  const nxy = nx * ny;
  const voxels = stack.volume.voxels;
  const d2 = new Float64Array(nxy);
  const f = new Float64Array(Math.max(nx, ny));
  const out = new Float64Array(Math.max(nx, ny));
  const v = new Int32Array(Math.max(nx, ny));
  const zb = new Float64Array(Math.max(nx, ny) + 1);
  const core = new Uint8Array(nxy * nz);
  const candidates: RoundCandidate[][] = [];
  const bodyCentre: { x: number; y: number }[] = [];
  const min2 = minRadiusMm * minRadiusMm;
  const erosion2 = erosionMm * erosionMm;

  const rowSum = new Float64Array(nxy);
  for (let k = 0; k < nz; k++) {
    const base = k * nxy;
    let bx = 0;
    let by = 0;
    let bn = 0;
    // 3 x 3 mean first, so image noise does not punch holes into the band; separable: sums along the
    // rows, then of three row sums (the same integer sums as the 3 x 3 window)
    for (let j = 0; j < ny; j++) {
      const row = base + j * nx;
      for (let i = 0; i < nx; i++) rowSum[j * nx + i] = voxels[row + i] + (i > 0 ? voxels[row + i - 1] : 0) + (i < nx - 1 ? voxels[row + i + 1] : 0);
    }
    // the band's bounding box: the distance transform and the peak search need only that and its rim
    let i0 = nx;
    let i1 = -1;
    let j0 = ny;
    let j1 = -1;
    for (let j = 0; j < ny; j++) {
      const nj = 1 + (j > 0 ? 1 : 0) + (j < ny - 1 ? 1 : 0);
      for (let i = 0; i < nx; i++) {
        const p = j * nx + i;
        const sum = rowSum[p] + (j > 0 ? rowSum[p - nx] : 0) + (j < ny - 1 ? rowSum[p + nx] : 0);
        // mean HU = sum / n, compared as sum against n x threshold (no division per pixel)
        const n = (1 + (i > 0 ? 1 : 0) + (i < nx - 1 ? 1 : 0)) * nj;
        if (sum >= lo * n && sum <= hi * n) {
          d2[p] = INF;
          if (i < i0) i0 = i;
          if (i > i1) i1 = i;
          if (j < j0) j0 = j;
          if (j > j1) j1 = j;
        } else d2[p] = 0;
        if (sum > -400 * n) {
          bx += i;
          by += j;
          bn++;
        }
      }
    }
    bodyCentre.push(bn > 0 ? { x: stack.x0 + (bx / bn) * stack.dx, y: stack.y0 + (by / bn) * stack.dy } : { x: NaN, y: NaN });
    if (i1 < 0) {
      candidates.push([]);
      continue;
    }
    // outside the box every pixel is out of the band, so its rim holds each band pixel's nearest one
    i0 = Math.max(0, i0 - 1);
    i1 = Math.min(nx - 1, i1 + 1);
    j0 = Math.max(0, j0 - 1);
    j1 = Math.min(ny - 1, j1 + 1);
    // squared distance: columns (along j), then rows (along i)
    for (let i = i0; i <= i1; i++) {
      for (let j = j0; j <= j1; j++) f[j - j0] = d2[j * nx + i];
      distance1d(f, j1 - j0 + 1, j0, sy, out, v, zb);
      for (let j = j0; j <= j1; j++) d2[j * nx + i] = out[j - j0];
    }
    for (let j = j0; j <= j1; j++) {
      const row = j * nx;
      for (let i = i0; i <= i1; i++) f[i - i0] = d2[row + i];
      distance1d(f, i1 - i0 + 1, i0, sx, out, v, zb);
      for (let i = i0; i <= i1; i++) d2[row + i] = out[i - i0];
    }
    const found: RoundCandidate[] = [];
    const peaks: number[] = [];
    for (let j = Math.max(1, j0); j <= Math.min(ny - 2, j1); j++) {
      for (let i = Math.max(1, i0); i <= Math.min(nx - 2, i1); i++) {
        const p = j * nx + i;
        const d = d2[p];
        if (d >= erosion2) core[base + p] = 1;
        if (d < min2) continue;
        if (d >= d2[p - 1] && d >= d2[p + 1] && d >= d2[p - nx] && d >= d2[p + nx] && d >= d2[p - nx - 1] && d >= d2[p - nx + 1] && d >= d2[p + nx - 1] && d >= d2[p + nx + 1]) {
          peaks.push(p);
        }
      }
    }
    peaks.sort((a, b) => d2[b] - d2[a]);
    // non-maximum suppression: a plateau or ridge yields one candidate per ~0.7 radius
    for (const p of peaks) {
      const x = stack.x0 + (p % nx) * stack.dx;
      const y = stack.y0 + Math.floor(p / nx) * stack.dy;
      const r = Math.sqrt(d2[p]);
      if (found.some((c) => Math.hypot(c.x - x, c.y - y) < 0.7 * Math.max(c.r, r))) continue;
      found.push({ k, x, y, r });
      if (found.length >= MAX_CANDIDATES) break;
    }
    candidates.push(found);
  }
  return { candidates, bodyCentre, core };
}

/** 1-D squared distance transform of f sampled every h mm from index `first` on (lower envelope of parabolas). */
function distance1d(f: Float64Array, n: number, first: number, h: number, out: Float64Array, v: Int32Array, z: Float64Array): void {
  let k = 0;
  v[0] = 0;
  z[0] = -INF;
  z[1] = INF;
  for (let q = 1; q < n; q++) {
    const pq = (q + first) * h;
    let s: number;
    for (;;) {
      const pv = (v[k] + first) * h;
      s = (f[q] + pq * pq - (f[v[k]] + pv * pv)) / (2 * (pq - pv));
      if (s <= z[k] && k > 0) k--;
      else break;
    }
    k++;
    v[k] = q;
    z[k] = s;
    z[k + 1] = INF;
  }
  k = 0;
  for (let q = 0; q < n; q++) {
    const pq = (q + first) * h;
    while (z[k + 1] < pq) k++;
    const d = pq - (v[k] + first) * h;
    out[q] = d * d + f[v[k]];
  }
}
