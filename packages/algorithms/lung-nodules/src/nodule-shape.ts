import { meanDiameterMm } from './lung-rads.classifier.js';

/** Shape and size of voxel sets on a crop grid (index p = i + j nx + k nxy), shared by the solid detector and the subsolid screen. */

/** Principal-axis shape of a voxel set: elongation sqrt(l1/l3) and volume / equivalent-ellipsoid volume. */
export function shapeOf(voxels: Int32Array, nx: number, nxy: number, spacing: number[]): { elongation: number; fill: number } {
  const [sx, sy, sz] = spacing;
  let mx = 0;
  let my = 0;
  let mz = 0;
  for (const p of voxels) {
    const k = Math.floor(p / nxy);
    const j = Math.floor((p - k * nxy) / nx);
    mx += (p - k * nxy - j * nx) * sx;
    my += j * sy;
    mz += k * sz;
  }
  const count = voxels.length;
  mx /= count;
  my /= count;
  mz /= count;
  let xx = 0;
  let yy = 0;
  let zz = 0;
  let xy = 0;
  let xz = 0;
  let yz = 0;
  for (const p of voxels) {
    const k = Math.floor(p / nxy);
    const j = Math.floor((p - k * nxy) / nx);
    const x = (p - k * nxy - j * nx) * sx - mx;
    const y = j * sy - my;
    const z = k * sz - mz;
    xx += x * x;
    yy += y * y;
    zz += z * z;
    xy += x * y;
    xz += x * z;
    yz += y * z;
  }
  // each voxel is a box, not a point: its own variance s²/12 per axis keeps one-slice objects finite
  const [l1, l2, l3] = symmetricEigenvalues(xx / count + (sx * sx) / 12, yy / count + (sy * sy) / 12, zz / count + (sz * sz) / 12, xy / count, xz / count, yz / count);
  const ellipsoid = (4 / 3) * Math.PI * Math.sqrt(125 * l1 * l2 * l3);
  return { elongation: Math.sqrt(l1 / l3), fill: (count * sx * sy * sz) / ellipsoid };
}

/** Eigenvalues of a symmetric 3x3 matrix, largest first (Smith OK, Commun ACM 1961;4:168). */
export function symmetricEigenvalues(a11: number, a22: number, a33: number, a12: number, a13: number, a23: number): [number, number, number] {
  const p1 = a12 * a12 + a13 * a13 + a23 * a23;
  const q = (a11 + a22 + a33) / 3;
  const p2 = (a11 - q) ** 2 + (a22 - q) ** 2 + (a33 - q) ** 2 + 2 * p1;
  if (p2 < 1e-12) return [q, q, q];
  const p = Math.sqrt(p2 / 6);
  const b11 = (a11 - q) / p;
  const b22 = (a22 - q) / p;
  const b33 = (a33 - q) / p;
  const b12 = a12 / p;
  const b13 = a13 / p;
  const b23 = a23 / p;
  const det = b11 * (b22 * b33 - b23 * b23) - b12 * (b12 * b33 - b23 * b13) + b13 * (b12 * b23 - b22 * b13);
  const phi = Math.acos(Math.max(-1, Math.min(1, det / 2))) / 3;
  const e1 = q + 2 * p * Math.cos(phi);
  const e3 = q + 2 * p * Math.cos(phi + (2 * Math.PI) / 3);
  return [e1, 3 * q - e1 - e3, e3];
}

/** Centroid (crop voxel indices) and the axial long/short axes on the slice of greatest area. */
export function measure(voxels: number[], nx: number, nxy: number, spacing: number[]): { ci: number; cj: number; ck: number; longAxisMm: number; shortAxisMm: number; meanDiameterMm: number } {
  const [sx, sy] = spacing;
  const area = new Map<number, number>();
  let ci = 0;
  let cj = 0;
  let ck = 0;
  for (const p of voxels) {
    const k = Math.floor(p / nxy);
    const j = Math.floor((p - k * nxy) / nx);
    ci += p - k * nxy - j * nx;
    cj += j;
    ck += k;
    area.set(k, (area.get(k) ?? 0) + 1);
  }
  const largest = [...area.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0][0];
  const xs: number[] = [];
  const ys: number[] = [];
  for (const p of voxels) {
    if (Math.floor(p / nxy) !== largest) continue;
    const rest = p - largest * nxy;
    xs.push((rest % nx) * sx);
    ys.push(Math.floor(rest / nx) * sy);
  }
  // extent along each direction in 0.5 degree steps; the longest is the long axis
  const pixel = (sx + sy) / 2;
  const extent = (theta: number): number => {
    const ux = Math.cos(theta);
    const uy = Math.sin(theta);
    let min = Infinity;
    let max = -Infinity;
    for (let m = 0; m < xs.length; m++) {
      const t = xs[m] * ux + ys[m] * uy;
      if (t < min) min = t;
      if (t > max) max = t;
    }
    return max - min + pixel;
  };
  let longAxisMm = 0;
  let best = 0;
  for (let step = 0; step < 360; step++) {
    const e = extent((step * Math.PI) / 360);
    if (e > longAxisMm) {
      longAxisMm = e;
      best = (step * Math.PI) / 360;
    }
  }
  const shortAxisMm = extent(best + Math.PI / 2);
  const count = voxels.length;
  return { ci: ci / count, cj: cj / count, ck: ck / count, longAxisMm, shortAxisMm, meanDiameterMm: meanDiameterMm(longAxisMm, shortAxisMm) };
}
