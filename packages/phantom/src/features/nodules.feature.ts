import { patientToVoxel, voxelToPatient, type Vec3, type VolumeGeometry } from '@polyrad/sdk';
import { normalise, PHANTOM_LABELS, type ClassFilter, type PhantomScene } from '../phantom-scene.js';
import type { SeededRandom } from '../seeded-random.js';
import type { AcquiredImage } from '../ct-acquisition.js';
import { lungRadsBaseline, type LungRadsCategory } from './lung-rads.js';

export type NoduleAttachment = 'isolated' | 'juxtavascular' | 'juxtapleural';

/** Lung-RADS v2022 attenuation type: solid, part-solid (solid core in ground glass), non-solid (ground glass only). */
export type NoduleType = 'solid' | 'part-solid' | 'non-solid';

/**
 * Outline of a nodule: a sphere, an elongated capsule, or a sphere whose radius is modulated with
 * direction: lobulated (a few broad bumps), irregular (many small random ones), spiculated (a core with
 * thin radiating strands).
 */
export type NoduleShape = 'sphere' | 'ellipsoid' | 'lobulated' | 'irregular' | 'spiculated';

/** One nodule, fully specified (what `sampleChestCase` draws); unset fields are drawn from the seed. */
export interface NoduleSpec {
  /** nominal diameter of the whole nodule (ground glass included), mm; > 30 mm is a mass */
  diameterMm: number;
  /** default 'solid' */
  type?: NoduleType;
  /** part-solid only: nominal diameter of the solid core, mm; default 0.5 x diameterMm */
  solidDiameterMm?: number;
  /** default: 'sphere' or, at >= 6 mm, 'ellipsoid' with probability `ellipsoidFraction` */
  shape?: NoduleShape;
  /** default: drawn with the fractions below */
  attachment?: NoduleAttachment;
  /** mean HU: solid tissue +20..+60 by default; ground glass -750..-450 by default (for the halo of a part-solid one too) */
  hu?: number;
}

export interface NodulePhantomOptions {
  /** nominal diameter of each solid nodule, mm (one nodule per entry); default none */
  diametersMm?: number[];
  /** nodules of any type, shape and attachment, drawn after those of `diametersMm` */
  specs?: NoduleSpec[];
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
  shape: NoduleShape;
  type: NoduleType;
  /** what was drawn (a spec that did not fit its lung is shrunk until it does); the measurements below are counted from the voxels */
  nominalDiameterMm: number;
  /** mean HU of the nodule's tissue class: solid tissue, or the ground glass of a non-solid or part-solid one (the image adds noise) */
  hu: number;
  longAxisMm: number;
  shortAxisMm: number;
  /** (long + short) / 2 to one decimal, the size Lung-RADS v2022 classifies */
  meanDiameterMm: number;
  /** part-solid: long axis of the solid core on its own largest axial slice, mm */
  solidComponentMm?: number;
  /** part-solid: mean diameter of the solid core to one decimal, the size Lung-RADS v2022 classifies it by */
  solidComponentMeanMm?: number;
  /** long axis > 30 mm: a mass, not a nodule (Fleischner glossary, Hansell 2008) */
  isMass: boolean;
  /** expected Lung-RADS v2022 baseline category of this nodule alone, from type and counted size (see lungRadsBaseline) */
  lungRads: LungRadsCategory;
  /** body voxels (spicules excluded) in the image's label map, each image voxel the class of its slice's central sub-slice */
  voxelCount: number;
  /** voxelCount x image voxel volume */
  volumeMm3: number;
}

/** A nodule's body: inside(dx, dy, dz) in mm from its centre, within `reach` mm of it; spicules apart. */
interface Body {
  reach: number;
  inside(dx: number, dy: number, dz: number): boolean;
  spicule?(dx: number, dy: number, dz: number): boolean;
}

