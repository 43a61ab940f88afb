import type { Vec3, Volume } from '@polyrad/sdk';

/** one drawn vertebral body: its height and an optional anterior wedge (height lost at the front, %) */
export interface FixtureBody {
  heightMm: number;
  wedgePercent?: number;
}

export interface ColumnFixtureOptions {
  bodies: FixtureBody[];
  sliceMm: number;
  trabecularHu: number;
  /** cortex and endplates, 1 mm thick */
  corticalHu?: number;
  discMm?: number;
  pixelMm?: number;
  /** deterministic noise: a +-amplitude checkerboard, HU */
  noiseHu?: number;
}

export interface ColumnFixture {
  volume: Volume;
  /** body centre (i, j) in voxels */
  centre: { ci: number; cj: number };
  /** z (mm) of each body's inferior and superior surface, from the first slice up */
  bodies: { bottomMm: number; topMm: number }[];
}

/**
 * A small axial volume of a straight vertebral column for the step specs: elliptical bodies (half-width 16 mm,
 * half-depth 14 mm) with a 1 mm cortex and 1 mm endplates, discs of 80 HU between them, a dense posterior
 * arch 20-30 mm behind, soft tissue around; each slice averages 0.1 mm sub-slices (partial volume over the
 * slice thickness). Known truth, drawn in a few milliseconds.
 */
export function vertebralColumnFixture(options: ColumnFixtureOptions): ColumnFixture {
  const { bodies, sliceMm, trabecularHu } = options;
  const corticalHu = options.corticalHu ?? 700;
  const discMm = options.discMm ?? 5;
  const px = options.pixelMm ?? 1;
  const a = 16;
  const b = 14;
  const span = bodies.reduce((s, x) => s + x.heightMm + discMm, discMm);
  const nx = Math.round(96 / px);
  const ny = Math.round(96 / px);
  const nz = Math.ceil(span / sliceMm);
  const ci = nx / 2;
  const cj = Math.round(40 / px);
  const layout: { bottomMm: number; topMm: number; wedge: number }[] = [];
  let z = discMm;
  for (const body of bodies) {
    layout.push({ bottomMm: z, topMm: z + body.heightMm, wedge: ((body.wedgePercent ?? 0) / 100) * body.heightMm });
    z += body.heightMm + discMm;
  }
  /** HU at in-plane offset (u lateral, v posterior, mm) and height w (mm) */
  const tissue = (u: number, v: number, w: number): number => {
    const body = layout.find((l) => w >= l.bottomMm - 0.5 && w <= l.topMm + 0.5);
    const inEllipse = (u / a) ** 2 + (v / b) ** 2 < 1;
    if (v > 20 && v < 30 && Math.abs(u) < 12) return corticalHu;
    if (!inEllipse) return 40;
    if (!body) return 80;
    // the wedge lowers the superior endplate: not at all behind half the half-depth, fully in front of minus half (Genant's anterior wedge)
    const top = body.topMm - body.wedge * Math.min(1, Math.max(0, (0.5 * b - v) / b));
    if (w > top || w < body.bottomMm) return 80;
    if (top - w < 1 || w - body.bottomMm < 1) return corticalHu;
    if ((u / (a - 1)) ** 2 + (v / (b - 1)) ** 2 >= 1) return corticalHu;
    return trabecularHu;
  };
  const voxels = new Int16Array(nx * ny * nz);
  const sub = Math.max(1, Math.round(sliceMm / 0.1));
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++) {
        const u = (i - ci) * px;
        const v = (j - cj) * px;
        let sum = 0;
        for (let s = 0; s < sub; s++) sum += tissue(u, v, (k + (s + 0.5) / sub) * sliceMm);
        const noise = options.noiseHu ? ((i + j + k) % 2 === 0 ? 1 : -1) * options.noiseHu : 0;
        voxels[k * nx * ny + j * nx + i] = Math.round(sum / sub + noise);
      }
    }
  }
  const direction: [Vec3, Vec3, Vec3] = [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ];
  return {
    volume: { geometry: { dimensions: [nx, ny, nz], spacing: [px, px, sliceMm], origin: [0, 0, 0.5 * sliceMm], direction }, voxels, unit: 'HU' },
    centre: { ci, cj },
    bodies: layout.map(({ bottomMm, topMm }) => ({ bottomMm, topMm })),
  };
}
