import type { Vec3 } from '@polyrad/sdk';

/** Share of the rays from the heart's centre that must see its wall (lung, fat) for a shape to be fitted. */
export const HEART_MIN_WALL_SHARE = 0.3;
/** Wall points farther from the centre than this multiple of the median belong to another organ. */
export const HEART_WALL_SPREAD = 1.35;
/** Semi-axes of a fitted ellipsoid that can be a heart, mm. */
export const HEART_SEMI_AXIS_MM: readonly [number, number] = [20, 110];

/** A grid of voxels: its size and voxel spacing (mm); voxel (i, j, k) lies at (i, j, k) x spacing. */
export interface ShapeGrid {
  dims: readonly [number, number, number];
  spacing: readonly [number, number, number];
}

/** Directions of the rays cast from the heart's centre (a Fibonacci sphere). */
const RAY_COUNT = 400;
const RAYS: Vec3[] = Array.from({ length: RAY_COUNT }, (_, n) => {
  const z = 1 - (2 * n + 1) / RAY_COUNT;
  const r = Math.sqrt(1 - z * z);
  const phi = n * Math.PI * (3 - Math.sqrt(5));
  return [r * Math.cos(phi), r * Math.sin(phi), z];
});
/** A ray has left the region once it has been outside for this far (a noise hole inside the heart is not its wall), mm. */
const RAY_EXIT_MM = 2.5;
/** Longest ray, mm: beyond the largest heart's radius. */
const RAY_MAX_MM = 120;

/**
 * The heart's region bounded by its own shape. Where the heart meets lung or fat its wall is seen; where
 * it runs on into tissue (liver under the diaphragm, great vessels, an aneurysm, the spine) the region
 * was only cut where the erosion allowed. Rays from the heart's centre find the seen wall; an ellipsoid
 * fitted to those points (least squares, outliers refitted out) stands for the heart's outline where it
 * was not seen, and the region is kept within it (tissue inside it that the erosion cut off is the heart's). Without enough wall,
 * or a fit that is not a heart-sized ellipsoid, the region is returned as it was.
 */
export function boundToHeartShape(region: Uint8Array, gtissue: Uint8Array, centre: Vec3, grid: ShapeGrid): Uint8Array {
  const seen = seenWall(region, gtissue, centre, grid);
  // a wall far beyond the typical one is another organ's (the liver dome's, ringed by lung), not the heart's
  const distance = (p: Vec3): number => Math.hypot(p[0] - centre[0], p[1] - centre[1], p[2] - centre[2]);
  const typical = median(seen.map(distance));
  const wall = seen.filter((p) => distance(p) <= HEART_WALL_SPREAD * typical);
  if (wall.length < HEART_MIN_WALL_SHARE * RAY_COUNT) return region;
  let fit = fitEllipsoid(wall);
  if (fit) {
    const f = fit;
    const kept = wall.filter((p) => Math.abs(Math.sqrt(Math.max(0, f.q(p))) - 1) <= 0.15);
    if (kept.length >= HEART_MIN_WALL_SHARE * RAY_COUNT) fit = fitEllipsoid(kept);
  }
  if (!fit) return region;
  const [gx, gy, gz] = grid.dims;
  const [sx, sy, sz] = grid.spacing;
  const out = new Uint8Array(region.length);
  for (let gk = 0, c = 0; gk < gz; gk++) {
    for (let gj = 0; gj < gy; gj++) {
      for (let gi = 0; gi < gx; gi++, c++) if ((region[c] || gtissue[c]) && fit.q([gi * sx, gj * sy, gk * sz]) <= 1) out[c] = 1;
    }
  }
  return out;
}

/** Points (mm) where rays from the centre leave the region into lung or fat (not into tissue the region was cut from). */
function seenWall(region: Uint8Array, gtissue: Uint8Array, centre: Vec3, grid: ShapeGrid): Vec3[] {
  const [gx, gy, gz] = grid.dims;
  const [sx, sy, sz] = grid.spacing;
  const step = 0.5 * Math.min(sx, sy, sz);
  const index = (p: Vec3): number => {
    const i = Math.round(p[0] / sx);
    const j = Math.round(p[1] / sy);
    const k = Math.round(p[2] / sz);
    return i < 0 || j < 0 || k < 0 || i >= gx || j >= gy || k >= gz ? -1 : i + j * gx + k * gx * gy;
  };
  const wall: Vec3[] = [];
  for (const d of RAYS) {
    let exitAt = -1;
    let outside = 0;
    let tissueOutside = 0;
    for (let t = 0; t <= RAY_MAX_MM; t += step) {
      const g = index([centre[0] + t * d[0], centre[1] + t * d[1], centre[2] + t * d[2]]);
      if (g >= 0 && region[g]) {
        exitAt = -1;
        outside = tissueOutside = 0;
        continue;
      }
      if (exitAt < 0) exitAt = t;
      outside++;
      if (g >= 0 && gtissue[g]) tissueOutside++;
      if (g < 0 || (t - exitAt) >= RAY_EXIT_MM) break;
    }
    // the wall is seen where the ray left into non-tissue (lung, fat) for most of its way out
    if (exitAt > 0 && outside > 0 && tissueOutside < 0.5 * outside) wall.push([centre[0] + exitAt * d[0], centre[1] + exitAt * d[1], centre[2] + exitAt * d[2]]);
  }
  return wall;
}