/**
 * Lung nodules inside the lungs: solid (soft tissue, +20..+60 HU), non-solid (ground glass, -750..-450
 * HU) or part-solid (a solid core inside ground glass); spherical, elongated, lobulated, irregular or
 * spiculated; free in the parenchyma, abutting a vessel, or broad-based on the pleura; masses > 30 mm
 * engulf the vessels in their way. Each nodule (and a part-solid one's core) is its own tissue class, so
 * its truth is counted exactly from the voxels it owns after drawing.
 *
 * Diameters follow Lung-RADS v2022 / Fleischner practice (Bankier AA et al., Radiology 2017;285:584-600):
 * on the axial slice where the nodule is largest, the long axis is its longest chord and the short axis
 * its largest extent perpendicular to it. On voxels, each extent runs between pixel centres plus one
 * (mean in-plane) pixel spacing, for the half pixel beyond the outermost centres on either side.
 * Axes, centre and volume are of the nodule's body (with a part-solid one's core); a spiculated nodule's
 * strands carry the nodule label and density but are left out of its measurements, as a reader measures
 * the body and not the spicules. Axes and centre are measured on the tissue map, the acquisition's
 * sub-slice grid, so sizes are those of the object, not of its partial-volume-blurred image; the voxel
 * count and volume are those of the image's label map, as for every volume of the phantom.
 */
