import { patientToVoxel, type Vec3 } from '@polyrad/sdk';
import { localGrid, normalise, PHANTOM_LABELS, type ChestLayout, type PhantomScene } from '../phantom-scene.js';
import type { AcquiredImage } from '../ct-acquisition.js';
import { SeededRandom } from '../seeded-random.js';
import { mediastinalFat } from './mediastinum.feature.js';

export type CoronaryArtery = 'LM' | 'LAD' | 'LCX' | 'RCA';
/** calcium at heart level that is not coronary: aortic root wall ('aorta'), aortic valve cusps, mitral annulus */
export type NonCoronaryCalciumSite = 'aorta' | 'aortic-valve' | 'mitral-annulus';

/** A calcified plaque: a sphere with a core of peak density and, from 1.5 mm radius, a less dense rim. */
export interface CalciumLesionSpec {
  /** peak (core) class HU (Agatston weight from its band: 130-199 -> 1 ... >=400 -> 4) */
  hu: number;
  radiusMm: number;
  /** artery it lies on; default: LAD, LCX, RCA, LAD, LM, RCA, LCX in turn */
  artery?: CoronaryArtery;
}

export interface HeartPhantomOptions {
  /**
   * target volume of the heart (myocardium and chambers), mL, reached approximately (the truth counts
   * the drawn voxels); default drawn: 450-850 on 70 % of seeds, enlarged 850-1300 on 30 %
   */
  volumeMl?: number;
  /**
   * coronary lesions; default drawn: none (CAC 0) on 30 % of seeds, else per artery LM 0-1, LAD 0-3,
   * LCX 0-2, RCA 0-3 (at least one), radius 0.5-4 mm, peak 130-800 HU; [] gives CAC 0
   */
  coronaryLesions?: CalciumLesionSpec[];
  /** 1-3 plaques in the aortic root wall at heart level, which a coronary score must not count; default drawn (55 % of seeds) */
  aorticCalcium?: boolean;
  /** 1-4 calcified nodules on the aortic valve cusps; default drawn (35 % of seeds) */
  aorticValveCalcium?: boolean;
  /** a calcified arc of the posterior mitral annulus, next to the circumflex artery; default drawn (30 % of seeds) */
  mitralAnnulusCalcium?: boolean;
  /** greatest thickness of the patchy epicardial/pericardial fat, mm (0: none); default 0 on 15 % of seeds, else 2-9 */
  epicardialFatMm?: number;
  /** fat plane between the aortic root and the heart, mm; default 0 (root on the heart) on 70 % of seeds, else 1-4 */
  aorticRootFatMm?: number;
  /** distance of the coronary centre lines from the heart surface, mm (0-6); default drawn per artery from 1-6, varying +-1 mm along it */
  coronaryOffsetMm?: number;
  /** myocardium class HU; default drawn: contrast 90-130, non-contrast the unenhanced blood -2..+8 */
  myocardiumHu?: number;
}

export interface CalciumLesionTruth extends Omit<CalciumLesionSpec, 'artery'> {
  artery: CoronaryArtery | NonCoronaryCalciumSite;
  /** LPS centre, mm */
  center: Vec3;
  /** voxels of this lesion (core and rim) in the image's label map (see AcquiredImage) */
  voxelCount: number;
  /** class HU of the rim (outer 40 % of the radius), when drawn */
  rimHu?: number;
}

export interface HeartTruth {
  /** volume of the heart label (myocardium + blood pool + mitral annular calcium) in the image's label map: voxels x voxel volume, mL */
  volumeMl: number;
  /**
   * Agatston score of the coronary lesions only, as an ideal scorer reads it from this image at its slice
   * thickness, 3 mm normalised (see `agatstonOfImage`): partial volume and the kernel's edge response
   * included, noise not (noise may still push a voxel across 130 HU or a peak across a weight band)
   */
  agatston: number;
  /** CAC-DRS category of `agatston` (Hecht et al., JCCT 2018): "0", "1" (1-99), "2" (100-299), "3" (>=300) */
  cacDrs: '0' | '1' | '2' | '3';
  lesions: CalciumLesionTruth[];
  /** the aortic root wall plaques (first one's geometry) and the Agatston score they would add to this image's if (wrongly) counted */
  aorticCalcium?: CalciumLesionTruth & { agatston: number };
  /** every non-coronary calcification at heart level and the Agatston score all of them would add to this image's if (wrongly) counted */
  nonCoronaryCalcium: { lesions: CalciumLesionTruth[]; agatston: number };
  /** chambers enhance (IV contrast) */
  contrast: boolean;
  /** class HU of the left (LA, LV) and right (RA, RV) blood pools, and of the myocardium */
  bloodHu: { left: number; right: number };
  myocardiumHu: number;
  /** greatest epicardial fat thickness drawn, mm (the fat is patchy: most of the surface has less or none) */
  epicardialFatMm: number;
  aorticRootFatMm: number;
  /** share of the heart's surface voxels (face neighbours of a non-heart voxel) that touch fat, on the tissue map (sub-slices) */
  fatCoveredSurface: number;
}

