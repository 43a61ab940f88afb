import type { LabelMask, Vec3, Volume, VolumeGeometry } from '@polyrad/sdk';
import { SeededRandom } from './seeded-random.js';
import {
  classAtPoint,
  classFilter,
  normalise,
  PHANTOM_LABEL_NAMES,
  stampCapsule,
  TissueClasses,
  drawBloodPools,
  type BloodPoolOptions,
  type BloodPools,
  type ChestLayout,
  type PhantomScene,
} from './phantom-scene.js';
import { addAorta, type AortaPhantomOptions, type AortaTruth } from './features/aorta.feature.js';
import { addHeart, resizeHeart, type HeartPhantomOptions, type HeartTruth } from './features/heart.feature.js';
import { addMediastinum, type MediastinumPhantomOptions, type MediastinumTruth } from './features/mediastinum.feature.js';
import { addNodules, type NodulePhantomOptions, type NoduleTruth } from './features/nodules.feature.js';
import { addSpine, type SpinePhantomOptions, type SpineTruth } from './features/spine.feature.js';
import { addArms, type ArmPosition } from './features/arms.feature.js';
import { acquireCt, oddSupersampling, zSupersamplingFor, type ReconstructionKernel } from './ct-acquisition.js';

export { PHANTOM_LABELS } from './phantom-scene.js';

/**
 * Synthetic chest CT with exact ground truth, for validating lung algorithms without patient data.
 *
 * Anatomy is described analytically in a patient-centred frame (u: patient left, v: posterior,
 * w: superior, mm) that is rotated and shifted in-plane from the scanner's LPS frame, voxelised once
 * into a tissue-class map on sub-slices (finer along z than the image), then "scanned": each slice
 * averages its sub-slices (partial volume), the kernel shapes edges and noise (see ct-acquisition).
 * Truth is defined on the image that is output (see AcquiredImage in ct-acquisition):
 * - every volume and voxel count (lungs, airways, heart, nodules, vertebrae, oesophagus) is counted on
 *   the image's label map, whose voxels take the class at their slice's centre: recounting `labels`
 *   gives it back;
 * - LAA-950 and the 15th percentile are counted from the final HU (partial volume, kernel and noise:
 *   what an ideal lung segmentation of this image gives); Agatston scores (coronary, and what the
 *   non-coronary calcium would add) from the noise-free image: partial volume over the slice and the
 *   kernel's edge response, noise left out (see agatstonOfImage);
 * - geometric truth is of the drawn object: nodule axes on the sub-slice tissue map, vertebral heights
 *   as sub-slice columns, aortic and vessel diameters as drawn; class HU (trabecular bone, blood, fat)
 *   as drawn, which the image shows inside each structure away from its edges.
 */

export interface ChestPhantomOptions {
  seed: number;
  /** [columns, rows, slices]; default [160, 160, 90] */
  dimensions?: Vec3;
  /** mm; default [2, 2, 2.5]; the z spacing is also the slice thickness (contiguous slices) */
  spacing?: Vec3;
  /**
   * sub-slices per slice the anatomy is drawn at and averaged over (partial volume, see ct-acquisition);
   * default one per mm of slice thickness (`zSupersamplingFor`); an even count is raised to the next odd one
   */
  zSupersampling?: number;
  /** reconstruction kernel: edge rendition and noise texture; default 'standard' (white noise, no overshoot) */
  kernel?: ReconstructionKernel;
  /** body width (left-right, skin to skin), mm, 260-420 covers small to large adults; default drawn 270-320 */
  bodyWidthMm?: number;
  /** 'down': both arms beside the chest (soft tissue around a humerus) in the field; 'up': out of it; default 'up' */
  arms?: ArmPosition;
  /** fraction of lung volume replaced by emphysema clusters (~-985 HU), 0..0.6; default 0 */
  emphysemaFraction?: number;
  /** slices run superior to inferior (k -> -z), as a feet-first acquisition sorted by instance may */
  feetFirst?: boolean;
  /** rows run from patient left to right (i -> -x) */
  flipX?: boolean;
  /** lungs meet at an anterior junction line (one air component); default: drawn from the seed */
  touchingLungs?: boolean;
  /** SD of the Gaussian image noise, HU; default 20 */
  noiseSd?: number;
  /** a patient table (dense shell, foam core) under the body; default true */
  table?: boolean;
  /** IV contrast: aorta, heart chambers and pulmonary arteries enhance (see `blood`); default false */
  contrast?: boolean;
  /** blood-pool HU (arterial and venous); default drawn from the seed, see BloodPoolOptions */
  blood?: BloodPoolOptions;
  mediastinum?: MediastinumPhantomOptions;
  aorta?: AortaPhantomOptions;
  heart?: HeartPhantomOptions;
  spine?: SpinePhantomOptions;
  nodules?: NodulePhantomOptions;
}