export function addNodules(scene: PhantomScene, options: NodulePhantomOptions = {}): (image: AcquiredImage) => NoduleTruth[] {
  const specs: NoduleSpec[] = [...(options.diametersMm ?? []).map((diameterMm) => ({ diameterMm })), ...(options.specs ?? [])];
  if (specs.length === 0) return () => [];
  const pVascular = options.juxtavascularFraction ?? 1 / 3;
  const pPleural = options.juxtapleuralFraction ?? 1 / 3;
  const pEllipsoid = options.ellipsoidFraction ?? 0.3;
  const { rng, geometry, tissue } = scene;
  const sides = [
    { side: 'right' as const, sign: -1, lungClass: scene.classId('lung.right'), vesselClass: scene.classId('vessel.right') },
    { side: 'left' as const, sign: 1, lungClass: scene.classId('lung.left'), vesselClass: scene.classId('vessel.left') },
  ];
  const wall = new Set(['soft', 'fat', 'bone.cortical', 'bone.trabecular'].map((c) => scene.classId(c)));
  // what no nodule may touch: the other lung (nodules stay on their side), the airways, outside air
  const forbidden = new Set(['lung.right', 'lung.left', 'vessel.right', 'vessel.left', 'airway.lumen', 'airway.wall', 'air', 'emphysema.right', 'emphysema.left'].map((c) => scene.classId(c)));
  // vessel voxels per side to grow juxtavascular nodules on (few); lung positions are drawn by rejection
  const members = sides.map((s) => ({ vessel: [] as number[], ...s }));
  for (let p = 0; p < tissue.length; p++) {
    const c = tissue[p];
    for (const m of members) if (c === m.vesselClass) m.vessel.push(p);
  }
  const [nx, ny] = geometry.dimensions;
  const centreOf = (p: number): Vec3 => {
    const k = Math.floor(p / (nx * ny));
    const j = Math.floor((p - k * nx * ny) / nx);
    return voxelToPatient(geometry, p - k * nx * ny - j * nx, j, k);
  };
  const lungVoxel = (lungClass: number): number => {
    for (let tries = 0; tries < 100000; tries++) {
      const p = rng.int(0, tissue.length - 1);
      if (tissue[p] === lungClass) return p;
    }
    throw new Error('phantom: no lung to place a nodule in');
  };

  interface Placed {
    cls: number;
    solidCls?: number;
    side: 'left' | 'right';
    attachment: NoduleAttachment;
    shape: NoduleShape;
    type: NoduleType;
    nominal: number;
    hu: number;
  }
  const placed: Placed[] = [];
  const firstSide = rng.int(0, 1);
  specs.forEach((spec, index) => {
    const m = members[(firstSide + index) % 2];
    const draw = rng.next();
    const wanted: NoduleAttachment = spec.attachment ?? (draw < pVascular ? 'juxtavascular' : draw < pVascular + pPleural ? 'juxtapleural' : 'isolated');
    const type = spec.type ?? 'solid';
    const shape: NoduleShape = spec.shape ?? (wanted === 'isolated' && spec.diameterMm >= 6 && rng.next() < pEllipsoid ? 'ellipsoid' : 'sphere');
    const hu = Math.round(spec.hu ?? (type === 'solid' ? rng.uniform(20, 60) : rng.uniform(-750, -450)));
    const cls = scene.defineClass(`nodule.${index + 1}`, hu, PHANTOM_LABELS.nodule);
    // spicules: same density and label as the nodule, but not part of its measured body
    const spiculeCls = shape === 'spiculated' ? scene.defineClass(`nodule.${index + 1}.spicules`, hu, PHANTOM_LABELS.nodule) : undefined;
    const solidCls = type === 'part-solid' ? scene.defineClass(`nodule.${index + 1}.solid`, Math.round(rng.uniform(20, 60)), PHANTOM_LABELS.nodule) : undefined;
    const inLung = scene.filter([m.lungClass, m.vesselClass]);
    // a spec that finds no room in its lung is shrunk step by step (truth reports what was drawn)
    for (let diameter = spec.diameterMm; diameter >= Math.min(4, spec.diameterMm); diameter *= 0.85) {
      // masses and large nodules engulf the vessels they meet, as real ones do
      const engulfs = diameter > 20;
      const outline = nodulePoints(rng, shape, diameter);
      const rho = outline.reach;
      // each try of a large outline scans many voxels: fewer tries before shrinking it
      const attempts = rho > 15 ? 100 : 400;
      for (let attempt = 0; attempt < attempts; attempt++) {
        // a lung without a fitting vessel or wall spot gets a free-standing nodule instead
        let attachment = attempt < attempts / 2 ? wanted : 'isolated';
        let centre = centreOf(lungVoxel(m.lungClass));
        if (attachment === 'juxtavascular') {
          // next to a vessel's surface voxel, offset into the parenchyma, so the vessel runs into the nodule's edge
          if (m.vessel.length === 0) continue;
          const p = m.vessel[rng.int(0, m.vessel.length - 1)];
          const q = [p - 1, p + 1, p - nx, p + nx, p - nx * ny, p + nx * ny].find((n) => tissue[n] === m.lungClass);
          if (q === undefined) continue;
          const v = centreOf(p);
          const d = normalise(centreOf(q).map((x, axis) => x - v[axis]) as Vec3);
          const off = 0.85 * outline.typical;
          centre = [v[0] + d[0] * off, v[1] + d[1] * off, v[2] + d[2] * off];
        }
        if (attachment === 'juxtapleural') {
          // march outward (laterally, anteriorly or posteriorly, never towards the mediastinum) to the
          // chest wall, then step back in so part of the nodule lies beyond the pleura: a broad flat contact
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
          const back = s - rng.uniform(0.35, 0.65) * outline.typical;
          if (back < 0) continue;
          centre = [centre[0] + dir[0] * back, centre[1] + dir[1] * back, centre[2] + dir[2] * back];
        }
        if (scene.classAt(centre) !== m.lungClass) continue;
        // what surrounds the nodule (2 mm margin) decides whether this spot gives the attachment asked for
        const around = classesNear(tissue, geometry, centre, rho + 2);
        let ok = true;
        for (const c of around.keys()) {
          if (c === m.lungClass || (c === m.vesselClass && (attachment === 'juxtavascular' || engulfs))) continue;
          // a pleural-based nodule (or any mass) may also reach the mediastinal pleura (heart, great vessels, spine)
          if ((attachment === 'juxtapleural' || (engulfs && attachment === 'isolated')) && c >= 0 && !forbidden.has(c)) continue;
          ok = false;
        }
        if (!ok) continue;
        // a mass that reached the pleura is pleural-based, whatever was asked
        if (attachment === 'isolated' && [...around.keys()].some((c) => c !== m.lungClass && c !== m.vesselClass)) attachment = 'juxtapleural';
        if (attachment === 'juxtavascular' && !engulfs) {
          // the vessel must reach into the nodule, yet fill only a small part of it
          const inside = classesNear(tissue, geometry, centre, outline.typical);
          const vessel = inside.get(m.vesselClass) ?? 0;
          if (vessel === 0 || vessel > 0.4 * (inside.get(m.lungClass) ?? 0)) continue;
        }
        if (attachment === 'juxtapleural' && ![...wall].some((c) => around.has(c))) continue;
        const count = stampBody(tissue, geometry, centre, outline.body, inLung, cls, spiculeCls);
        if (count === 0) continue;
        if (solidCls !== undefined) {
          // the solid core: a smaller body of the same kind inside the ground glass, off-centre a little
          const core = nodulePoints(rng, shape === 'spiculated' ? 'lobulated' : shape, spec.solidDiameterMm ?? 0.5 * diameter);
          const shift = 0.15 * Math.max(0, outline.typical - core.reach);
          const c2: Vec3 = [centre[0] + shift * rng.normal(), centre[1] + shift * rng.normal(), centre[2] + shift * rng.normal()];
          stampBody(tissue, geometry, c2, core.body, scene.filter([cls]), solidCls);
        }
        placed.push({ cls, solidCls, side: m.side, attachment, shape, type, nominal: Math.round(diameter * 10) / 10, hu });
        return;
      }
    }
    throw new Error(`phantom: no room for a ${spec.diameterMm} mm nodule in the ${m.side} lung`);
  });

  return (image) => {
    // nodule index of each tissue class (-1: none), a lookup table for the pass over the map
    const byClass = new Int16Array(256).fill(-1);
    placed.forEach((n, index) => {
      byClass[n.cls] = index;
      if (n.solidCls !== undefined) byClass[n.solidCls] = index;
    });
    const voxels: number[][] = placed.map(() => []);
    const solid: number[][] = placed.map(() => []);
    for (let p = 0; p < tissue.length; p++) {
      const c = tissue[p];
      const index = byClass[c];
      if (index < 0) continue;
      voxels[index].push(p);
      if (c === placed[index].solidCls) solid[index].push(p);
    }
    // volume on the image's label map (each image voxel the class of its slice's central sub-slice)
    const counts = image.classCounts();
    const [sx, sy, sz] = geometry.spacing;
    return placed.map((n, index) => {
      const imageVoxels = counts[n.cls] + (n.solidCls !== undefined ? counts[n.solidCls] : 0);
      const size = { ...measureVoxels(geometry, voxels[index]), voxelCount: imageVoxels, volumeMm3: imageVoxels * sx * sy * sz * image.zSupersampling };
      const core = n.solidCls !== undefined && solid[index].length > 0 ? measureVoxels(geometry, solid[index]) : undefined;
      // a part-solid nodule whose core did not voxelise is, in the image, non-solid
      const type: NoduleType = n.type === 'part-solid' && core === undefined ? 'non-solid' : n.type;
      const truth: NoduleTruth = {
        side: n.side,
        attachment: n.attachment,
        shape: n.shape,
        type,
        nominalDiameterMm: n.nominal,
        hu: n.hu,
        ...size,
        ...(core ? { solidComponentMm: core.longAxisMm, solidComponentMeanMm: core.meanDiameterMm } : {}),
        isMass: size.longAxisMm > 30,
        lungRads: '2',
      };
      truth.lungRads = lungRadsBaseline(truth);
      return truth;
    });
  };
}