/** Agatston weight of a lesion's peak HU (Agatston et al., JACC 1990); 0 below the 130 HU threshold. */
export function agatstonWeight(peakHu: number): number {
  return peakHu >= 400 ? 4 : peakHu >= 300 ? 3 : peakHu >= 200 ? 2 : peakHu >= 130 ? 1 : 0;
}

export function cacDrsCategory(score: number): '0' | '1' | '2' | '3' {
  return score <= 0 ? '0' : score < 100 ? '1' : score < 300 ? '2' : '3';
}

/** A calcium class HU kept 25 HU away from the Agatston band edges, so image noise rarely changes a weight. */
function clearOfBandEdges(hu: number): number {
  for (const edge of [130, 200, 300, 400]) if (Math.abs(hu - edge) < 25) return edge === 130 || hu >= edge ? edge + 25 : edge - 25;
  return Math.round(hu);
}

/**
 * Scales the core layout's heart ellipsoid (in place) to a target volume: a large heart grows sideways
 * and down more than up or back, its base stays where it was, and it never reaches back into the
 * aorta and oesophagus in front of the spine (`backLimitV`): the excess moves it forward and widens it.
 */
export function resizeHeart(heart: ChestLayout['heart'], options: HeartPhantomOptions = {}, rng: SeededRandom, limits: { backLimitV: number }): void {
  const enlarged = rng.next() < 0.3;
  const drawn = enlarged ? rng.uniform(850, 1300) : rng.uniform(450, 850);
  // the drawn voxels come out ~6 % below the ellipsoid (the aortic root, pulmonary trunk and chest wall take their share)
  const target = 1.06 * (options.volumeMl ?? drawn);
  const current = ((4 / 3) * Math.PI * heart.a * heart.b * heart.c) / 1000;
  const k = Math.cbrt(target / current);
  const top = heart.w + heart.c;
  heart.a *= k ** 1.25;
  heart.b *= k ** 0.9;
  heart.c *= k ** 0.85;
  heart.w = top - heart.c;
  const excess = heart.v + heart.b - limits.backLimitV;
  if (excess > 0) {
    const b = heart.b - excess / 2;
    heart.a *= heart.b / b;
    heart.b = b;
    heart.v -= excess / 2;
  }
}

/** Coronary lesions of a seed: none on 30 % of seeds, else a few per artery of every size and density. */
function drawCoronaryLesions(rng: SeededRandom): CalciumLesionSpec[] {
  const none = rng.next() < 0.3;
  const counts: [CoronaryArtery, number][] = [
    ['LM', rng.next() < 0.25 ? 1 : 0],
    ['LAD', rng.int(0, 3)],
    ['LCX', rng.int(0, 2)],
    ['RCA', rng.int(0, 3)],
  ];
  const specs: CalciumLesionSpec[] = [];
  for (const [artery, count] of counts) {
    for (let n = 0; n < count; n++) specs.push({ artery, radiusMm: 0.5 + 3.5 * rng.next() ** 1.6, hu: clearOfBandEdges(rng.uniform(130, 800)) });
  }
  if (specs.length === 0) specs.push({ artery: 'LAD', radiusMm: rng.uniform(1, 3), hu: clearOfBandEdges(rng.uniform(130, 800)) });
  return none ? [] : specs;
}

/**
 * The heart as drawn by the core layout (one ellipsoid) refined into myocardium and four blood-pool
 * chambers around a randomly tilted long axis; epicardial fat in patches (or none) rather than a shell;
 * the aortic root on the heart, usually without a fat plane; the four main coronary arteries in the
 * epicardial fat at a varying distance from the surface with calcified plaques of known density on them;
 * and, at the same level, calcium that is not coronary: aortic root wall, aortic valve, mitral annulus.
 */
