import { PolyradError, type Vec3, type Volume } from '@polyrad/sdk';

/**
 * An axial CT volume seen as a stack of slices in LPS millimetres: column i sits at x = x0 + i * dx,
 * row j at y = y0 + j * dy, slice k at z = z0 + k * dz (dx, dy, dz signed, so flipped rows or a
 * feet-first slice order need no copy of the voxels).
 */
export interface AxialStack {
  volume: Volume;
  nx: number;
  ny: number;
  nz: number;
  x0: number;
  y0: number;
  z0: number;
  dx: number;
  dy: number;
  dz: number;
  /** slice indices from the lowest (most inferior) to the highest z */
  bottomUp: number[];
}

export function axialStack(volume: Volume): AxialStack {
  const { dimensions, spacing, origin, direction } = volume.geometry;
  const axisAligned = [0, 1, 2].every((a) => Math.abs(direction[a][a]) > 0.999);
  if (!axisAligned) {
    throw new PolyradError('UNSUPPORTED_ORIENTATION', 'the aorta measurement needs an axial series (rows along x, columns along y, slices along z); reformat the series to axial');
  }
  const [nx, ny, nz] = dimensions;
  const dz = spacing[2] * Math.sign(direction[2][2]);
  const order = Array.from({ length: nz }, (_, k) => k);
  return {
    volume,
    nx,
    ny,
    nz,
    x0: origin[0],
    y0: origin[1],
    z0: origin[2],
    dx: spacing[0] * Math.sign(direction[0][0]),
    dy: spacing[1] * Math.sign(direction[1][1]),
    dz,
    bottomUp: dz > 0 ? order : order.reverse(),
  };
}

/** Trilinear HU at an LPS point; -1024 outside the volume. */
export function sampleHu(stack: AxialStack, x: number, y: number, z: number): number {
  const fi = (x - stack.x0) / stack.dx;
  const fj = (y - stack.y0) / stack.dy;
  const fk = (z - stack.z0) / stack.dz;
  const { nx, ny, nz } = stack;
  if (fi < 0 || fj < 0 || fk < 0 || fi > nx - 1 || fj > ny - 1 || fk > nz - 1) return -1024;
  const i = Math.min(nx - 2, Math.floor(fi));
  const j = Math.min(ny - 2, Math.floor(fj));
  const k = Math.min(Math.max(nz - 2, 0), Math.floor(fk));
  const ti = fi - i;
  const tj = fj - j;
  const tk = nz > 1 ? fk - k : 0;
  const v = stack.volume.voxels;
  const nxy = nx * ny;
  const p = i + j * nx + k * nxy;
  const k1 = nz > 1 ? nxy : 0;
  const c00 = v[p] + (v[p + 1] - v[p]) * ti;
  const c10 = v[p + nx] + (v[p + nx + 1] - v[p + nx]) * ti;
  const c01 = v[p + k1] + (v[p + k1 + 1] - v[p + k1]) * ti;
  const c11 = v[p + k1 + nx] + (v[p + k1 + nx + 1] - v[p + k1 + nx]) * ti;
  const c0 = c00 + (c10 - c00) * tj;
  const c1 = c01 + (c11 - c01) * tj;
  return c0 + (c1 - c0) * tk;
}

export function sliceZ(stack: AxialStack, k: number): number {
  return stack.z0 + k * stack.dz;
}

export function pointAt(stack: AxialStack, i: number, j: number, k: number): Vec3 {
  return [stack.x0 + i * stack.dx, stack.y0 + j * stack.dy, stack.z0 + k * stack.dz];
}

/**
 * A coarser copy of the stack for finding the aorta (block means of 2 pixels along each axis finer
 * than 1 mm in-plane or 2 mm between slices): an aortic lumen of >= 10 mm spans many 1.25-2 mm
 * pixels, and the diameters are then measured on the full-resolution stack. Returns the stack itself
 * when no axis is that fine. Hot loop on the typed arrays.
 */
export function coarseStack(stack: AxialStack): AxialStack {
  const fx = Math.abs(stack.dx) < 1 && stack.nx >= 4 ? 2 : 1;
  const fy = Math.abs(stack.dy) < 1 && stack.ny >= 4 ? 2 : 1;
  const fz = Math.abs(stack.dz) < 2 && stack.nz >= 8 ? 2 : 1;
  if (fx * fy * fz === 1) return stack;
  const { nx, ny } = stack;
  const cx = Math.floor(nx / fx);
  const cy = Math.floor(ny / fy);
  const cz = Math.floor(stack.nz / fz);
  const source = stack.volume.voxels;
  const voxels = new Float32Array(cx * cy * cz);
  const scale = 1 / (fx * fy * fz);
  for (let k = 0; k < cz; k++) {
    for (let j = 0; j < cy; j++) {
      const out = (k * cy + j) * cx;
      for (let c = 0; c < fz; c++) {
        for (let b = 0; b < fy; b++) {
          const row = ((k * fz + c) * ny + j * fy + b) * nx;
          if (fx === 2) for (let i = 0; i < cx; i++) voxels[out + i] += source[row + 2 * i] + source[row + 2 * i + 1];
          else for (let i = 0; i < cx; i++) voxels[out + i] += source[row + i];
        }
      }
      for (let i = 0; i < cx; i++) voxels[out + i] *= scale;
    }
  }
  const { geometry } = stack.volume;
  const dz = stack.dz * fz;
  const x0 = stack.x0 + ((fx - 1) / 2) * stack.dx;
  const y0 = stack.y0 + ((fy - 1) / 2) * stack.dy;
  const z0 = stack.z0 + ((fz - 1) / 2) * stack.dz;
  const order = Array.from({ length: cz }, (_, k) => k);
  return {
    volume: { ...stack.volume, geometry: { ...geometry, origin: [x0, y0, z0], dimensions: [cx, cy, cz], spacing: [geometry.spacing[0] * fx, geometry.spacing[1] * fy, geometry.spacing[2] * fz] }, voxels },
    nx: cx,
    ny: cy,
    nz: cz,
    x0,
    y0,
    z0,
    dx: stack.dx * fx,
    dy: stack.dy * fy,
    dz,
    bottomUp: dz > 0 ? order : order.reverse(),
  };
}