/**
 * The outline of a nodule of nominal diameter d: `typical` is its mean radius, `reach` its largest.
 * Lobulated: a sphere with 3-6 broad bumps; irregular: 12-20 narrow bumps and dents; spiculated: a
 * slightly lobulated core with 6-14 tapering strands (radius 0.8-1.5 mm at the core) reaching 1.8-2.8x the core radius, mostly
 * in-plane (z damped) so they show on axial slices.
 */
function nodulePoints(rng: SeededRandom, shape: NoduleShape, d: number): { body: Body; reach: number; typical: number } {
  const r = d / 2;
  if (shape === 'sphere') return { body: { reach: r, inside: (x, y, z) => x * x + y * y + z * z <= r * r }, reach: r, typical: r };
  if (shape === 'ellipsoid') {
    // a capsule of radius rho around a segment of length 2 half: long = d * 1.35, short = d * 0.75
    const rho = 0.375 * d;
    const half = 0.3 * d;
    const [ax, ay, az] = normalise([rng.normal(), rng.normal(), 0.3 * rng.normal()]);
    return {
      body: {
        reach: rho + half,
        inside: (x, y, z) => {
          const t = Math.max(-half, Math.min(half, x * ax + y * ay + z * az));
          return (x - t * ax) ** 2 + (y - t * ay) ** 2 + (z - t * az) ** 2 <= rho * rho;
        },
      },
      reach: rho + half,
      typical: rho,
    };
  }
  const bumps: Array<{ n: Vec3; a: number }> = [];
  const [count, amplitude, exponent, base] =
    shape === 'lobulated' ? [rng.int(3, 6), [0.15, 0.35], 4, 0.85] : shape === 'irregular' ? [rng.int(12, 20), [-0.18, 0.25], 10, 0.92] : [rng.int(2, 4), [0.05, 0.15], 4, 0.85];
  for (let b = 0; b < count; b++) bumps.push({ n: normalise([rng.normal(), rng.normal(), rng.normal()]), a: rng.uniform(amplitude[0], amplitude[1]) });
  const core = base * r;
  const radiusAt = (x: number, y: number, z: number, len: number): number => {
    let f = 1;
    for (const { n, a } of bumps) {
      const c = (x * n[0] + y * n[1] + z * n[2]) / len;
      if (c > 0) f += a * c ** exponent;
    }
    return core * f;
  };
  // the largest radius over a dense Fibonacci set of directions, with a margin for those in between
  let reach = 0;
  for (let q = 0; q < 2000; q++) {
    const z = 1 - (2 * q + 1) / 2000;
    const rxy = Math.sqrt(1 - z * z);
    const phi = q * 2.399963229728653;
    reach = Math.max(reach, radiusAt(rxy * Math.cos(phi), rxy * Math.sin(phi), z, 1));
  }
  reach *= 1.03;
  const spicules: Array<{ n: Vec3; length: number; radius: number }> = [];
  if (shape === 'spiculated') {
    // strands 1.6-3 mm thick where they leave the core
    for (let k = rng.int(6, 14); k > 0; k--) spicules.push({ n: normalise([rng.normal(), rng.normal(), 0.5 * rng.normal()]), length: core * rng.uniform(1.8, 2.8), radius: rng.uniform(0.8, 1.5) });
    reach = Math.max(reach, ...spicules.map((s) => s.length + s.radius));
  }
  return {
    body: {
      reach,
      inside: (x, y, z) => {
        const len = Math.sqrt(x * x + y * y + z * z);
        return len === 0 || len <= radiusAt(x, y, z, len);
      },
      spicule: (x, y, z) => {
        const len = Math.sqrt(x * x + y * y + z * z);
        for (const s of spicules) {
          const t = x * s.n[0] + y * s.n[1] + z * s.n[2];
          if (t < 0 || t > s.length) continue;
          // full thickness at the core's surface, tapering to 40 % at the tip
          const radius = t <= core ? s.radius : s.radius * (1 - (0.6 * (t - core)) / (s.length - core));
          if (len * len - t * t <= radius * radius) return true;
        }
        return false;
      },
    },
    reach,
    typical: core,
  };
}