export function addHeart(scene: PhantomScene, options: HeartPhantomOptions = {}): (image: AcquiredImage) => HeartTruth {
  const rng = new SeededRandom(Math.floor(scene.rng.next() * 4294967296));
  // every value is drawn whatever the options, so an option never shifts the others
  const drawn = {
    fat: rng.next() < 0.15 ? 0 : rng.uniform(2, 9),
    rootFat: rng.next() < 0.7 ? 0 : rng.uniform(1, 4),
    myocardium: scene.contrast ? rng.uniform(90, 130) : scene.blood.arterial + rng.uniform(-2, 8),
    tilt: [rng.uniform(-0.15, 0.15), rng.uniform(-0.15, 0.15), rng.uniform(-0.15, 0.15)],
    offsets: { LM: rng.uniform(1, 6), LAD: rng.uniform(1, 6), LCX: rng.uniform(1, 6), RCA: rng.uniform(1, 6) } as Record<CoronaryArtery, number>,
    phases: [rng.uniform(0, 6.3), rng.uniform(0, 6.3), rng.uniform(0, 6.3), rng.uniform(0, 6.3)],
    sleeve: rng.uniform(1, 4),
    aorticWall: rng.next() < 0.55,
    aorticValve: rng.next() < 0.35,
    mitral: rng.next() < 0.3,
    lesions: drawCoronaryLesions(rng),
  };
  const fatBumps = Array.from({ length: 6 }, () => ({ n: normalise([rng.normal(), rng.normal(), rng.normal()]), kappa: rng.uniform(3, 8), weight: rng.uniform(0.6, 1.4) }));
  const placeRng = new SeededRandom(Math.floor(rng.next() * 4294967296));
  const otherRng = new SeededRandom(Math.floor(rng.next() * 4294967296));

  const { heart: h, aorta } = scene.layout;
  const texture = mediastinalFat(scene);
  const heartClass = scene.classId('heart');
  const aortaBlood = scene.classId('aorta.blood');
  const soft = scene.classId('soft');
  const mediastinum = scene.classId('mediastinum');
  // the pericardium and its fat lie between heart and lung: the fat layer may replace lung parenchyma
  const lung = ['lung.right', 'lung.left', 'vessel.right', 'vessel.left'].map((name) => scene.classId(name));
  const refinable = scene.filter([heartClass, soft, mediastinum, ...texture.ids, ...lung]);
  const myocardiumHu = Math.round(options.myocardiumHu ?? drawn.myocardium);
  const myocardium = scene.defineClass('heart.myocardium', myocardiumHu, PHANTOM_LABELS.heart);
  const bloodLeft = scene.defineClass('heart.blood', scene.blood.arterial, PHANTOM_LABELS.heart);
  const bloodRight = scene.defineClass('heart.blood.right', scene.blood.venous, PHANTOM_LABELS.heart);
  // epicardial fat is drawn as one placeholder class, given the mediastinal fat texture at the end
  const fat = scene.defineClass('heart.fat', -100, PHANTOM_LABELS.body);
  const coronary = scene.defineClass('coronary.lumen', scene.blood.arterial, PHANTOM_LABELS.body);
  const fatMax = Math.max(0, options.epicardialFatMm ?? drawn.fat);
  const rootFat = Math.max(0, options.aorticRootFatMm ?? drawn.rootFat);

  // ellipsoid-normalised frame e = ((u-hu)/a, (v-hv)/b, (w-hw)/c); the long axis runs from the base
  // (posterior, right, superior) to the apex (anterior, left, inferior), tilted per seed
  const long = normalise([0.55 + drawn.tilt[0], -0.45 + drawn.tilt[1], -0.7 + drawn.tilt[2]]);
  const avPlane = -0.15; // atria where e.long < avPlane
  const dot = (a: Vec3, b: Vec3): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
  const cross = (a: Vec3, b: Vec3): Vec3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
  const lr: Vec3 = [1, 1, 0]; // towards the left ventricle (left, posterior)
  const septal = normalise([lr[0] - dot(lr, long) * long[0], lr[1] - dot(lr, long) * long[1], lr[2] - dot(lr, long) * long[2]]);
  let anterior = cross(long, septal);
  if (anterior[1] > 0) anterior = [-anterior[0], -anterior[1], -anterior[2]];
  const meanAxis = (h.a + h.b + h.c) / 3;
  const wallMm = 8;
  const septumMm = 4;
  /** patchy fat: thick where a direction is near one of six random bumps, none far from all of them */
  const fatThickness = (d: Vec3): number => {
    if (fatMax === 0) return 0;
    let sum = 0;
    for (const { n, kappa, weight } of fatBumps) sum += weight * Math.exp(kappa * (dot(d, n) - 1));
    return sum < 0.15 ? 0 : fatMax * Math.min(1, sum);
  };

  // aortic centre line segments in the local frame, with their radii, for the root's wall and fat plane
  // (each with a box that holds every point within the largest distance asked about, so far segments cost nothing)
  const reach = Math.max(rootFat, 2) + 1;
  const segments = aorta.centerLine.slice(0, -1).map((a, s) => {
    const b = aorta.centerLine[s + 1];
    const r = s < aorta.archIndex ? aorta.ascendingRadius : aorta.descendingRadius;
    const lo = [0, 1, 2].map((d) => Math.min(a[d], b[d]) - r - reach);
    const hi = [0, 1, 2].map((d) => Math.max(a[d], b[d]) + r + reach);
    return { a, b, r, lo, hi };
  });
  /** distance from a local point to the aortic surface, exact when below `reach`, else at least `reach` */
  const aortaDistance = (p: Vec3): number => {
    let best = Infinity;
    for (const { a, b, r, lo, hi } of segments) {
      if (p[0] < lo[0] || p[0] > hi[0] || p[1] < lo[1] || p[1] > hi[1] || p[2] < lo[2] || p[2] > hi[2]) continue;
      const e: Vec3 = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
      const t = Math.max(0, Math.min(1, dot([p[0] - a[0], p[1] - a[1], p[2] - a[2]], e) / dot(e, e)));
      best = Math.min(best, Math.hypot(p[0] - a[0] - t * e[0], p[1] - a[1] - t * e[1], p[2] - a[2] - t * e[2]) - r);
    }
    return best;
  };

  // ---- myocardium, chambers and epicardial fat: one pass over the ellipsoid's bounding box ----
  const { geometry, tissue } = scene;
  const [nx, ny, nz] = geometry.dimensions;
  const margin = fatMax + 12;
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-Infinity, -Infinity, -Infinity];
  for (const su of [-1, 1]) for (const sv of [-1, 1]) for (const sw of [-1, 1]) {
    const corner = patientToVoxel(geometry, scene.toPatient(h.u + su * (h.a + margin), h.v + sv * (h.b + margin), h.w + sw * (h.c + margin)));
    for (let d = 0; d < 3; d++) {
      lo[d] = Math.max(0, Math.min(lo[d], Math.floor(corner[d])));
      hi[d] = Math.min(geometry.dimensions[d] - 1, Math.max(hi[d], Math.ceil(corner[d])));
    }
  }
  const grid = localGrid(scene);
  /** visits the box's voxels whose class passes `only`, with their local (u, v, w) */
  const eachInBox = (only: Uint8Array, visit: (p: number, u: number, v: number, w: number, i: number, j: number, k: number) => void): void => {
    const { o, di, dj, dk } = grid;
    for (let k = lo[2]; k <= hi[2]; k++) {
      for (let j = lo[1]; j <= hi[1]; j++) {
        for (let i = lo[0]; i <= hi[0]; i++) {
          const p = i + j * nx + k * nx * ny;
          if (only[tissue[p]] !== 1) continue;
          visit(p, o[0] + i * di[0] + j * dj[0] + k * dk[0], o[1] + i * di[1] + j * dj[1] + k * dk[1], o[2] + i * di[2] + j * dj[2] + k * dk[2], i, j, k);
        }
      }
    }
  };
  eachInBox(refinable, (p, u, v, w) => {
    const cls = tissue[p];
    const e: Vec3 = [(u - h.u) / h.a, (v - h.v) / h.b, (w - h.w) / h.c];
    const q = Math.sqrt(dot(e, e));
    const radial = Math.hypot(u - h.u, v - h.v, w - h.w);
    // radial distance to the ellipsoid surface (mm): a close approximation of the true distance
    const depth = q > 0 ? radial * (1 / q - 1) : Infinity;
    if (cls !== heartClass) {
      if (depth < 0 && depth > -fatThickness([e[0] / q, e[1] / q, e[2] / q])) tissue[p] = fat;
      return;
    }
    const toAorta = aortaDistance([u, v, w]);
    if (toAorta < rootFat) tissue[p] = fat;
    else if (toAorta < 2 || depth < wallMm) tissue[p] = myocardium; // the aortic wall, then the heart's wall
    else {
      const el = dot(e, long) - avPlane;
      const es = dot(e, septal);
      tissue[p] = Math.abs(el) * meanAxis < septumMm / 2 || Math.abs(es) * meanAxis < septumMm / 2 ? myocardium : es > 0 ? bloodLeft : bloodRight;
    }
  });

  // ---- coronary arteries: tubes in the epicardial fat or on the surface, 0-6 mm off it ----
  const surface = (e: Vec3, offsetMm: number): Vec3 => {
    const d = normalise(e);
    const local: Vec3 = [h.u + h.a * d[0], h.v + h.b * d[1], h.w + h.c * d[2]];
    const n = normalise([d[0] / h.a, d[1] / h.b, d[2] / h.c]);
    return [local[0] + offsetMm * n[0], local[1] + offsetMm * n[1], local[2] + offsetMm * n[2]];
  };
  // the atrioventricular groove: a ring around the long axis; the interventricular groove: anterior, base to apex
  const ring = (phi: number): Vec3 => {
    const s = Math.sqrt(1 - avPlane * avPlane);
    return [0, 1, 2].map((d) => avPlane * long[d] + s * (Math.cos(phi) * septal[d] + Math.sin(phi) * anterior[d])) as Vec3;
  };
  const groove = (theta: number): Vec3 => [0, 1, 2].map((d) => Math.cos(theta) * anterior[d] + Math.sin(theta) * long[d]) as Vec3;
  const steps = 24;
  const offsetOf = (artery: CoronaryArtery, t: number, phase: number): number =>
    Math.max(0, Math.min(6, (options.coronaryOffsetMm ?? drawn.offsets[artery]) + Math.sin(2 * Math.PI * 1.3 * t + phase)));
  const path = (artery: CoronaryArtery, phase: number, f: (t: number) => Vec3, t0: number, t1: number): Vec3[] =>
    Array.from({ length: steps + 1 }, (_, s) => surface(f(t0 + ((t1 - t0) * s) / steps), offsetOf(artery, s / steps, phase)));
  const lcx = path('LCX', drawn.phases[0], ring, Math.PI / 2 - 0.3, -Math.PI / 2 + 0.3); // left: from the anterior groove round the LV side
  const rca = path('RCA', drawn.phases[1], ring, Math.PI / 2 + 0.3, (3 * Math.PI) / 2 - 0.3); // right: round the RV side
  const lad = path('LAD', drawn.phases[2], groove, Math.asin(avPlane), 1.25);
  const bifurcation = lad[0];
  const root = aorta.centerLine[0];
  const toRoot = normalise([bifurcation[0] - root[0], bifurcation[1] - root[1], bifurcation[2] - root[2]]);
  const ostium: Vec3 = [0, 1, 2].map((d) => root[d] + aorta.ascendingRadius * toRoot[d]) as Vec3;
  const lm: Vec3[] = [ostium, bifurcation];
  const arteries: Record<CoronaryArtery, Vec3[]> = { LM: lm, LAD: lad, LCX: lcx, RCA: rca };
  const lumenRadius: Record<CoronaryArtery, number> = { LM: 2, LAD: 1.6, LCX: 1.4, RCA: 1.7 };
  const sleeve = scene.filter([soft, mediastinum, ...texture.ids, ...lung]);
  const lumenInto = scene.filter([soft, mediastinum, fat, ...texture.ids]);
  for (const [artery, line] of Object.entries(arteries) as [CoronaryArtery, Vec3[]][]) {
    const pts = line.map(([u, v, w]) => scene.toPatient(u, v, w));
    for (let s = 0; s + 1 < pts.length; s++) scene.stampCapsule(pts[s], pts[s + 1], lumenRadius[artery] + drawn.sleeve, sleeve, fat);
    for (let s = 0; s + 1 < pts.length; s++) scene.stampCapsule(pts[s], pts[s + 1], lumenRadius[artery], lumenInto, coronary);
  }

  // ---- calcified plaques: a dense core and, from 1.5 mm radius, a less dense rim ----
  const calciumHu = new Map<number, number>(); // calcium class -> HU, coronary
  const otherHu = new Map<number, number>(); // calcium class -> HU, not coronary
  /** the classes each lesion was drawn with and how far from its centre they reach (its image voxels are counted in the truth) */
  const lesionClasses = new Map<CalciumLesionTruth, { classes: number[]; reach: number }>();
  const stampLesion = (center: Vec3, spec: Pick<CalciumLesionSpec, 'hu' | 'radiusMm'>, into: Uint8Array, name: string, label: number, hus: Map<number, number>): { classes: number[]; rimHu?: number } => {
    const core = scene.defineClass(`${name}.${spec.hu}`, spec.hu, label);
    hus.set(core, spec.hu);
    const rimHu = spec.radiusMm >= 1.5 ? clearOfBandEdges(Math.max(155, 0.55 * spec.hu)) : spec.hu;
    if (rimHu < spec.hu) {
      const rim = scene.defineClass(`${name}.${rimHu}`, rimHu, label);
      hus.set(rim, rimHu);
      scene.stampCapsule(center, center, spec.radiusMm, into, rim);
      scene.stampCapsule(center, center, 0.6 * spec.radiusMm, scene.filter([rim]), core);
      return { classes: [core, rim], rimHu };
    }
    scene.stampCapsule(center, center, spec.radiusMm, into, core);
    return { classes: [core] };
  };
  const drawLesion = (truth: Omit<CalciumLesionTruth, 'voxelCount' | 'rimHu'>, into: Uint8Array, name: string, label: number, hus: Map<number, number>): CalciumLesionTruth => {
    const { classes, rimHu } = stampLesion(truth.center, truth, into, name, label, hus);
    const lesion: CalciumLesionTruth = { ...truth, voxelCount: 0, ...(rimHu !== undefined ? { rimHu } : {}) };
    lesionClasses.set(lesion, { classes, reach: truth.radiusMm });
    return lesion;
  };
  const lesionInto = scene.filter([coronary, fat, soft, mediastinum, ...texture.ids]);
  const order: CoronaryArtery[] = ['LAD', 'LCX', 'RCA', 'LAD', 'LM', 'RCA', 'LCX'];
  const lesions: CalciumLesionTruth[] = [];
  const specs = options.coronaryLesions ?? drawn.lesions;
  const clear = (center: Vec3, radius: number, placed: CalciumLesionTruth[]): boolean =>
    placed.every((l) => Math.hypot(l.center[0] - center[0], l.center[1] - center[1], l.center[2] - center[2]) >= l.radiusMm + radius + 6);
  specs.forEach((spec, index) => {
    const artery = spec.artery ?? order[index % order.length];
    const line = arteries[artery];
    // a point on the artery's first part (where plaques cluster), in its lumen or fat, clear of the other plaques
    for (let attempt = 0; attempt < 60; attempt++) {
      const t = placeRng.uniform(0.05, artery === 'LM' ? 0.9 : 0.7);
      const at = Math.min(line.length - 2, Math.floor(t * (line.length - 1)));
      const f = t * (line.length - 1) - at;
      const center = scene.toPatient(...([0, 1, 2].map((d) => line[at][d] + f * (line[at + 1][d] - line[at][d])) as Vec3));
      const here = scene.classAt(center);
      if (here !== coronary && here !== fat) continue;
      if (!clear(center, spec.radiusMm, lesions)) continue;
      lesions.push(drawLesion({ ...spec, artery, center }, lesionInto, 'coronary.calcium', PHANTOM_LABELS.calcium, calciumHu));
      return;
    }
  });

  // ---- calcium at heart level that is not coronary ----
  const others: CalciumLesionTruth[] = [];
  const axisAt = (dw: number): Vec3 => {
    const [a, b] = [aorta.centerLine[0], aorta.centerLine[1]];
    const t = Math.min(1, dw / Math.max(1, b[2] - a[2]));
    return [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]), a[2] + t * (b[2] - a[2])];
  };
  const rootR = aorta.ascendingRadius;
  const heartClasses = [myocardium, bloodLeft, bloodRight, heartClass];
  // aortic root wall (sinuses of Valsalva, where the coronary ostia are): plaques half in the wall, half in the lumen
  const wallCount = otherRng.int(1, 3);
  const wallPlan = Array.from({ length: 3 }, () => ({ dw: otherRng.uniform(2, 22), phi: otherRng.uniform(0, 2 * Math.PI), radiusMm: otherRng.uniform(1, 3.5), hu: clearOfBandEdges(otherRng.uniform(250, 900)) }));
  if (options.aorticCalcium ?? drawn.aorticWall) {
    const into = scene.filter([aortaBlood, fat, soft, mediastinum, myocardium, ...texture.ids]);
    for (const { dw, phi, radiusMm, hu } of wallPlan.slice(0, wallCount)) {
      const axis = axisAt(dw);
      const c = scene.toPatient(axis[0] + (rootR - 0.3) * Math.cos(phi), axis[1] + (rootR - 0.3) * Math.sin(phi), axis[2]);
      const spec = { hu, radiusMm };
      others.push(drawLesion({ ...spec, artery: 'aorta', center: c }, into, 'aorta.calcium', PHANTOM_LABELS.aorta, otherHu));
    }
  }
  // aortic valve: nodules on the cusps, in the lumen just above the annulus
  const valveCount = otherRng.int(1, 4);
  const valvePlan = Array.from({ length: 4 }, () => ({ dw: otherRng.uniform(0, 4), rho: otherRng.uniform(0.3, 0.85), phi: otherRng.uniform(0, 2 * Math.PI), radiusMm: otherRng.uniform(1, 3), hu: clearOfBandEdges(otherRng.uniform(250, 800)) }));
  if (options.aorticValveCalcium ?? drawn.aorticValve) {
    const into = scene.filter([aortaBlood, fat, ...heartClasses, ...texture.ids]);
    for (const { dw, rho, phi, radiusMm, hu } of valvePlan.slice(0, valveCount)) {
      const axis = axisAt(dw);
      const c = scene.toPatient(axis[0] + rho * rootR * Math.cos(phi), axis[1] + rho * rootR * Math.sin(phi), axis[2]);
      const spec = { hu, radiusMm };
      others.push(drawLesion({ ...spec, artery: 'aortic-valve', center: c }, into, 'aortic-valve.calcium', PHANTOM_LABELS.aorta, otherHu));
    }
  }
  // mitral annulus: an arc in the posterior annulus, inside the heart's wall under the circumflex artery
  const arc = { phi0: otherRng.uniform(-1.0, 0.3), length: otherRng.uniform(0.5, 1.5), radiusMm: otherRng.uniform(1.2, 2.5), hu: clearOfBandEdges(otherRng.uniform(300, 750)) };
  const macClasses: number[] = [];
  if (options.mitralAnnulusCalcium ?? drawn.mitral) {
    const into = scene.filter([myocardium, bloodLeft, fat, ...texture.ids]);
    const pts = Array.from({ length: 7 }, (_, s) => surface(ring(arc.phi0 + (arc.length * s) / 6), -wallMm / 2)).map(([u, v, w]) => scene.toPatient(u, v, w));
    const cls = scene.defineClass(`mitral.calcium.${arc.hu}`, arc.hu, PHANTOM_LABELS.heart);
    otherHu.set(cls, arc.hu);
    macClasses.push(cls);
    for (let s = 0; s + 1 < pts.length; s++) scene.stampCapsule(pts[s], pts[s + 1], arc.radiusMm, into, cls);
    const mac: CalciumLesionTruth = { hu: arc.hu, radiusMm: arc.radiusMm, artery: 'mitral-annulus', center: pts[3], voxelCount: 0 };
    lesionClasses.set(mac, { classes: [cls], reach: arc.radiusMm + Math.max(...pts.map((q) => Math.hypot(q[0] - pts[3][0], q[1] - pts[3][1], q[2] - pts[3][2]))) });
    others.push(mac);
  }

  // ---- the epicardial fat takes the mediastinal fat texture ----
  eachInBox(scene.filter([fat]), (p, u, v, w) => {
    tissue[p] = texture.classAt(u, v, w);
  });

  const heartLabelled = new Uint8Array(256);
  for (const c of [myocardium, bloodLeft, bloodRight, heartClass, ...macClasses]) heartLabelled[c] = 1;
  const fatClass = new Uint8Array(256);
  for (const c of texture.ids) fatClass[c] = 1;
  return (image) => {
    const [sx, sy] = geometry.spacing;
    const f = image.zSupersampling;
    const centre = (f - 1) / 2;
    const nxy = nx * ny;
    // volume on the image's label map: each image voxel is the class of its slice's central sub-slice
    const counts = image.classCounts();
    let count = 0;
    heartLabelled.forEach((flag, c) => (count += flag * counts[c]));
    /** image voxels (label map) of a lesion's classes within its reach of its centre (lesions of one HU share a class) */
    const imageVoxelsOf = (lesion: CalciumLesionTruth): number => {
      const { classes, reach } = lesionClasses.get(lesion)!;
      const c = patientToVoxel(geometry, lesion.center);
      const r = [reach / sx, reach / sy, reach / geometry.spacing[2]];
      let n = 0;
      for (let k = Math.max(0, Math.floor(c[2] - r[2])); k <= Math.min(nz - 1, Math.ceil(c[2] + r[2])); k++) {
        if (k % f !== centre) continue;
        for (let j = Math.max(0, Math.floor(c[1] - r[1])); j <= Math.min(ny - 1, Math.ceil(c[1] + r[1])); j++) {
          for (let i = Math.max(0, Math.floor(c[0] - r[0])); i <= Math.min(nx - 1, Math.ceil(c[0] + r[0])); i++) {
            const d2 = ((i - c[0]) * sx) ** 2 + ((j - c[1]) * sy) ** 2 + ((k - c[2]) * geometry.spacing[2]) ** 2;
            if (d2 <= reach * reach && classes.includes(tissue[i + j * nx + k * nxy])) n++;
          }
        }
      }
      return n;
    };
    for (const lesion of [...lesions, ...others]) lesion.voxelCount = imageVoxelsOf(lesion);
    // fat cover: heart voxels with a face neighbour outside the heart, and how many of those touch fat
    let surfaceVoxels = 0;
    let covered = 0;
    eachInBox(heartLabelled, (p, _u, _v, _w, i, j, k) => {
      let outside = false;
      let touchesFat = false;
      for (const [di, dj, dk] of [[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]]) {
        const ii = i + di;
        const jj = j + dj;
        const kk = k + dk;
        if (ii < 0 || jj < 0 || kk < 0 || ii >= nx || jj >= ny || kk >= nz) continue;
        const c = tissue[ii + jj * nx + kk * nxy];
        if (heartLabelled[c]) continue;
        outside = true;
        if (fatClass[c]) touchesFat = true;
      }
      if (outside) surfaceVoxels++;
      if (touchesFat) covered++;
    });
    const imageSpacing: Vec3 = [sx, sy, geometry.spacing[2] * f];
    const score = (...groups: CalciumLesionTruth[][]): number => {
      const calcium = new Uint8Array(256);
      for (const lesion of groups.flat()) for (const c of lesionClasses.get(lesion)!.classes) calcium[c] = 1;
      return agatstonOfImage(image, imageSpacing, calcium);
    };
    const wall = others.filter((l) => l.artery === 'aorta');
    const agatston = score(lesions);
    const withOthers = others.length > 0 ? score(lesions, others) : agatston;
    const withWall = wall.length > 0 ? score(lesions, wall) : agatston;
    return {
      volumeMl: (count * imageSpacing[0] * imageSpacing[1] * imageSpacing[2]) / 1000,
      agatston,
      cacDrs: cacDrsCategory(agatston),
      lesions,
      ...(wall.length > 0 ? { aorticCalcium: { ...wall[0], agatston: withWall - agatston } } : {}),
      nonCoronaryCalcium: { lesions: others, agatston: withOthers - agatston },
      contrast: scene.contrast,
      bloodHu: { left: scene.blood.arterial, right: scene.blood.venous },
      myocardiumHu,
      epicardialFatMm: fatMax,
      aorticRootFatMm: rootFat,
      fatCoveredSurface: surfaceVoxels ? covered / surfaceVoxels : 0,
    };
  };
}