export interface SidedNumbers {
  left: number;
  right: number;
  total: number;
}

export interface ChestPhantomTruth {
  lungVolumeMl: SidedNumbers;
  lungVoxelCount: SidedNumbers;
  /** % of lung-label voxels whose final HU (partial volume, kernel and noise) is below -950 (Gevenois 1996) */
  laa950Percent: SidedNumbers;
  /** 15th percentile of lung-label HU (lowest integer h with at least 15 % of voxels <= h) */
  perc15Hu: number;
  /** emphysema-cluster voxels / lung voxels, from the sub-slice tissue map (what was requested, as drawn) */
  emphysemaVolumeFraction: SidedNumbers;
  airwayVoxelCount: number;
  /** LPS centre of the trachea lumen at the carina, mm */
  carina: Vec3;
  touchingLungs: boolean;
  feetFirst: boolean;
  rotationDeg: number;
  contrast: boolean;
  bloodHu: BloodPools;
  mediastinum: MediastinumTruth;
  /** how the image was made (what an algorithm's operating range is about) */
  acquisition: AcquisitionTruth;
  aorta: AortaTruth;
  heart: HeartTruth;
  spine: SpineTruth;
  nodules: NoduleTruth[];
}

export interface AcquisitionTruth {
  sliceThicknessMm: number;
  pixelSpacingMm: number;
  /** columns x rows */
  matrix: [number, number];
  /** in-plane field of view (columns x pixel spacing), mm */
  fieldOfViewMm: number;
  zSupersampling: number;
  kernel: ReconstructionKernel;
  noiseSd: number;
  bodyWidthMm: number;
  arms: ArmPosition;
}

export interface ChestPhantom {
  volume: Volume;
  labels: LabelMask;
  truth: ChestPhantomTruth;
  /** the random anatomy in its patient-centred frame (u left, v posterior, w superior, mm) */
  layout: ChestLayout;
}

// Tissue classes of the intermediate map (internal).
const AIR = 0;
const FAT = 1;
const SOFT = 2;
const LUNG_R = 3;
const LUNG_L = 4;
const CORTICAL = 5;
const TRABECULAR = 6;
const AIRWAY_LUMEN = 7;
const AIRWAY_WALL = 8;
const VESSEL_R = 9;
const VESSEL_L = 10;
const EMPH_R = 11;
const EMPH_L = 12;
const TABLE_SHELL = 13;
const TABLE_CORE = 14;

const MEDIASTINUM = 15;
const HEART = 16;

// Mean HU and label of the core classes, in id order (lung parenchyma gets a gravity gradient on top).
const CORE_CLASSES: [string, number, number][] = [
  ['air', -1000, 0],
  ['fat', -100, 4],
  ['soft', 40, 4],
  ['lung.right', -865, 1],
  ['lung.left', -865, 2],
  ['bone.cortical', 700, 5],
  ['bone.trabecular', 200, 5],
  ['airway.lumen', -1000, 3],
  ['airway.wall', 60, 3],
  ['vessel.right', 40, 1],
  ['vessel.left', 40, 2],
  ['emphysema.right', -985, 1],
  ['emphysema.left', -985, 2],
  ['table.shell', 250, 6],
  ['table.core', -850, 6],
  ['mediastinum', -90, 4],
  ['heart', 40, 7],
];

interface Capsule {
  a: Vec3;
  b: Vec3;
  radius: number;
}

