import { patientToVoxel, voxelToPatient, type Vec3, type VolumeGeometry } from '@polyrad/sdk';
import type { SeededRandom } from './seeded-random.js';

/**
 * What the chest phantom's organ features draw into: the tissue-class map, its geometry, the random
 * layout, and a registry of tissue classes (mean HU + label). Features stamp their anatomy after the
 * body, lungs, airways and pulmonary vessels exist, and report their truth from the final HU image.
 */

/** Label values of `ChestPhantom.labels`. Lungs include their vessels and emphysema; airways are separate. */
export const PHANTOM_LABELS = {
  lungRight: 1,
  lungLeft: 2,
  airway: 3,
  body: 4,
  bone: 5,
  table: 6,
  heart: 7,
  aorta: 8,
  nodule: 9,
  calcium: 10,
  vertebra: 11,
} as const;

export const PHANTOM_LABEL_NAMES: Record<number, string> = {
  1: 'lung.right',
  2: 'lung.left',
  3: 'airway',
  4: 'body',
  5: 'bone',
  6: 'table',
  7: 'heart',
  8: 'aorta',
  9: 'nodule',
  10: 'calcium',
  11: 'vertebra',
};

/** Patient-centred frame of the layout: u patient left, v posterior, w superior (mm). */
export interface ChestLayout {
  /** in-plane size factor applied to the anatomy so the body fits the field of view */
  scale: number;
  body: { halfWidth: number; halfDepth: number };
  /** inner (pleural) boundary of the rib cage, half-axes */
  cage: { halfWidth: number; halfDepth: number };
  lungs: { right: LungLayout; left: LungLayout };
  mediastinumHalfWidth: number;
  /** ellipsoid centre (u, v, w) and half-axes a (u), b (v), c (w) */
  heart: { u: number; v: number; w: number; a: number; b: number; c: number };
  /** aortic centre line from the root (at the heart) over the arch to the lowest slice, local frame */
  aorta: { centerLine: Vec3[]; archIndex: number; ascendingRadius: number; descendingRadius: number };
  /** vertebral column: a vertical cylinder at u = 0, v = spine.v */
  spine: { v: number; radius: number; cortical: number };
  trachea: { u: number; v: number; radius: number };
  carinaW: number;
  /** w of the highest and lowest slice */
  wTop: number;
  wBottom: number;
}

export interface LungLayout {
  cu: number;
  ax: number;
  ay: number;
  zApex: number;
  zBase: number;
}

/** Lookup table over tissue classes: 1 where a stamp may overwrite that class. */
export type ClassFilter = Uint8Array;

export interface PhantomScene {
  geometry: VolumeGeometry;
  /** tissue class per voxel (index i + j*nx + k*nx*ny) */
  tissue: Uint8Array;
  rng: SeededRandom;
  layout: ChestLayout;
  /** IV contrast: blood pools (aorta, heart chambers) enhance */
  contrast: boolean;
  /** blood-pool attenuation of this scan */
  blood: BloodPools;
  /** local (u, v, w) -> LPS patient mm */
  toPatient(u: number, v: number, w: number): Vec3;
  /** LPS patient mm -> local (u, v, w) */
  toLocal(p: Vec3): Vec3;
  /** registers a tissue class with its mean HU and label; returns the class id */
  defineClass(name: string, hu: number, label: number): number;
  classId(name: string): number;
  /** tissue class at a patient point, -1 outside the grid */
  classAt(p: Vec3): number;
  /** a filter that allows the given classes (or, with `except`, all but them) */
  filter(classes: number[], except?: boolean): ClassFilter;
  /** sets voxels within `radius` of segment a-b (LPS mm) whose class passes `from` to `to`; returns the count */
  stampCapsule(a: Vec3, b: Vec3, radius: number, from: ClassFilter, to: number): number;
}

/**
 * Blood-pool attenuation, HU. With IV contrast the left heart and aorta (arterial) and the right heart,
 * pulmonary arteries and systemic veins (venous) enhance by different amounts; without contrast both are
 * unenhanced blood, which has the attenuation of myocardium.
 */
export interface BloodPools {
  arterial: number;
  venous: number;
}

export interface BloodPoolOptions {
  /** left heart, aorta and coronaries, HU; default drawn: contrast 200-450, non-contrast 35-50 */
  arterialHu?: number;
  /** right heart, pulmonary arteries, SVC, HU; default drawn: contrast 0.7-1.2 x arterial, non-contrast = arterial */
  venousHu?: number;
}

/** Draws the blood-pool HU of a scan; every value is drawn whatever the options, so options never shift the stream. */
export function drawBloodPools(rng: SeededRandom, contrast: boolean, options: BloodPoolOptions = {}): BloodPools {
  const drawn = contrast ? rng.uniform(200, 450) : rng.uniform(35, 50);
  const ratio = rng.uniform(0.7, 1.2);
  const arterial = Math.round(options.arterialHu ?? drawn);
  return { arterial, venous: Math.round(options.venousHu ?? (contrast ? arterial * ratio : arterial)) };
}