/**
 * Agatston score of the calcium drawn as the tissue classes flagged in `calcium`, as an ideal scorer reads
 * it from this image (Agatston et al., JACC 1990): on each image slice, the pixels the calcium reaches
 * (those whose sub-slices hold it, widened by the kernel's reach) that are >= 130 HU in the noise-free
 * image form 8-connected components; a component of >= 1 mm2 adds its area x the weight of its peak HU;
 * the sum is scaled by slice thickness / 3 mm (3 mm normalised). Partial volume over a thick slice lowers
 * peaks and areas and a sharp kernel raises edges, exactly as in the image; noise is left out. On a
 * contrast scan the enhanced lumen a plaque's pixels share is >= 130 HU too and counts with it (Agatston
 * scoring is defined on non-contrast CT). `spacing` is the image's [column, row, slice thickness], mm.
 */
export function agatstonOfImage(image: AcquiredImage, spacing: Vec3, calcium: Uint8Array): number {
  const [nx, ny, nz] = image.dimensions;
  const f = image.zSupersampling;
  const nxy = nx * ny;
  const { tissue } = image;
  const reach = image.kernelReachPx;
  const pixelMm2 = spacing[0] * spacing[1];
  const footprint = new Uint8Array(nxy);
  const region = new Uint8Array(nxy);
  const hu = new Float64Array(nxy);
  const seen = new Uint8Array(nxy);
  const stack = new Int32Array(nxy);
  let sum = 0;
  for (let k = 0; k < nz; k++) {
    footprint.fill(0);
    let any = false;
    for (let q = 0; q < f; q++) {
      const base = (k * f + q) * nxy;
      for (let p = 0; p < nxy; p++) {
        if (calcium[tissue[base + p]] === 1) {
          footprint[p] = 1;
          any = true;
        }
      }
    }
    if (!any) continue;
    region.fill(0);
    for (let p = 0; p < nxy; p++) {
      if (footprint[p] === 0) continue;
      const i = p % nx;
      const j = (p - i) / nx;
      for (let jj = Math.max(0, j - reach); jj <= Math.min(ny - 1, j + reach); jj++) {
        for (let ii = Math.max(0, i - reach); ii <= Math.min(nx - 1, i + reach); ii++) region[ii + jj * nx] = 1;
      }
    }
    image.noiseFreeSlice(k, hu);
    seen.fill(0);
    for (let p0 = 0; p0 < nxy; p0++) {
      if (seen[p0] || region[p0] === 0 || hu[p0] < 130) continue;
      let top = 0;
      let area = 0;
      let peak = -Infinity;
      stack[top++] = p0;
      seen[p0] = 1;
      while (top > 0) {
        const p = stack[--top];
        area++;
        peak = Math.max(peak, hu[p]);
        const i = p % nx;
        const j = (p - i) / nx;
        for (let dj = -1; dj <= 1; dj++) {
          for (let di = -1; di <= 1; di++) {
            const ii = i + di;
            const jj = j + dj;
            if (ii < 0 || jj < 0 || ii >= nx || jj >= ny) continue;
            const q = ii + jj * nx;
            if (!seen[q] && region[q] === 1 && hu[q] >= 130) {
              seen[q] = 1;
              stack[top++] = q;
            }
          }
        }
      }
      if (area * pixelMm2 >= 1) sum += area * pixelMm2 * agatstonWeight(peak);
    }
  }
  return (sum * spacing[2]) / 3;
}