export function generateChestPhantom(options: ChestPhantomOptions): ChestPhantom {
  const rng = new SeededRandom(options.seed);
  // organs added after the lung model draw from their own stream, so adding one never changes the lungs
  const organRng = new SeededRandom(options.seed * 7919 + 17);
  const dimensions: Vec3 = options.dimensions ?? [160, 160, 90];
  const spacing: Vec3 = options.spacing ?? [2, 2, 2.5];
  const emphysemaFraction = Math.min(0.6, Math.max(0, options.emphysemaFraction ?? 0));
  const feetFirst = options.feetFirst ?? false;
  const noiseSd = options.noiseSd ?? 20;
  const contrast = options.contrast ?? false;
  const classes = new TissueClasses();
  for (const [name, hu, label] of CORE_CLASSES) classes.define(name, hu, label);
  const withTable = options.table ?? true;
  // the tissue map is drawn on a grid zSupersampling times finer along z than the image (partial volume)
  const zSupersampling = oddSupersampling(options.zSupersampling ?? zSupersamplingFor(spacing[2]));
  const kernel = options.kernel ?? 'standard';
  const [nx, ny] = dimensions;
  const nz = dimensions[2] * zSupersampling;
  const [sx, sy] = spacing;
  const sz = spacing[2] / zSupersampling;
  const nxy = nx * ny;
  const n = nxy * nz;

  // Grid centred on the LPS origin; axis-aligned so x depends on i only, y on j, z on k.
  const dirX = options.flipX ? -1 : 1;
  const dirZ = feetFirst ? -1 : 1;
  const halfX = ((nx - 1) * sx) / 2;
  const halfY = ((ny - 1) * sy) / 2;
  const halfZ = ((dimensions[2] - 1) * spacing[2]) / 2;
  const imageGeometry: VolumeGeometry = {
    dimensions,
    spacing,
    origin: [-dirX * halfX, -halfY, -dirZ * halfZ],
    direction: [
      [dirX, 0, 0],
      [0, 1, 0],
      [0, 0, dirZ],
    ],
  };
  // fine grid: image slice k covers fine slices k*zSupersampling .. (k+1)*zSupersampling - 1, centred on it
  const geometry: VolumeGeometry = {
    ...imageGeometry,
    dimensions: [nx, ny, nz],
    spacing: [sx, sy, sz],
    origin: [imageGeometry.origin[0], imageGeometry.origin[1], imageGeometry.origin[2] - (dirZ * (zSupersampling - 1) * sz) / 2],
  };
  const xOf = (i: number): number => geometry.origin[0] + i * sx * dirX;
  const yOf = (j: number): number => geometry.origin[1] + j * sy;
  const zOf = (k: number): number => geometry.origin[2] + k * sz * dirZ;

  // ---- randomised layout (all in mm; in-plane sizes scaled so the body fits the field of view) ----
  // a requested body width replaces the drawn one (the draws stay, so the rest of the anatomy does too);
  // depth follows width, and a larger patient carries most of the extra width as subcutaneous fat
  const drawnX0 = rng.uniform(135, 160);
  const drawnY0 = rng.uniform(100, 120);
  const bodyX0 = options.bodyWidthMm !== undefined ? options.bodyWidthMm / 2 : drawnX0;
  const bodyY0 = options.bodyWidthMm !== undefined ? (drawnY0 * bodyX0) / 147.5 : drawnY0;
  const habitusFat = options.bodyWidthMm !== undefined ? Math.max(0, (bodyX0 - 150) * 0.45) : 0;
  const scale = Math.min(1, (0.92 * halfX - 10) / bodyX0, (0.92 * halfY - 24) / bodyY0);
  const bx = bodyX0 * scale;
  const by = bodyY0 * scale;
  const ox = rng.uniform(-8, 8) * scale;
  const oy = rng.uniform(-6, 6) * scale;
  const rotationDeg = rng.uniform(-6, 6);
  const cosT = Math.cos((rotationDeg * Math.PI) / 180);
  const sinT = Math.sin((rotationDeg * Math.PI) / 180);
  const fat = (rng.uniform(8, 18) + habitusFat) * scale;
  const wall = rng.uniform(10, 16) * scale;
  const cageX = bx - fat - wall;
  const cageY = by - fat - wall;
  const touching = options.touchingLungs ?? rng.next() < 0.4;

  const mediastinumHalf = rng.uniform(14, 22) * scale;
  const lungV = rng.uniform(-0.04, 0.06) * by;
  const medialEdge = touching ? -rng.uniform(3, 6) * scale : rng.uniform(4, 12) * scale;
  const lungs = [-1, 1].map((side) => {
    // side -1: right lung (patient right is -x), +1: left lung
    const lateral = cageX + 6 * scale + rng.uniform(-4, 4) * scale;
    const ax = (lateral - medialEdge) / 2;
    return {
      side,
      cu: side * (lateral + medialEdge) / 2,
      ax,
      ay: cageY - Math.abs(lungV) + rng.uniform(2, 10) * scale,
      zApex: 0,
      zBase: 0,
      dome: 0,
      taperStart: rng.uniform(0.5, 0.62),
    };
  });
  const zTop = halfZ;
  const apex = zTop - rng.uniform(12, 22);
  const height = rng.uniform(0.72, 0.8) * 2 * halfZ;
  for (const lung of lungs) {
    lung.zApex = apex + rng.uniform(-4, 4);
    // the right hemidiaphragm sits higher (liver)
    lung.zBase = apex - height + (lung.side < 0 ? rng.uniform(6, 14) : rng.uniform(0, 5));
    lung.dome = rng.uniform(0.18, 0.26) * (lung.zApex - lung.zBase);
  }
  const zBaseMin = Math.min(lungs[0].zBase, lungs[1].zBase);
  const junction = { z0: zBaseMin + 0.45 * height, z1: zBaseMin + 0.75 * height, length: rng.uniform(8, 14) * scale };

  const spineR = rng.uniform(16, 21) * scale;
  const spineV = cageY - rng.uniform(22, 30) * scale;
  const cortical = Math.max(2.5, 1.2 * Math.max(sx, sy));
  const descendingRadius = organRng.uniform(11, 13);
  const aorta = { u: rng.uniform(18, 26) * scale, v: spineV - spineR - descendingRadius - organRng.uniform(1, 4) * scale, r: descendingRadius + 1 };
  const heart = {
    u: rng.uniform(8, 20) * scale,
    v: rng.uniform(-0.25, -0.1) * by,
    w: zBaseMin + rng.uniform(0.2, 0.3) * height,
    a: rng.uniform(45, 55) * scale,
    b: rng.uniform(40, 50) * scale,
    c: rng.uniform(45, 60),
  };
  // heart size (normal to enlarged) from its own stream, so it never shifts the lungs or the organs
  resizeHeart(heart, options.heart, new SeededRandom(options.seed * 6133 + 5), { backLimitV: spineV - spineR - 12 * scale });
  const trachea = {
    u: rng.uniform(-4, 4) * scale,
    v: spineV - spineR - rng.uniform(18, 26) * scale,
    r: rng.uniform(7, 9.5) * scale,
  };
  const carinaW = apex - rng.uniform(0.22, 0.32) * height;
  const aortaTop = Math.min(carinaW + organRng.uniform(12, 22), zTop - 30);
  // a wall at least one voxel step thick cannot be crossed by a 6-connected path, so lumens stay closed
  const airwayWall = Math.max(2, 1.05 * Math.max(sx, sy, spacing[2]));

  // local (u, v, w) -> LPS
  const toPatient = (u: number, v: number, w: number): Vec3 => [ox + cosT * u - sinT * v, oy + sinT * u + cosT * v, w];

  // ---- per-slice parameters, then the analytic voxelisation (hot loop over a typed array) ----
  const tissue = new Uint8Array(n);
  const sliceLung = new Float64Array(4); // ax, ay for right and left at this slice
  const tableTop = oy + by + 1.5;
  const tableHalfWidth = Math.min(0.85 * halfX, 225);
  const tableThickness = 12;
  const tableShell = Math.max(2.5, 1.2 * sy);
  for (let k = 0; k < nz; k++) {
    const w = zOf(k);
    let anyLung = false;
    for (let s = 0; s < 2; s++) {
      const lung = lungs[s];
      const t = (w - lung.zBase) / (lung.zApex - lung.zBase);
      let f = 0;
      if (t >= 0 && t < 1) {
        f = t <= lung.taperStart ? 1 : Math.sqrt(Math.max(0, 1 - ((t - lung.taperStart) / (1 - lung.taperStart)) ** 2));
      }
      sliceLung[2 * s] = lung.ax * f;
      sliceLung[2 * s + 1] = lung.ay * f;
      if (f > 0) anyLung = true;
    }
    // anterior junction: below vJunction the mediastinal band is absent, so the lungs meet at u = 0
    let vJunction = -Infinity;
    if (touching && w > junction.z0 && w < junction.z1) {
      let tip = -cageY;
      for (let s = 0; s < 2; s++) {
        const ax = sliceLung[2 * s];
        const ay = sliceLung[2 * s + 1];
        const cu = lungs[s].cu;
        if (ax > Math.abs(cu)) tip = Math.max(tip, lungV - ay * Math.sqrt(1 - (cu / ax) ** 2));
      }
      vJunction = tip + junction.length;
    }
    const dwHeart = (w - heart.w) / heart.c;
    const heartF = Math.abs(dwHeart) < 1 ? Math.sqrt(1 - dwHeart * dwHeart) : 0;
    const heartA = heart.a * heartF;
    const heartB = heart.b * heartF;
    const hasAorta = w < aortaTop;
    const base = k * nxy;
    for (let j = 0; j < ny; j++) {
      const dy = yOf(j) - oy;
      const row = base + j * nx;
      for (let i = 0; i < nx; i++) {
        const x = xOf(i);
        const dx = x - ox;
        const u = cosT * dx + sinT * dy;
        const v = -sinT * dx + cosT * dy;
        let cls = AIR;
        const eb = (u / bx) ** 2 + (v / by) ** 2;
        if (eb > 1) {
          const y = dy + oy;
          if (withTable && y > tableTop && y < tableTop + tableThickness && Math.abs(x - ox) < tableHalfWidth) {
            const edge = Math.min(y - tableTop, tableTop + tableThickness - y, tableHalfWidth - Math.abs(x - ox));
            cls = edge < tableShell ? TABLE_SHELL : TABLE_CORE;
          }
        } else if ((u / (bx - fat)) ** 2 + (v / (by - fat)) ** 2 > 1) {
          cls = FAT;
        } else {
          cls = SOFT;
          const ds = Math.sqrt(u * u + (v - spineV) ** 2);
          if (ds < spineR) {
            cls = ds > spineR - cortical ? CORTICAL : TRABECULAR;
          } else if ((u / cageX) ** 2 + (v / cageY) ** 2 < 1 && ds > spineR + 3) {
            const inHeart = heartF > 0 && ((u - heart.u) / heartA) ** 2 + ((v - heart.v) / heartB) ** 2 < 1;
            if (inHeart) {
              cls = HEART;
            } else if (anyLung) {
              // mediastinal fat outlines the heart and great vessels, as on real non-contrast CT
              if (Math.abs(u) < mediastinumHalf + 20 * scale && w > zBaseMin) cls = MEDIASTINUM;
              const s = u < 0 ? 0 : 1;
              const ax = sliceLung[2 * s];
              const ay = sliceLung[2 * s + 1];
              if (ax > 0) {
                const q = ((u - lungs[s].cu) / ax) ** 2 + ((v - lungV) / ay) ** 2;
                const inMediastinum = Math.abs(u) < mediastinumHalf && v > vJunction;
                const inAorta = hasAorta && (u - aorta.u) ** 2 + (v - aorta.v) ** 2 < aorta.r * aorta.r;
                if (q < 1 && w > lungs[s].zBase + lungs[s].dome * (1 - q) && !inMediastinum && !inAorta) {
                  cls = s === 0 ? LUNG_R : LUNG_L;
                }
              }
            }
          }
        }
        tissue[row + i] = cls;
      }
    }
  }

  // ---- airways: trachea from above the field of view to the carina, two main bronchi (capped tubes) ----
  const carina = toPatient(trachea.u, trachea.v, carinaW);
  const rightEnd = toPatient(-(mediastinumHalf + rng.uniform(12, 20) * scale), trachea.v + rng.uniform(-4, 8) * scale, carinaW - rng.uniform(16, 24));
  const leftEnd = toPatient(mediastinumHalf + rng.uniform(14, 24) * scale, trachea.v + rng.uniform(-4, 8) * scale, carinaW - rng.uniform(24, 34));
  const rightR = rng.uniform(5.5, 7) * scale;
  const leftR = rng.uniform(5, 6.5) * scale;
  const airways: Capsule[] = [
    { a: toPatient(trachea.u, trachea.v, zTop + 20), b: carina, radius: trachea.r },
    { a: carina, b: rightEnd, radius: rightR },
    { a: carina, b: leftEnd, radius: leftR },
  ];
  for (const c of airways) stampCapsule(tissue, geometry, c.a, c.b, c.radius + airwayWall, WALL_FROM_ANY, AIRWAY_WALL);
  // the bronchial lumens open into the lung beyond their wall, as real airways do, so the lungs and
  // the trachea form one air component and a segmenter has to cut the airway off
  const opening = airwayWall + Math.max(sx, sy, sz);
  for (const c of airways) {
    const d = normalise([c.b[0] - c.a[0], c.b[1] - c.a[1], c.b[2] - c.a[2]]);
    const b: Vec3 = c === airways[0] ? c.b : [c.b[0] + d[0] * opening, c.b[1] + d[1] * opening, c.b[2] + d[2] * opening];
    stampCapsule(tissue, geometry, c.a, b, c.radius, LUMEN_FROM_ANY, AIRWAY_LUMEN);
  }

  // ---- vessel trees: branching tubes grown outward from each hilum, drawn only inside lung ----
  const classAt = (p: Vec3): number => classAtPoint(tissue, geometry, p);
  for (const lung of lungs) {
    const lungClass = lung.side < 0 ? LUNG_R : LUNG_L;
    const into = classFilter([lungClass]);
    const vesselClass = lung.side < 0 ? VESSEL_R : VESSEL_L;
    const trees = rng.int(5, 9);
    for (let t = 0; t < trees; t++) {
      const root = toPatient(lung.side * (mediastinumHalf + rng.uniform(3, 10) * scale), lungV + rng.uniform(-20, 20) * scale, carinaW - rng.uniform(5, 50));
      if (classAt(root) !== lungClass) continue;
      // explicit stack of [x, y, z, dx, dy, dz, length, radius, depth]
      const stack: number[][] = [];
      const d0 = normalise([lung.side * 1, rng.uniform(-0.6, 0.6), rng.uniform(-0.7, 0.5)]);
      stack.push([...root, ...d0, rng.uniform(18, 30) * scale, rng.uniform(3, 4.5) * scale, 0]);
      while (stack.length > 0) {
        const [px, py, pz, ddx, ddy, ddz, len, radius, depth] = stack.pop()!;
        const end: Vec3 = [px + ddx * len, py + ddy * len, pz + ddz * len];
        stampCapsule(tissue, geometry, [px, py, pz], end, radius, into, vesselClass);
        if (depth >= 3 || radius < 1.2 || classAt(end) < 0) continue;
        for (let c = 0; c < 2; c++) {
          const d = normalise([ddx + rng.uniform(-0.6, 0.6), ddy + rng.uniform(-0.6, 0.6), ddz + rng.uniform(-0.6, 0.6)]);
          stack.push([...end, ...d, len * 0.85, radius * 0.75, depth + 1]);
        }
      }
    }
  }

  // ---- organ features: each draws its anatomy and reports its truth from the final image ----
  const layout: ChestLayout = {
    scale,
    body: { halfWidth: bx, halfDepth: by },
    cage: { halfWidth: cageX, halfDepth: cageY },
    lungs: {
      right: { cu: lungs[0].cu, ax: lungs[0].ax, ay: lungs[0].ay, zApex: lungs[0].zApex, zBase: lungs[0].zBase },
      left: { cu: lungs[1].cu, ax: lungs[1].ax, ay: lungs[1].ay, zApex: lungs[1].zApex, zBase: lungs[1].zBase },
    },
    mediastinumHalfWidth: mediastinumHalf,
    heart: { ...heart },
    aorta: aortaCenterLine(heart, aorta, aortaTop, zTop - 2 * halfZ, organRng, descendingRadius),
    spine: { v: spineV, radius: spineR, cortical },
    trachea: { u: trachea.u, v: trachea.v, radius: trachea.r },
    carinaW,
    wTop: zTop,
    wBottom: zTop - 2 * halfZ,
  };
  const scene: PhantomScene = {
    geometry,
    tissue,
    rng: organRng,
    layout,
    contrast,
    blood: drawBloodPools(new SeededRandom(options.seed * 15485863 + 11), contrast, options.blood),
    toPatient,
    toLocal: ([x, y, z]) => [cosT * (x - ox) + sinT * (y - oy), -sinT * (x - ox) + cosT * (y - oy), z],
    defineClass: (name, hu, label) => classes.define(name, hu, label),
    classId: (name) => classes.id(name),
    classAt,
    filter: classFilter,
    stampCapsule: (a, b, radius, from, to) => stampCapsule(tissue, geometry, a, b, radius, from, to),
  };
  const aortaTruth = addAorta(scene, options.aorta);
  const mediastinumTruth = addMediastinum(scene, options.mediastinum);
  const heartTruth = addHeart(scene, options.heart);
  const spineTruth = addSpine(scene, options.spine);
  const noduleTruth = addNodules(scene, options.nodules);
  const arms = options.arms ?? 'up';
  if (arms === 'down') addArms(scene, new SeededRandom(options.seed * 104729 + 3));

  const CLASS_HU = Float32Array.from(classes.hu);
  const CLASS_LABEL = Uint8Array.from(classes.label);

  // ---- emphysema: low-attenuation spheres replacing parenchyma until each lung reaches its share ----
  const lungCount = [0, 0];
  for (let p = 0; p < n; p++) {
    const label = CLASS_LABEL[tissue[p]];
    if (label === 1) lungCount[0]++;
    else if (label === 2) lungCount[1]++;
  }
  const emphCount = [0, 0];
  if (emphysemaFraction > 0) {
    // uneven split between the lungs so a left/right swap shows in per-lung results
    const a = rng.uniform(-0.4, 0.4);
    const k = (lungCount[0] + lungCount[1]) / ((1 + a) * lungCount[0] + (1 - a) * lungCount[1]);
    const fractions = [Math.min(0.9, emphysemaFraction * (1 + a) * k), Math.min(0.9, emphysemaFraction * (1 - a) * k)];
    const voxelMm3 = sx * sy * sz;
    const minRadius = 1.2 * Math.max(sx, sy, spacing[2]);
    for (let s = 0; s < 2; s++) {
      const lungClass = s === 0 ? LUNG_R : LUNG_L;
      const emphClass = s === 0 ? EMPH_R : EMPH_L;
      const members = new Int32Array(lungCount[s]);
      let m = 0;
      for (let p = 0; p < n; p++) if (tissue[p] === lungClass) members[m++] = p;
      const target = Math.round(fractions[s] * lungCount[s]);
      const into = classFilter([lungClass]);
      for (let attempt = 0; emphCount[s] < target && attempt < 200000 && m > 0; attempt++) {
        // upper-zone predominance, as in centrilobular emphysema: keep the more superior of two draws
        let p = members[rng.int(0, m - 1)];
        const p2 = members[rng.int(0, m - 1)];
        if (rng.next() < 0.7 && zOf(Math.floor(p2 / nxy)) > zOf(Math.floor(p / nxy))) p = p2;
        if (tissue[p] !== lungClass) continue;
        const remainingMm3 = (target - emphCount[s]) * voxelMm3;
        const radius = Math.max(minRadius, Math.min(rng.uniform(3, 10) * scale, Math.cbrt((3 * remainingMm3) / (4 * Math.PI))));
        const k3 = Math.floor(p / nxy);
        const j3 = Math.floor((p - k3 * nxy) / nx);
        const centre: Vec3 = [xOf(p - k3 * nxy - j3 * nx), yOf(j3), zOf(k3)];
        emphCount[s] += stampCapsule(tissue, geometry, centre, centre, radius, into, emphClass);
      }
    }
  }

  // ---- HU: class mean (+ dependent-lung gradient) averaged over each slice's sub-slices, kernel, noise ----
  const gradient = new Float64Array(nxy);
  for (let j = 0; j < ny; j++) {
    const dy = yOf(j) - oy;
    // gravity: dependent (posterior) lung is denser
    for (let i = 0; i < nx; i++) gradient[j * nx + i] = 25 * ((-sinT * (xOf(i) - ox) + cosT * dy) / by);
  }
  const { voxels, labels, image } = acquireCt({
    tissue,
    dimensions,
    zSupersampling,
    classHu: CLASS_HU,
    classLabel: CLASS_LABEL,
    offset: { classes: classFilter([LUNG_R, LUNG_L]), hu: gradient },
    noiseSd,
    kernel,
    rng,
  });
  const nImage = voxels.length;

  // ---- ground truth, counted from the voxelised result ----
  const counts = [0, 0];
  const below = [0, 0];
  const histogram = new Float64Array(4096);
  let airwayVoxelCount = 0;
  for (let p = 0; p < nImage; p++) {
    const label = labels[p];
    if (label === 1 || label === 2) {
      const hu = voxels[p];
      counts[label - 1]++;
      if (hu < -950) below[label - 1]++;
      histogram[hu + 1024]++;
    } else if (label === 3) airwayVoxelCount++;
  }
  const lungTotal = counts[0] + counts[1];
  let perc15Hu = -1024;
  for (let h = 0, cum = 0; h < 4096; h++) {
    cum += histogram[h];
    if (cum >= 0.15 * lungTotal) {
      perc15Hu = h - 1024;
      break;
    }
  }
  const mlPerVoxel = (sx * sy * spacing[2]) / 1000;
  const pct = (a: number, b: number): number => (b > 0 ? (100 * a) / b : 0);
  const truth: ChestPhantomTruth = {
    lungVolumeMl: { right: counts[0] * mlPerVoxel, left: counts[1] * mlPerVoxel, total: lungTotal * mlPerVoxel },
    lungVoxelCount: { right: counts[0], left: counts[1], total: lungTotal },
    laa950Percent: { right: pct(below[0], counts[0]), left: pct(below[1], counts[1]), total: pct(below[0] + below[1], lungTotal) },
    perc15Hu,
    emphysemaVolumeFraction: {
      right: lungCount[0] ? emphCount[0] / lungCount[0] : 0,
      left: lungCount[1] ? emphCount[1] / lungCount[1] : 0,
      total: lungCount[0] + lungCount[1] ? (emphCount[0] + emphCount[1]) / (lungCount[0] + lungCount[1]) : 0,
    },
    airwayVoxelCount,
    carina,
    touchingLungs: touching,
    feetFirst,
    rotationDeg,
    contrast,
    bloodHu: scene.blood,
    mediastinum: mediastinumTruth(image),
    acquisition: {
      sliceThicknessMm: spacing[2],
      pixelSpacingMm: sx,
      matrix: [nx, ny],
      fieldOfViewMm: nx * sx,
      zSupersampling,
      kernel,
      noiseSd,
      bodyWidthMm: 2 * bx,
      arms,
    },
    aorta: aortaTruth(),
    heart: heartTruth(image),
    spine: spineTruth(image),
    nodules: noduleTruth(image),
  };
  return {
    volume: { geometry: imageGeometry, voxels, unit: 'HU' },
    labels: { geometry: imageGeometry, labels, labelNames: { ...PHANTOM_LABEL_NAMES } },
    truth,
    layout,
  };
}