/** Sets the voxels inside `body` centred at `centre` whose class passes `from` to `to` (its spicules to `spiculeTo`); returns how many changed. */
function stampBody(tissue: Uint8Array, geometry: VolumeGeometry, centre: Vec3, body: Body, from: ClassFilter, to: number, spiculeTo?: number): number {
  const [nx, ny, nz] = geometry.dimensions;
  const c = patientToVoxel(geometry, centre);
  const lo = [0, 1, 2].map((d) => Math.max(0, Math.floor(c[d] - body.reach / geometry.spacing[d])));
  const hi = [0, 1, 2].map((d) => Math.min(geometry.dimensions[d] - 1, Math.ceil(c[d] + body.reach / geometry.spacing[d])));
  // offsets in the patient frame: the grid is axis-aligned, possibly flipped along x and z
  const [sx, sy, sz] = geometry.spacing;
  const fx = sx * geometry.direction[0][0];
  const fy = sy * geometry.direction[1][1];
  const fz = sz * geometry.direction[2][2];
  let changed = 0;
  for (let k = lo[2]; k <= hi[2] && k < nz; k++) {
    for (let j = lo[1]; j <= hi[1] && j < ny; j++) {
      for (let i = lo[0]; i <= hi[0] && i < nx; i++) {
        const dx = (i - c[0]) * fx;
        const dy = (j - c[1]) * fy;
        const dz = (k - c[2]) * fz;
        const target = body.inside(dx, dy, dz) ? to : spiculeTo !== undefined && body.spicule?.(dx, dy, dz) ? spiculeTo : -1;
        if (target < 0) continue;
        const p = i + j * nx + k * nx * ny;
        const cls = tissue[p];
        if (from[cls] === 1 && cls !== target) {
          tissue[p] = target;
          changed++;
        }
      }
    }
  }
  return changed;
}

