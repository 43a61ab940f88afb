import { PolyradError, voxelToPatient, type LabelMask, type Vec3, type Volume, squaredDistanceTransform } from '@polyrad/sdk';
import { buildLungHull } from './lung-hull.builder.js';
import { meanDiameterMm } from './lung-rads.classifier.js';

/**
 * Solid lung nodule detection by multiscale morphological opening and 3D shape.
 *
 * 1. Search region: the lung mask closed with a 15 mm ball and with its cavities filled (buildLungHull),
 *    so nodules inside the lung and on the pleura are included while chest wall, mediastinum and the
 *    liver dome are not.
 * 2. Solid voxels: >= -400 HU inside that region, about half way between aerated lung (~-850 HU) and
 *    soft tissue (~+40 HU), i.e. the half-maximum edge of a solid nodule.
 * 3. Vessels and nodules touch, so solid voxels are opened with balls of growing radius r (granulometry:
 *    Serra J, "Image Analysis and Mathematical Morphology", 1982). An opening keeps every shape that is
 *    a union of r-balls: a nodule of radius R > r survives whole while vessels thinner than r vanish, so
 *    a nodule comes apart from its vessels at the first scale above their radius. Openings come from two
 *    exact Euclidean distance maps (erode: distance > r; dilate back: distance <= r).
 * 4. At each scale every 3D component is judged by shape, the way a reader scrolls through slices:
 *    vessels are tubes (one long principal axis) or branching trees, a nodule is a compact blob. From the
 *    principal axes of the component (covariance eigenvalues, voxels counted as boxes) it must have
 *    elongation sqrt(l1/l3) <= 2 and fill its equivalent ellipsoid (volume / (4/3 pi a b c) >= 0.6, with
 *    a = sqrt(5 l1) as for a solid ellipsoid) so trees fail; and at least half of its surface must face
 *    aerated lung, so structures in the hilum or the chest wall that the closing let in do not count.
 *    Aliasing leaves short pieces of vessels about as thick as r; a nodule must be at least a pixel
 *    thicker (inscribed radius, measured from aerated lung only so a pleural nodule is as deep as it is
 *    thick) than r, unless it is a round, full piece of at least two r-balls that is half a pixel thicker
 *    than the vessel it joins (a small nodule on a vessel nearly as thick, which comes apart just below
 *    its own radius). Accepted components are claimed; coarser scales only see what finer ones left.
 * Thin-slice scans (pixels finer than `searchVoxelMm`) are searched on a grid of whole blocks of voxels
 *    about that size (mean HU, majority lung label): nodules from 4 mm still span several voxels, and the
 *    distance maps, which take nearly all of the time, shrink with the voxel count. Each nodule found there
 *    is measured on the full-resolution grid: its solid voxels inside the blocks it covers.
 * 5. Measurement (Lung-RADS v2022, Fleischner: Bankier AA et al., Radiology 2017;285:584-600): on the
 *    axial slice where the nodule is largest, long axis = longest extent, short axis = extent at right
 *    angles to it, each between pixel centres plus one pixel spacing; volume = voxel count x voxel
 *    volume; centre = centroid in LPS.
 * Hot loops run on typed arrays by hand.
 */

export interface NoduleDetectionOptions {
  solidThresholdHu?: number;
  /** opening radii, mm, finest first */
  scalesMm?: number[];
  /** smallest mean diameter reported, mm (smaller solid nodules are not reported) */
  minMeanDiameterMm?: number;
  /** largest equivalent-sphere diameter of a candidate, mm (above: a mass or an organ, not a nodule) */
  maxEquivalentDiameterMm?: number;
  maxElongation?: number;
  minEllipsoidFill?: number;
  minAirContact?: number;
  /** how much thicker than the opening ball (inscribed radius, in pixels of the scan) a nodule must be */
  depthMarginPixels?: number;
  closingRadiusMm?: number;
  /** finest voxel edge of the search grid, mm: finer pixels are searched in blocks (measured at full resolution) */
  searchVoxelMm?: number;
}

