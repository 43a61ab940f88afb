import { patientToVoxel, voxelToPatient, type Vec3, type VolumeGeometry } from '@polyrad/sdk';
import { normalise, PHANTOM_LABELS, type PhantomScene } from '../phantom-scene.js';

export type NoduleAttachment = 'isolated' | 'juxtavascular' | 'juxtapleural';

export interface NodulePhantomOptions {
  /** nominal diameter of each nodule, mm (one nodule per entry); default none */
  diametersMm?: number[];
  /** share of nodules grown against a vessel; default 1/3 */
  juxtavascularFraction?: number;
  /** share of nodules set against the chest wall (a dome cut flat by the pleura); default 1/3 */
  juxtapleuralFraction?: number;
  /** share of free-standing nodules >= 6 mm drawn elongated (a capsule: long ~1.35x, short ~0.75x nominal); default 0.3 */
  ellipsoidFraction?: number;
}

export interface NoduleTruth {
  /** LPS centroid of the nodule's voxels, mm */
  center: Vec3;
  side: 'left' | 'right';
  attachment: NoduleAttachment;
  shape: 'sphere' | 'ellipsoid';
  /** what was asked for; the measurements below are counted from the voxels */
  nominalDiameterMm: number;
  /** mean HU of the nodule's tissue class (the image adds noise) */
  hu: number;
  longAxisMm: number;
  shortAxisMm: number;
  /** (long + short) / 2 to one decimal, the size Lung-RADS v2022 classifies */
  meanDiameterMm: number;
  voxelCount: number;
  volumeMm3: number;
}

/**
 * Solid lung nodules (Lung-RADS solid: soft-tissue attenuation, +20..+60 HU) inside the lungs: free in
 * the parenchyma, abutting a vessel, or broad-based on the pleura, some elongated. Each nodule is its
 * own tissue class, so its truth is counted exactly from the voxels it owns after drawing.
 *
 * Diameters follow Lung-RADS v2022 / Fleischner practice (Bankier AA et al., Radiology 2017;285:584-600):
 * on the axial slice where the nodule is largest, the long axis is its longest chord and the short axis
 * its largest extent perpendicular to it. On voxels, each extent runs between pixel centres plus one
 * (mean in-plane) pixel spacing, for the half pixel beyond the outermost centres on either side.
 */