/**
 * Least-squares ellipsoid through points (algebraic fit: a x² + b y² + c z² + 2d xy + 2e xz + 2f yz + 2g x
 * + 2h y + 2i z = 1, coordinates relative to the points' mean), as its normalised form q (1 on the
 * surface, 0 at the centre); undefined unless it is an ellipsoid with semi-axes of a heart (HEART_SEMI_AXIS_MM).
 */
export function fitEllipsoid(points: Vec3[]): { q: (p: Vec3) => number } | undefined {
  const mean = [0, 1, 2].map((a) => points.reduce((s, p) => s + p[a], 0) / points.length);
  const ata = Array.from({ length: 9 }, () => new Float64Array(10));
  for (const p of points) {
    const [x, y, z] = [p[0] - mean[0], p[1] - mean[1], p[2] - mean[2]];
    const row = [x * x, y * y, z * z, 2 * x * y, 2 * x * z, 2 * y * z, 2 * x, 2 * y, 2 * z];
    for (let r = 0; r < 9; r++) {
      for (let c = 0; c < 9; c++) ata[r][c] += row[r] * row[c];
      ata[r][9] += row[r];
    }
  }
  const v = solve(ata);
  if (!v) return undefined;
  const M = [
    [v[0], v[3], v[4]],
    [v[3], v[1], v[5]],
    [v[4], v[5], v[2]],
  ];
  const Minv = invert3(M);
  if (!Minv) return undefined;
  const b = [v[6], v[7], v[8]];
  const x0 = [0, 1, 2].map((r) => -(Minv[r][0] * b[0] + Minv[r][1] * b[1] + Minv[r][2] * b[2]));
  // (x - x0)' M (x - x0) = 1 + b' M⁻¹ b
  const scale = 1 + (b[0] * (Minv[0][0] * b[0] + Minv[0][1] * b[1] + Minv[0][2] * b[2]) + b[1] * (Minv[1][0] * b[0] + Minv[1][1] * b[1] + Minv[1][2] * b[2]) + b[2] * (Minv[2][0] * b[0] + Minv[2][1] * b[1] + Minv[2][2] * b[2]));
  if (!(scale > 0)) return undefined;
  // semi-axes from the eigenvalues of M / scale: every one positive and heart-sized
  const eig = symmetricEigenvalues3(M.map((r) => r.map((x) => x / scale)));
  if (eig.some((e) => !(e > 0))) return undefined;
  const semi = eig.map((e) => 1 / Math.sqrt(e));
  if (semi.some((a) => a < HEART_SEMI_AXIS_MM[0] || a > HEART_SEMI_AXIS_MM[1])) return undefined;
  return {
    q: (p) => {
      const d = [p[0] - mean[0] - x0[0], p[1] - mean[1] - x0[1], p[2] - mean[2] - x0[2]];
      let sum = 0;
      for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) sum += d[r] * M[r][c] * d[c];
      return sum / scale;
    },
  };
}

/** Gaussian elimination with partial pivoting of an n x (n+1) augmented system; undefined if singular. */
function solve(a: Float64Array[]): number[] | undefined {
  const n = a.length;
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) pivot = r;
    if (Math.abs(a[pivot][col]) < 1e-12) return undefined;
    [a[col], a[pivot]] = [a[pivot], a[col]];
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = a[r][col] / a[col][col];
      for (let c = col; c <= n; c++) a[r][c] -= f * a[col][c];
    }
  }
  return a.map((row, r) => row[n] / row[r]);
}

function invert3(m: number[][]): number[][] | undefined {
  const [[a, b, c], [d, e, f], [g, h, i]] = m;
  const det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
  if (Math.abs(det) < 1e-18) return undefined;
  return [
    [(e * i - f * h) / det, (c * h - b * i) / det, (b * f - c * e) / det],
    [(f * g - d * i) / det, (a * i - c * g) / det, (c * d - a * f) / det],
    [(d * h - e * g) / det, (b * g - a * h) / det, (a * e - b * d) / det],
  ];
}

/** Eigenvalues of a symmetric 3 x 3 matrix (trigonometric solution of the characteristic cubic). */
function symmetricEigenvalues3(m: number[][]): number[] {
  const p1 = m[0][1] ** 2 + m[0][2] ** 2 + m[1][2] ** 2;
  const q = (m[0][0] + m[1][1] + m[2][2]) / 3;
  if (p1 === 0) return [m[0][0], m[1][1], m[2][2]];
  const p2 = (m[0][0] - q) ** 2 + (m[1][1] - q) ** 2 + (m[2][2] - q) ** 2 + 2 * p1;
  const p = Math.sqrt(p2 / 6);
  const B = m.map((row, r) => row.map((x, c) => (x - (r === c ? q : 0)) / p));
  const detB = B[0][0] * (B[1][1] * B[2][2] - B[1][2] * B[2][1]) - B[0][1] * (B[1][0] * B[2][2] - B[1][2] * B[2][0]) + B[0][2] * (B[1][0] * B[2][1] - B[1][1] * B[2][0]);
  const phi = Math.acos(Math.max(-1, Math.min(1, detB / 2))) / 3;
  const e1 = q + 2 * p * Math.cos(phi);
  const e3 = q + 2 * p * Math.cos(phi + (2 * Math.PI) / 3);
  return [e1, 3 * q - e1 - e3, e3];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor(sorted.length / 2)] : NaN;
}