export interface DetectedNodule {
  /** LPS centroid, mm */
  center: Vec3;
  side: 'left' | 'right';
  longAxisMm: number;
  shortAxisMm: number;
  /** (long + short) / 2 to one decimal */
  meanDiameterMm: number;
  volumeMm3: number;
  voxelCount: number;
  /** opening radius at which it came apart from its surroundings, mm */
  scaleMm: number;
  elongation: number;
}

export interface NoduleDetection {
  nodules: DetectedNodule[];
  /** compact candidates below the reporting size */
  belowSize: number;
}

const DEFAULTS: Required<NoduleDetectionOptions> = {
  solidThresholdHu: -400,
  scalesMm: [1.5, 2, 2.5, 3, 4, 5, 7],
  minMeanDiameterMm: 4,
  maxEquivalentDiameterMm: 40,
  maxElongation: 2,
  minEllipsoidFill: 0.6,
  minAirContact: 0.5,
  depthMarginPixels: 1,
  closingRadiusMm: 15,
  searchVoxelMm: 1.25,
};

export function detectNodules(volume: Volume, mask: LabelMask, options: NoduleDetectionOptions = {}): NoduleDetection {
  const o = { ...DEFAULTS, ...options };
  const { geometry } = volume;
  const [NX, NY, NZ] = geometry.dimensions;
  if (mask.labels.length !== volume.voxels.length || mask.geometry.dimensions.some((d, i) => d !== geometry.dimensions[i])) {
    throw new PolyradError('MASK_INVALID', 'the lung mask is not on the grid of the series volume');
  }
  const sideOf = new Map<number, 'left' | 'right'>();
  for (const [value, name] of Object.entries(mask.labelNames)) {
    if (name === 'lung.right') sideOf.set(Number(value), 'right');
    if (name === 'lung.left') sideOf.set(Number(value), 'left');
  }
  if (sideOf.size !== 2) throw new PolyradError('MASK_INVALID', 'the lung mask must name a lung.right and a lung.left label');

  // ---- crop to the lungs plus room for the closing ----
  const [sx, sy, sz] = geometry.spacing;
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-1, -1, -1];
  const isLung = new Uint8Array(256);
  for (const value of sideOf.keys()) isLung[value] = 1;
  for (let k = 0, p = 0; k < NZ; k++) {
    for (let j = 0; j < NY; j++) {
      for (let i = 0; i < NX; i++, p++) {
        if (!isLung[mask.labels[p]]) continue;
        if (i < lo[0]) lo[0] = i;
        if (i > hi[0]) hi[0] = i;
        if (j < lo[1]) lo[1] = j;
        if (j > hi[1]) hi[1] = j;
        if (k < lo[2]) lo[2] = k;
        if (k > hi[2]) hi[2] = k;
      }
    }
  }
  if (hi[0] < 0) return { nodules: [], belowSize: 0 };
  const margin = [Math.ceil(o.closingRadiusMm / sx) + 1, Math.ceil(o.closingRadiusMm / sy) + 1, Math.ceil(o.closingRadiusMm / sz) + 1];
  for (let d = 0; d < 3; d++) {
    lo[d] = Math.max(0, lo[d] - margin[d]);
    hi[d] = Math.min(geometry.dimensions[d] - 1, hi[d] + margin[d]);
  }
  const cropDims = [hi[0] - lo[0] + 1, hi[1] - lo[1] + 1, hi[2] - lo[2] + 1];
  const cropLabels = new Uint8Array(cropDims[0] * cropDims[1] * cropDims[2]);
  const cropHu = new Float32Array(cropLabels.length);
  for (let k = 0, p = 0; k < cropDims[2]; k++) {
    for (let j = 0; j < cropDims[1]; j++) {
      const src = (k + lo[2]) * NX * NY + (j + lo[1]) * NX + lo[0];
      for (let i = 0; i < cropDims[0]; i++, p++) {
        cropLabels[p] = mask.labels[src + i];
        cropHu[p] = volume.voxels[src + i];
      }
    }
  }
  const fine = { dims: cropDims, spacing: [sx, sy, sz], labels: cropLabels, hu: cropHu };
  const block = fine.spacing.map((s) => Math.max(1, Math.floor(o.searchVoxelMm / s + 1e-6)));
  const search = block.every((b) => b === 1) ? fine : blockAverage(fine, block, [...sideOf.keys()]);
  const [nx, ny, nz] = search.dims;
  const nxy = nx * ny;
  const n = nxy * nz;
  const { spacing, labels, hu } = search;
  const [gx, gy, gz] = spacing;

  const hull = buildLungHull(labels, [nx, ny, nz], spacing, [...sideOf.keys()], { closingRadiusMm: o.closingRadiusMm, maxHoleVolumeMm3: 40_000 });
  // depth = distance to aerated lung only: a nodule on the pleura is as deep as it is thick, not cut in
  // half by the chest wall behind it
  const solid = new Uint8Array(n);
  const air = new Uint8Array(n);
  for (let p = 0; p < n; p++) {
    solid[p] = hull[p] !== 0 && hu[p] >= o.solidThresholdHu ? 1 : 0;
    air[p] = hull[p] !== 0 && !solid[p] ? 1 : 0;
  }
  const depth2 = squaredDistanceTransform(air, [nx, ny, nz], spacing);

  const claimed = new Uint8Array(n);
  const opened = new Uint8Array(n);
  const seeds = new Uint8Array(n);
  const queue = new Int32Array(n);
  const voxelMm3 = gx * gy * gz;
  const pixel = Math.min(gx, gy);
  const nodules: DetectedNodule[] = [];
  let belowSize = 0;
  for (const r of o.scalesMm) {
    const r2 = r * r;
    // seeds (the erosion) and their bounding box: the dilation back reaches only r beyond it, so its
    // distance map is needed on that box alone (exact there: every seed lies inside)
    const from = [nx, ny, nz];
    const to = [-1, -1, -1];
    for (let k = 0, p = 0; k < nz; k++) {
      for (let j = 0; j < ny; j++) {
        for (let i = 0; i < nx; i++, p++) {
          seeds[p] = solid[p] && depth2[p] > r2 ? 1 : 0;
          if (!seeds[p]) continue;
          if (i < from[0]) from[0] = i;
          if (i > to[0]) to[0] = i;
          if (j < from[1]) from[1] = j;
          if (j > to[1]) to[1] = j;
          if (k < from[2]) from[2] = k;
          if (k > to[2]) to[2] = k;
        }
      }
    }
    if (to[0] < 0) break;
    for (let d = 0; d < 3; d++) {
      from[d] = Math.max(0, from[d] - Math.ceil(r / spacing[d]));
      to[d] = Math.min(search.dims[d] - 1, to[d] + Math.ceil(r / spacing[d]));
    }
    const box = [to[0] - from[0] + 1, to[1] - from[1] + 1, to[2] - from[2] + 1];
    const boxSeeds = new Uint8Array(box[0] * box[1] * box[2]);
    for (let k = 0, b = 0; k < box[2]; k++) {
      for (let j = 0; j < box[1]; j++) {
        const row = from[0] + (j + from[1]) * nx + (k + from[2]) * nxy;
        for (let i = 0; i < box[0]; i++, b++) boxSeeds[b] = seeds[row + i];
      }
    }
    const reach2 = squaredDistanceTransform(boxSeeds, box, spacing);
    opened.fill(0);
    for (let k = 0, b = 0; k < box[2]; k++) {
      for (let j = 0; j < box[1]; j++) {
        const row = from[0] + (j + from[1]) * nx + (k + from[2]) * nxy;
        for (let i = 0; i < box[0]; i++, b++) opened[row + i] = solid[row + i] && reach2[b] <= r2 ? 1 : 0;
      }
    }

    for (let start = 0; start < n; start++) {
      if (!opened[start]) continue;
      // 6-connected component by breadth-first search; visited voxels leave `opened`
      let head = 0;
      let tail = 0;
      queue[tail++] = start;
      opened[start] = 0;
      let touchesClaimed = false;
      while (head < tail) {
        const p = queue[head++];
        if (claimed[p]) touchesClaimed = true;
        const i = p % nx;
        const j = ((p - i) / nx) % ny;
        const k = (p - i - j * nx) / nxy;
        const visit = (q: number): void => {
          if (!opened[q]) return;
          opened[q] = 0;
          queue[tail++] = q;
        };
        if (i > 0) visit(p - 1);
        if (i < nx - 1) visit(p + 1);
        if (j > 0) visit(p - nx);
        if (j < ny - 1) visit(p + nx);
        if (k > 0) visit(p - nxy);
        if (k < nz - 1) visit(p + nxy);
      }
      if (touchesClaimed) continue;
      const component = queue.slice(0, tail);
      const equivalentDiameter = Math.cbrt((6 * tail * voxelMm3) / Math.PI);
      if (equivalentDiameter > o.maxEquivalentDiameterMm) continue;
      const shape = shapeOf(component, nx, nxy, spacing);
      if (shape.elongation > o.maxElongation || shape.fill < o.minEllipsoidFill) continue;
      // a piece of a tube about as wide as the scale is what aliasing leaves of a vessel: a nodule must be
      // thicker (inscribed radius) than the ball that set it free; a pixel of the scan, not of the search
      // grid, or blocks would drop small nodules that the scan resolves
      let depth2Max = 0;
      for (const p of component) if (depth2[p] > depth2Max) depth2Max = depth2[p];
      const barelyThicker = Math.sqrt(depth2Max) < r + o.depthMarginPixels * Math.min(sx, sy);
      if (barelyThicker && !isSmallNoduleOnVessel(component, shape, r, depth2Max, solid, depth2, [nx, ny, nz], voxelMm3, Math.min(sx, sy))) continue;
      // vessels a little thicker than r can still hang on; opening the component once more at 0.6 of
      // its inscribed radius drops them (a sphere survives any ball up to its own radius), then the
      // opening's shaved rim voxels are taken back
      const depth = Math.sqrt(depth2Max);
      const core = openComponent(component, air, hull, Math.min(0.6 * depth, r + 3 * pixel), [nx, ny, nz], spacing);
      const grown = regrow(core, solid, claimed, nx, ny, nz);
      if (airContact(grown, solid, hull, nx, ny, nz) < o.minAirContact) continue;
      for (const p of grown) claimed[p] = 1;
      // a nodule barely thicker than r survived the opening whole: the grown rim would be its vessel
      const nodule = barelyThicker ? Array.from(component) : grown;
      const full = search === fine ? nodule : solidVoxelsOfBlocks(nodule, search.dims, fine, block, o.solidThresholdHu);
      if (full.length === 0) continue;
      const measured = measure(full, fine.dims[0], fine.dims[0] * fine.dims[1], fine.spacing);
      if (measured.meanDiameterMm < o.minMeanDiameterMm) {
        belowSize++;
        continue;
      }
      const votes = new Map<number, number>();
      for (const p of nodule) votes.set(hull[p], (votes.get(hull[p]) ?? 0) + 1);
      const value = [...votes.entries()].filter(([v]) => sideOf.has(v)).sort((a, b) => b[1] - a[1])[0][0];
      nodules.push({
        center: voxelToPatient(geometry, measured.ci + lo[0], measured.cj + lo[1], measured.ck + lo[2]),
        side: sideOf.get(value)!,
        longAxisMm: measured.longAxisMm,
        shortAxisMm: measured.shortAxisMm,
        meanDiameterMm: measured.meanDiameterMm,
        volumeMm3: full.length * sx * sy * sz,
        voxelCount: full.length,
        scaleMm: r,
        elongation: shape.elongation,
      });
    }
  }
  nodules.sort((a, b) => b.meanDiameterMm - a.meanDiameterMm);
  return { nodules, belowSize };
}