export function addNodules(scene: PhantomScene, options: NodulePhantomOptions = {}): () => NoduleTruth[] {
  const diameters = options.diametersMm ?? [];
  if (diameters.length === 0) return () => [];
  const pVascular = options.juxtavascularFraction ?? 1 / 3;
  const pPleural = options.juxtapleuralFraction ?? 1 / 3;
  const pEllipsoid = options.ellipsoidFraction ?? 0.3;
  const { rng, geometry, tissue } = scene;
  const sides = [
    { side: 'right' as const, sign: -1, lungClass: scene.classId('lung.right'), vesselClass: scene.classId('vessel.right') },
    { side: 'left' as const, sign: 1, lungClass: scene.classId('lung.left'), vesselClass: scene.classId('vessel.left') },
  ];
  const wall = new Set(['soft', 'fat', 'bone.cortical', 'bone.trabecular'].map((c) => scene.classId(c)));
  // voxel lists to draw random positions from (parenchyma and vessels, per side)
  const members = sides.map((s) => ({ lung: [] as number[], vessel: [] as number[], ...s }));
  for (let p = 0; p < tissue.length; p++) {
    const c = tissue[p];
    for (const m of members) {
      if (c === m.lungClass) m.lung.push(p);
      else if (c === m.vesselClass) m.vessel.push(p);
    }
  }
  const [nx, ny] = geometry.dimensions;
  const centreOf = (p: number): Vec3 => {
    const k = Math.floor(p / (nx * ny));
    const j = Math.floor((p - k * nx * ny) / nx);
    return voxelToPatient(geometry, p - k * nx * ny - j * nx, j, k);
  };

  const placed: Array<{ cls: number; side: 'left' | 'right'; attachment: NoduleAttachment; shape: 'sphere' | 'ellipsoid'; nominal: number; hu: number }> = [];
  const firstSide = rng.int(0, 1);
  diameters.forEach((diameter, index) => {
    const m = members[(firstSide + index) % 2];
    const draw = rng.next();
    const wanted: NoduleAttachment = draw < pVascular ? 'juxtavascular' : draw < pVascular + pPleural ? 'juxtapleural' : 'isolated';
    const ellipsoid = wanted === 'isolated' && diameter >= 6 && rng.next() < pEllipsoid;
    const hu = Math.round(rng.uniform(20, 60));
    const cls = scene.defineClass(`nodule.${index + 1}`, hu, PHANTOM_LABELS.nodule);
    // a capsule of radius rho around a segment of length len: long = len + 2 rho, short = 2 rho
    const rho = ellipsoid ? 0.375 * diameter : diameter / 2;
    const half = ellipsoid ? 0.3 * diameter : 0;
    const inLung = scene.filter([m.lungClass, m.vesselClass]);
    for (let attempt = 0; attempt < 800; attempt++) {
      // a lung without a fitting vessel or wall spot gets a free-standing nodule instead
      const attachment = attempt < 400 ? wanted : 'isolated';
      let centre = centreOf(m.lung[rng.int(0, m.lung.length - 1)]);
      if (attachment === 'juxtavascular') {
        // next to a vessel's surface voxel, offset into the parenchyma, so the vessel runs into the nodule's edge
        if (m.vessel.length === 0) continue;
        const p = m.vessel[rng.int(0, m.vessel.length - 1)];
        const q = [p - 1, p + 1, p - nx, p + nx, p - nx * ny, p + nx * ny].find((n) => tissue[n] === m.lungClass);
        if (q === undefined) continue;
        const v = centreOf(p);
        const d = normalise(centreOf(q).map((x, axis) => x - v[axis]) as Vec3);
        centre = [v[0] + d[0] * 0.85 * rho, v[1] + d[1] * 0.85 * rho, v[2] + d[2] * 0.85 * rho];
      }
      if (attachment === 'juxtapleural') {
        // march outward (laterally, anteriorly or posteriorly, never towards the mediastinum) to the
        // chest wall, then step back in so part of the sphere lies beyond the pleura
        const phi = rng.uniform(-1.2, 1.2);
        const o = scene.toPatient(0, 0, 0);
        const t = scene.toPatient(m.sign * Math.cos(phi), Math.sin(phi), 0);
        const dir: Vec3 = normalise([t[0] - o[0], t[1] - o[1], t[2] - o[2]]);
        let s = 0;
        let c = scene.classAt(centre);
        while ((c === m.lungClass || c === m.vesselClass) && s < 300) {
          s += 0.5;
          c = scene.classAt([centre[0] + dir[0] * s, centre[1] + dir[1] * s, centre[2] + dir[2] * s]);
        }
        if (!wall.has(c)) continue;
        const back = s - rng.uniform(0.35, 0.65) * rho;
        if (back < 0) continue;
        centre = [centre[0] + dir[0] * back, centre[1] + dir[1] * back, centre[2] + dir[2] * back];
      }
      const axis = half > 0 ? normalise([rng.normal(), rng.normal(), 0.3 * rng.normal()]) : ([0, 0, 0] as Vec3);
      const a: Vec3 = [centre[0] - axis[0] * half, centre[1] - axis[1] * half, centre[2] - axis[2] * half];
      const b: Vec3 = [centre[0] + axis[0] * half, centre[1] + axis[1] * half, centre[2] + axis[2] * half];
      if (scene.classAt(centre) !== m.lungClass) continue;
      // what surrounds the nodule (2 mm margin) decides whether this spot gives the attachment asked for
      const around = classesNear(tissue, geometry, a, b, rho + 2);
      let ok = true;
      for (const c of around.keys()) {
        if (c === m.lungClass || (c === m.vesselClass && attachment === 'juxtavascular') || (wall.has(c) && attachment === 'juxtapleural')) continue;
        ok = false;
      }
      if (!ok) continue;
      if (attachment === 'juxtavascular') {
        // the vessel must reach into the nodule, yet fill only a small part of it
        const inside = classesNear(tissue, geometry, a, b, rho);
        const vessel = inside.get(m.vesselClass) ?? 0;
        if (vessel === 0 || vessel > 0.4 * (inside.get(m.lungClass) ?? 0)) continue;
      }
      if (attachment === 'juxtapleural' && ![...wall].some((c) => around.has(c))) continue;
      const count = scene.stampCapsule(a, b, rho, inLung, cls);
      if (count === 0) continue;
      placed.push({ cls, side: m.side, attachment, shape: ellipsoid ? 'ellipsoid' : 'sphere', nominal: diameter, hu });
      return;
    }
    throw new Error(`phantom: no room for a ${diameter} mm nodule in the ${m.side} lung`);
  });

  return () => {
    const byClass = new Map(placed.map((n, index) => [n.cls, index]));
    const voxels: number[][] = placed.map(() => []);
    for (let p = 0; p < tissue.length; p++) {
      const index = byClass.get(tissue[p]);
      if (index !== undefined) voxels[index].push(p);
    }
    return placed.map((n, index) => ({
      side: n.side,
      attachment: n.attachment,
      shape: n.shape,
      nominalDiameterMm: n.nominal,
      hu: n.hu,
      ...measureVoxels(geometry, voxels[index]),
    }));
  };
}