/** Aortic root at the top of the heart, ascending anterior-right, arch over to the descending aorta beside the spine. */
function aortaCenterLine(
  heart: ChestLayout['heart'],
  descending: { u: number; v: number },
  archW: number,
  wBottom: number,
  rng: SeededRandom,
  descendingRadius: number,
): ChestLayout['aorta'] {
  const root: Vec3 = [heart.u - 0.45 * heart.a, heart.v - 0.15 * heart.b, heart.w + 0.55 * heart.c];
  const ascendingTop: Vec3 = [root[0] - rng.uniform(2, 8), root[1] - rng.uniform(0, 6), archW];
  const descendingTop: Vec3 = [descending.u, descending.v, archW];
  const archTop: Vec3 = [(ascendingTop[0] + descendingTop[0]) / 2, (ascendingTop[1] + descendingTop[1]) / 2, archW + rng.uniform(12, 18)];
  return {
    centerLine: [root, ascendingTop, archTop, descendingTop, [descending.u, descending.v, wBottom - 10]],
    archIndex: 2,
    ascendingRadius: rng.uniform(14, 17),
    descendingRadius,
  };
}

const WALL_FROM_ANY = classFilter([AIRWAY_LUMEN], true); // a wall never overwrites another airway's lumen
const LUMEN_FROM_ANY = classFilter([], true);