interface CropGrid {
  dims: number[];
  spacing: number[];
  labels: Uint8Array;
  hu: Float32Array;
}

/**
 * The grid coarsened by whole blocks of `block` voxels: mean HU (the partial-volume value a scan with that
 * voxel size would record) and the lung label covering at least half of the block. Hot loop by hand.
 */
function blockAverage(grid: CropGrid, block: number[], lungValues: number[]): CropGrid {
  const [nx, ny, nz] = grid.dims;
  const [bx, by, bz] = block;
  const dims = [Math.ceil(nx / bx), Math.ceil(ny / by), Math.ceil(nz / bz)];
  const n = dims[0] * dims[1] * dims[2];
  const sum = new Float64Array(n);
  const count = new Uint16Array(n);
  const votes = lungValues.map(() => new Uint16Array(n));
  // label value -> its vote array, block column of each voxel column: no search or division per voxel
  const voteOf: (Uint16Array | undefined)[] = new Array(256).fill(undefined);
  lungValues.forEach((value, v) => (voteOf[value] = votes[v]));
  const column = Int32Array.from({ length: nx }, (_, i) => Math.floor(i / bx));
  for (let k = 0, p = 0; k < nz; k++) {
    const ck = Math.floor(k / bz) * dims[0] * dims[1];
    for (let j = 0; j < ny; j++) {
      const cj = ck + Math.floor(j / by) * dims[0];
      for (let i = 0; i < nx; i++, p++) {
        const c = cj + column[i];
        sum[c] += grid.hu[p];
        count[c]++;
        const vote = voteOf[grid.labels[p]];
        if (vote !== undefined) vote[c]++;
      }
    }
  }
  const labels = new Uint8Array(n);
  const hu = new Float32Array(n);
  for (let c = 0; c < n; c++) {
    hu[c] = sum[c] / count[c];
    for (let v = 0; v < lungValues.length; v++) {
      if (2 * votes[v][c] >= count[c]) {
        labels[c] = lungValues[v];
        break;
      }
    }
  }
  return { dims, spacing: grid.spacing.map((s, d) => s * block[d]), labels, hu };
}