/** Tissue classes (with voxel counts) within `radius` mm of segment a-b. */
function classesNear(tissue: Uint8Array, geometry: VolumeGeometry, a: Vec3, b: Vec3, radius: number): Map<number, number> {
  const [nx, ny, nz] = geometry.dimensions;
  const va = patientToVoxel(geometry, a);
  const vb = patientToVoxel(geometry, b);
  const pa = voxelToPatient(geometry, ...va);
  const ab: Vec3 = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
  const len2 = ab[0] ** 2 + ab[1] ** 2 + ab[2] ** 2;
  const lo = [0, 1, 2].map((d) => Math.floor(Math.min(va[d], vb[d]) - radius / geometry.spacing[d]));
  const hi = [0, 1, 2].map((d) => Math.ceil(Math.max(va[d], vb[d]) + radius / geometry.spacing[d]));
  const found = new Map<number, number>();
  for (let k = lo[2]; k <= hi[2]; k++) {
    for (let j = lo[1]; j <= hi[1]; j++) {
      for (let i = lo[0]; i <= hi[0]; i++) {
        const q = voxelToPatient(geometry, i, j, k);
        const d: Vec3 = [q[0] - pa[0], q[1] - pa[1], q[2] - pa[2]];
        let t = len2 > 0 ? (d[0] * ab[0] + d[1] * ab[1] + d[2] * ab[2]) / len2 : 0;
        t = Math.max(0, Math.min(1, t));
        if ((d[0] - t * ab[0]) ** 2 + (d[1] - t * ab[1]) ** 2 + (d[2] - t * ab[2]) ** 2 > radius * radius) continue;
        // outside the grid counts as its own class (-1), so a nodule never leaves the image
        const c = i < 0 || j < 0 || k < 0 || i >= nx || j >= ny || k >= nz ? -1 : tissue[i + j * nx + k * nx * ny];
        found.set(c, (found.get(c) ?? 0) + 1);
      }
    }
  }
  return found;
}

/** Truth of one nodule from its voxel indices (see addNodules for the diameter definition). */
function measureVoxels(geometry: VolumeGeometry, voxels: number[]): Omit<NoduleTruth, 'side' | 'attachment' | 'shape' | 'nominalDiameterMm' | 'hu'> {
  const [nx, ny, nz] = geometry.dimensions;
  const [sx, sy, sz] = geometry.spacing;
  const perSlice = new Array<number>(nz).fill(0);
  let si = 0;
  let sj = 0;
  let sk = 0;
  for (const p of voxels) {
    const k = Math.floor(p / (nx * ny));
    const j = Math.floor((p - k * nx * ny) / nx);
    si += p - k * nx * ny - j * nx;
    sj += j;
    sk += k;
    perSlice[k]++;
  }
  const n = voxels.length;
  const largest = perSlice.indexOf(Math.max(...perSlice));
  // brute force over all pixel pairs of that slice: the longest chord, then the extent across it
  const pixels = voxels.filter((p) => Math.floor(p / (nx * ny)) === largest).map((p) => [(p % nx) * sx, (Math.floor(p / nx) % ny) * sy]);
  const pixel = (sx + sy) / 2;
  let long = 0;
  let dir = [1, 0];
  for (let a = 0; a < pixels.length; a++) {
    for (let b = a + 1; b < pixels.length; b++) {
      const dx = pixels[b][0] - pixels[a][0];
      const dy = pixels[b][1] - pixels[a][1];
      const l = Math.hypot(dx, dy);
      if (l + pixel > long) {
        long = l + pixel;
        dir = [dx / l, dy / l];
      }
    }
  }
  if (pixels.length === 1) long = pixel;
  const across = pixels.map(([x, y]) => -x * dir[1] + y * dir[0]);
  const short = Math.max(...across) - Math.min(...across) + pixel;
  return {
    center: voxelToPatient(geometry, si / n, sj / n, sk / n),
    longAxisMm: long,
    shortAxisMm: short,
    meanDiameterMm: Math.round(((long + short) / 2) * 10) / 10,
    voxelCount: n,
    volumeMm3: n * sx * sy * sz,
  };
}