/**
 * Local (u, v, w) of voxel (i, j, k) is o + i di + j dj + k dk: the grid and the local frame are both
 * affine, so a hot loop over voxels needs no per-voxel transform (and no allocation).
 */
export function localGrid(scene: PhantomScene): { o: Vec3; di: Vec3; dj: Vec3; dk: Vec3 } {
  const o = scene.toLocal(voxelToPatient(scene.geometry, 0, 0, 0));
  const step = (i: number, j: number, k: number): Vec3 => {
    const p = scene.toLocal(voxelToPatient(scene.geometry, i, j, k));
    return [p[0] - o[0], p[1] - o[1], p[2] - o[2]];
  };
  return { o, di: step(1, 0, 0), dj: step(0, 1, 0), dk: step(0, 0, 1) };
}

/** Maximum number of tissue classes (the map is a Uint8Array). */
export const MAX_CLASSES = 256;

export class TissueClasses {
  readonly hu: number[] = [];
  readonly label: number[] = [];
  private readonly ids = new Map<string, number>();

  define(name: string, hu: number, label: number): number {
    const existing = this.ids.get(name);
    if (existing !== undefined) return existing;
    if (this.hu.length >= MAX_CLASSES) throw new Error(`phantom: more than ${MAX_CLASSES} tissue classes`);
    this.ids.set(name, this.hu.length);
    this.hu.push(hu);
    this.label.push(label);
    return this.hu.length - 1;
  }

  id(name: string): number {
    const id = this.ids.get(name);
    if (id === undefined) throw new Error(`phantom: unknown tissue class ${name}`);
    return id;
  }
}

export function classFilter(classes: number[], except = false): ClassFilter {
  const f = new Uint8Array(MAX_CLASSES).fill(except ? 1 : 0);
  for (const c of classes) f[c] = except ? 0 : 1;
  return f;
}

export function classAtPoint(tissue: Uint8Array, geometry: VolumeGeometry, p: Vec3): number {
  const [nx, ny, nz] = geometry.dimensions;
  const [fi, fj, fk] = patientToVoxel(geometry, p);
  const i = Math.round(fi);
  const j = Math.round(fj);
  const k = Math.round(fk);
  if (i < 0 || j < 0 || k < 0 || i >= nx || j >= ny || k >= nz) return -1;
  return tissue[i + j * nx + k * nx * ny];
}

/**
 * Sets every voxel whose centre lies within `radius` mm of segment a-b (a capsule; a = b gives a
 * sphere) and whose current class is allowed by `from` to class `to`; returns how many changed.
 * Works in index space: the grid is orthonormal, so mm distances are index differences x spacing.
 */
export function stampCapsule(tissue: Uint8Array, geometry: VolumeGeometry, a: Vec3, b: Vec3, radius: number, from: ClassFilter, to: number): number {
  const [nx, ny, nz] = geometry.dimensions;
  const [sx, sy, sz] = geometry.spacing;
  const va = patientToVoxel(geometry, a);
  const vb = patientToVoxel(geometry, b);
  const lo = [0, 1, 2].map((d) => Math.max(0, Math.floor(Math.min(va[d], vb[d]) - radius / geometry.spacing[d])));
  const hi = [0, 1, 2].map((d) => Math.min(geometry.dimensions[d] - 1, Math.ceil(Math.max(va[d], vb[d]) + radius / geometry.spacing[d])));
  const ex = (vb[0] - va[0]) * sx;
  const ey = (vb[1] - va[1]) * sy;
  const ez = (vb[2] - va[2]) * sz;
  const len2 = ex * ex + ey * ey + ez * ez;
  const r2 = radius * radius;
  let changed = 0;
  for (let k = lo[2]; k <= hi[2] && k < nz; k++) {
    const pz = (k - va[2]) * sz;
    for (let j = lo[1]; j <= hi[1] && j < ny; j++) {
      const py = (j - va[1]) * sy;
      const row = k * nx * ny + j * nx;
      for (let i = lo[0]; i <= hi[0] && i < nx; i++) {
        const px = (i - va[0]) * sx;
        let t = len2 > 0 ? (px * ex + py * ey + pz * ez) / len2 : 0;
        t = t < 0 ? 0 : t > 1 ? 1 : t;
        const qx = px - t * ex;
        const qy = py - t * ey;
        const qz = pz - t * ez;
        if (qx * qx + qy * qy + qz * qz <= r2) {
          const p = row + i;
          const cls = tissue[p];
          if (from[cls] === 1 && cls !== to) {
            tissue[p] = to;
            changed++;
          }
        }
      }
    }
  }
  return changed;
}

export function normalise(d: Vec3): Vec3 {
  const l = Math.hypot(d[0], d[1], d[2]) || 1;
  return [d[0] / l, d[1] / l, d[2] / l];
}