/** Full-resolution voxels at or above the solid threshold inside the given blocks of the search grid. */
function solidVoxelsOfBlocks(blocks: number[], searchDims: number[], grid: CropGrid, block: number[], thresholdHu: number): number[] {
  const [cx, cy] = searchDims;
  const [nx, ny, nz] = grid.dims;
  const [bx, by, bz] = block;
  const voxels: number[] = [];
  for (const c of blocks) {
    const ci = c % cx;
    const cj = ((c - ci) / cx) % cy;
    const ck = (c - ci - cj * cx) / (cx * cy);
    for (let k = ck * bz; k < Math.min(nz, (ck + 1) * bz); k++) {
      for (let j = cj * by; j < Math.min(ny, (cj + 1) * by); j++) {
        for (let i = ci * bx; i < Math.min(nx, (ci + 1) * bx); i++) {
          const p = i + j * nx + k * nx * ny;
          if (grid.hu[p] >= thresholdHu) voxels.push(p);
        }
      }
    }
  }
  return voxels;
}

/** Principal-axis shape of a voxel set: elongation sqrt(l1/l3) and volume / equivalent-ellipsoid volume. */
function shapeOf(voxels: Int32Array, nx: number, nxy: number, spacing: number[]): { elongation: number; fill: number } {
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

/**
 * A nodule only a little larger than the vessel it grew on comes apart at a scale just below its own
 * radius, so it misses the depth margin like an aliased vessel piece; what still tells them apart: the
 * aliased piece is one thick spot of a tube, about one ball of radius r, while the nodule survives the
 * opening whole (at least two balls), is round and fills its ellipsoid like a sphere, and is thicker
 * (inscribed radius) by at least half a pixel than the vessel where it joins it (solid voxels outside the
 * piece within three voxel steps). Hot loop by hand.
 */
function isSmallNoduleOnVessel(component: Int32Array, shape: { elongation: number; fill: number }, r: number, depth2Max: number, solid: Uint8Array, depth2: Float32Array, dims: number[], voxelMm3: number, pixel: number): boolean {
  if (component.length * voxelMm3 < 2 * (4 / 3) * Math.PI * r ** 3 || shape.elongation > 1.5 || shape.fill < 0.9) return false;
  const [nx, ny, nz] = dims;
  const nxy = nx * ny;
  const seen = new Set<number>(component);
  let ring: number[] = Array.from(component);
  let vessel2 = 0;
  for (let step = 0; step < 3; step++) {
    const next: number[] = [];
    for (const p of ring) {
      const i = p % nx;
      const j = ((p - i) / nx) % ny;
      const k = (p - i - j * nx) / nxy;
      const neighbours = [i > 0 ? p - 1 : -1, i < nx - 1 ? p + 1 : -1, j > 0 ? p - nx : -1, j < ny - 1 ? p + nx : -1, k > 0 ? p - nxy : -1, k < nz - 1 ? p + nxy : -1];
      for (const q of neighbours) {
        if (q < 0 || !solid[q] || seen.has(q)) continue;
        seen.add(q);
        next.push(q);
        if (depth2[q] > vessel2) vessel2 = depth2[q];
      }
    }
    ring = next;
  }
  return Math.sqrt(depth2Max) >= Math.sqrt(vessel2) + pixel / 2;
}

/** Eigenvalues of a symmetric 3x3 matrix, largest first (Smith OK, Commun ACM 1961;4:168). */
function symmetricEigenvalues(a11: number, a22: number, a33: number, a12: number, a13: number, a23: number): [number, number, number] {
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

/** Share of the component's 6-neighbour shell that is aerated lung (in the hull, not solid). */
function airContact(voxels: ArrayLike<number>, solid: Uint8Array, hull: Uint8Array, nx: number, ny: number, nz: number): number {
  const nxy = nx * ny;
  const inside = new Set<number>(Array.from(voxels));
  let air = 0;
  let total = 0;
  for (const p of inside) {
    const i = p % nx;
    const j = ((p - i) / nx) % ny;
    const k = (p - i - j * nx) / nxy;
    const neighbours = [i > 0 ? p - 1 : -1, i < nx - 1 ? p + 1 : -1, j > 0 ? p - nx : -1, j < ny - 1 ? p + nx : -1, k > 0 ? p - nxy : -1, k < nz - 1 ? p + nxy : -1];
    for (const q of neighbours) {
      if (q < 0 || inside.has(q)) continue;
      total++;
      if (hull[q] !== 0 && !solid[q]) air++;
    }
  }
  return total === 0 ? 0 : air / total;
}

/**
 * Opening of one component by a ball of radius s (on its own bounding box), keeping the connected part
 * that holds its deepest voxel; the component itself when s is too small to change it.
 */
function openComponent(voxels: Int32Array, air: Uint8Array, hull: Uint8Array, s: number, dims: number[], spacing: number[]): Int32Array {
  const [nx, ny] = dims;
  const nxy = nx * ny;
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-Infinity, -Infinity, -Infinity];
  const ijk = (p: number): number[] => {
    const k = Math.floor(p / nxy);
    const j = Math.floor((p - k * nxy) / nx);
    return [p - k * nxy - j * nx, j, k];
  };
  for (const p of voxels) {
    const c = ijk(p);
    for (let d = 0; d < 3; d++) {
      lo[d] = Math.min(lo[d], c[d] - 1);
      hi[d] = Math.max(hi[d], c[d] + 1);
    }
  }
  const [mx, my, mz] = [hi[0] - lo[0] + 1, hi[1] - lo[1] + 1, hi[2] - lo[2] + 1];
  const local = (p: number): number => {
    const c = ijk(p);
    return c[0] - lo[0] + (c[1] - lo[1]) * mx + (c[2] - lo[2]) * mx * my;
  };
  // as for the depth above: what is not the component counts as background unless it lies beyond the pleura
  const outside = new Uint8Array(mx * my * mz);
  const beyondPleura = new Uint8Array(mx * my * mz);
  for (let k = 0, q = 0; k < mz; k++) {
    for (let j = 0; j < my; j++) {
      for (let i = 0; i < mx; i++, q++) {
        const [gi, gj, gk] = [i + lo[0], j + lo[1], k + lo[2]];
        const inGrid = gi >= 0 && gj >= 0 && gk >= 0 && gi < nx && gj < ny && gk < dims[2];
        outside[q] = inGrid && air[gi + gj * nx + gk * nxy] ? 1 : 0;
        beyondPleura[q] = !inGrid || hull[gi + gj * nx + gk * nxy] === 0 ? 1 : 0;
      }
    }
  }
  const member = new Uint8Array(outside.length);
  for (const p of voxels) member[local(p)] = 1;
  const depth2 = squaredDistanceTransform(outside, [mx, my, mz], spacing);
  const seeds = new Uint8Array(outside.length);
  let deepest = local(voxels[0]);
  for (let q = 0; q < seeds.length; q++) {
    seeds[q] = member[q] && depth2[q] > s * s ? 1 : 0;
    if (member[q] && depth2[q] > depth2[deepest]) deepest = q;
  }
  if (!seeds[deepest]) return voxels;
  const reach2 = squaredDistanceTransform(seeds, [mx, my, mz], spacing);
  // the thin rim where a juxtapleural nodule meets the chest wall is nodule, not vessel: it stays
  const toWall2 = squaredDistanceTransform(beyondPleura, [mx, my, mz], spacing);
  const keep = new Uint8Array(outside.length);
  for (let q = 0; q < keep.length; q++) keep[q] = member[q] && (reach2[q] <= s * s || toWall2[q] <= s * s) ? 1 : 0;
  // the connected part around the deepest voxel
  const inPart = new Uint8Array(keep.length);
  const queue = [deepest];
  inPart[deepest] = 1;
  const mxy = mx * my;
  for (let head = 0; head < queue.length; head++) {
    const q = queue[head];
    const i = q % mx;
    const j = ((q - i) / mx) % my;
    const k = (q - i - j * mx) / mxy;
    for (const [t, ok] of [[q - 1, i > 0], [q + 1, i < mx - 1], [q - mx, j > 0], [q + mx, j < my - 1], [q - mxy, k > 0], [q + mxy, k < mz - 1]] as const) {
      if (ok && keep[t] && !inPart[t]) {
        inPart[t] = 1;
        queue.push(t);
      }
    }
  }
  return Int32Array.from(voxels.filter((p) => inPart[local(p)] === 1));
}

/** The component plus its unclaimed solid 6-neighbours (one conditional dilation). */
function regrow(voxels: Int32Array, solid: Uint8Array, claimed: Uint8Array, nx: number, ny: number, nz: number): number[] {
  const nxy = nx * ny;
  const result = new Set<number>(voxels);
  for (const p of voxels) {
    const i = p % nx;
    const j = ((p - i) / nx) % ny;
    const k = (p - i - j * nx) / nxy;
    const neighbours = [i > 0 ? p - 1 : -1, i < nx - 1 ? p + 1 : -1, j > 0 ? p - nx : -1, j < ny - 1 ? p + nx : -1, k > 0 ? p - nxy : -1, k < nz - 1 ? p + nxy : -1];
    for (const q of neighbours) if (q >= 0 && solid[q] && !claimed[q]) result.add(q);
  }
  return [...result];
}

/** Centroid (crop voxel indices) and the axial long/short axes on the slice of greatest area. */
function measure(voxels: number[], nx: number, nxy: number, spacing: number[]): { ci: number; cj: number; ck: number; longAxisMm: number; shortAxisMm: number; meanDiameterMm: number } {
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