/** Tissue classes (with voxel counts) within `radius` mm of `centre`; outside the grid counts as class -1. */
function classesNear(tissue: Uint8Array, geometry: VolumeGeometry, centre: Vec3, radius: number): Map<number, number> {
  const [nx, ny, nz] = geometry.dimensions;
  const [sx, sy, sz] = geometry.spacing;
  const c = patientToVoxel(geometry, centre);
  const lo = [0, 1, 2].map((d) => Math.floor(c[d] - radius / geometry.spacing[d]));
  const hi = [0, 1, 2].map((d) => Math.ceil(c[d] + radius / geometry.spacing[d]));
  const counts = new Float64Array(257);
  const r2 = radius * radius;
  for (let k = lo[2]; k <= hi[2]; k++) {
    const dz2 = ((k - c[2]) * sz) ** 2;
    for (let j = lo[1]; j <= hi[1]; j++) {
      const dyz2 = dz2 + ((j - c[1]) * sy) ** 2;
      for (let i = lo[0]; i <= hi[0]; i++) {
        if (dyz2 + ((i - c[0]) * sx) ** 2 > r2) continue;
        // outside the grid counts as its own class (-1), so a nodule never leaves the image
        counts[i < 0 || j < 0 || k < 0 || i >= nx || j >= ny || k >= nz ? 0 : tissue[i + j * nx + k * nx * ny] + 1]++;
      }
    }
  }
  const found = new Map<number, number>();
  counts.forEach((n, c1) => n > 0 && found.set(c1 - 1, n));
  return found;
}

/** Truth of one nodule from its voxel indices (see addNodules for the diameter definition). */
function measureVoxels(geometry: VolumeGeometry, voxels: number[]): Pick<NoduleTruth, 'center' | 'longAxisMm' | 'shortAxisMm' | 'meanDiameterMm' | 'voxelCount' | 'volumeMm3'> {
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
  // brute force over the pairs of that slice's edge pixels (extreme points lie on the edge): the longest
  // chord, then the extent across it
  const onSlice = new Set(voxels.filter((p) => Math.floor(p / (nx * ny)) === largest).map((p) => p % (nx * ny)));
  const pixels = [...onSlice]
    .filter((q) => !onSlice.has(q - 1) || !onSlice.has(q + 1) || !onSlice.has(q - nx) || !onSlice.has(q + nx))
    .map((q) => [(q % nx) * sx, Math.floor(q / nx) * sy]);
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
  // never above the long axis (a round nodule's two extents may differ by rounding)
  const short = Math.min(long, Math.max(...across) - Math.min(...across) + pixel);
  return {
    center: voxelToPatient(geometry, si / n, sj / n, sk / n),
    longAxisMm: long,
    shortAxisMm: short,
    meanDiameterMm: Math.round(((long + short) / 2) * 10) / 10,
    voxelCount: n,
    volumeMm3: n * sx * sy * sz,
  };
}
