import { patientToVoxel, voxelToPatient, type Vec3 } from '@polyrad/sdk';
import { normalise, PHANTOM_LABELS, type PhantomScene } from '../phantom-scene.js';

/** A calcified plaque: a sphere of one density centred on a coronary artery. */
export interface CalciumLesionSpec {
  /** class HU of every lesion voxel (Agatston weight from its band: 130-199 -> 1 ... >=400 -> 4) */
  hu: number;
  radiusMm: number;
}

export interface HeartPhantomOptions {
  /** coronary lesions; default one per Agatston weight band (170, 250, 350, 520 HU); [] gives CAC 0 */
  coronaryLesions?: CalciumLesionSpec[];
  /** a dense plaque in the ascending aortic wall, which a coronary calcium score must not count; default true */
  aorticCalcium?: boolean;
}

export type CoronaryArtery = 'LM' | 'LAD' | 'LCX' | 'RCA';

export interface CalciumLesionTruth extends CalciumLesionSpec {
  artery: CoronaryArtery | 'aorta';
  /** LPS centre, mm */
  center: Vec3;
  /** voxels of this lesion in the image */
  voxelCount: number;
}

export interface HeartTruth {
  /** volume of the heart label (myocardium + blood pool), mL */
  volumeMl: number;
  /**
   * Agatston score of the coronary lesions (3 mm normalised, see `agatstonOfClasses`), counted from the
   * voxelised lesions with their class HU: exact for the image up to noise that pushes a lesion voxel
   * across 130 HU or a peak across a weight band (lesion densities keep >= 30 HU from every band edge)
   */
  agatston: number;
  /** CAC-DRS category of `agatston` (Hecht et al., JCCT 2018): "0", "1" (1-99), "2" (100-299), "3" (>=300) */
  cacDrs: '0' | '1' | '2' | '3';
  lesions: CalciumLesionTruth[];
  /** the aortic wall plaque and the Agatston score it would add if it were (wrongly) counted */
  aorticCalcium?: CalciumLesionTruth & { agatston: number };
  /** chambers enhance (IV contrast) */
  contrast: boolean;
}

const DEFAULT_LESIONS: CalciumLesionSpec[] = [
  { hu: 170, radiusMm: 2.5 },
  { hu: 250, radiusMm: 2 },
  { hu: 350, radiusMm: 2 },
  { hu: 520, radiusMm: 2.5 },
];

/** Agatston weight of a lesion's peak HU (Agatston et al., JACC 1990); 0 below the 130 HU threshold. */
export function agatstonWeight(peakHu: number): number {
  return peakHu >= 400 ? 4 : peakHu >= 300 ? 3 : peakHu >= 200 ? 2 : peakHu >= 130 ? 1 : 0;
}

export function cacDrsCategory(score: number): '0' | '1' | '2' | '3' {
  return score <= 0 ? '0' : score < 100 ? '1' : score < 300 ? '2' : '3';
}

/**
 * The heart as drawn by the core layout (one ellipsoid) refined into myocardium and four blood-pool
 * chambers, wrapped in epicardial fat, with the four main coronary arteries on its surface and calcified
 * plaques of known density on them; plus an aortic wall plaque that is not coronary calcium.
 */
export function addHeart(scene: PhantomScene, options: HeartPhantomOptions = {}): () => HeartTruth {
  const { heart: h, aorta } = scene.layout;
  const heartClass = scene.classId('heart');
  const aortaBlood = scene.classId('aorta.blood');
  const soft = scene.classId('soft');
  const mediastinum = scene.classId('mediastinum');
  // the pericardium and its fat lie between heart and lung: the fat layer may replace lung parenchyma
  const lung = ['lung.right', 'lung.left', 'vessel.right', 'vessel.left'].map((name) => scene.classId(name));
  const wrappable = scene.filter([soft, mediastinum, ...lung]);
  const myocardium = scene.defineClass('heart.myocardium', 45, PHANTOM_LABELS.heart);
  const blood = scene.defineClass('heart.blood', scene.contrast ? 300 : 40, PHANTOM_LABELS.heart);
  const fat = scene.defineClass('heart.fat', -100, PHANTOM_LABELS.body);
  const coronary = scene.defineClass('coronary.lumen', scene.contrast ? 300 : 40, PHANTOM_LABELS.body);

  // ellipsoid-normalised frame e = ((u-hu)/a, (v-hv)/b, (w-hw)/c); the long axis runs from the base
  // (posterior, right, superior) to the apex (anterior, left, inferior)
  const long = normalise([0.55, -0.45, -0.7]);
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
  const fatMm = 4;

  // aortic centre line segments in the local frame, with their radii, for the fat plane around the root
  const segments = aorta.centerLine.slice(0, -1).map((a, s) => ({ a, b: aorta.centerLine[s + 1], r: s < aorta.archIndex ? aorta.ascendingRadius : aorta.descendingRadius }));
  const aortaDistance = (p: Vec3): number => {
    let best = Infinity;
    for (const { a, b, r } of segments) {
      const e: Vec3 = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
      const t = Math.max(0, Math.min(1, dot([p[0] - a[0], p[1] - a[1], p[2] - a[2]], e) / dot(e, e)));
      best = Math.min(best, Math.hypot(p[0] - a[0] - t * e[0], p[1] - a[1] - t * e[1], p[2] - a[2] - t * e[2]) - r);
    }
    return best;
  };

  // ---- myocardium, chambers and epicardial fat: one pass over the ellipsoid's bounding box ----
  const { geometry, tissue } = scene;
  const [nx, ny, nz] = geometry.dimensions;
  const margin = fatMm + 2;
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-Infinity, -Infinity, -Infinity];
  for (const su of [-1, 1]) for (const sv of [-1, 1]) for (const sw of [-1, 1]) {
    const corner = patientToVoxel(geometry, scene.toPatient(h.u + su * (h.a + margin), h.v + sv * (h.b + margin), h.w + sw * (h.c + margin)));
    for (let d = 0; d < 3; d++) {
      lo[d] = Math.min(lo[d], Math.floor(corner[d]));
      hi[d] = Math.max(hi[d], Math.ceil(corner[d]));
    }
  }
  for (let k = Math.max(0, lo[2]); k <= Math.min(nz - 1, hi[2]); k++) {
    for (let j = Math.max(0, lo[1]); j <= Math.min(ny - 1, hi[1]); j++) {
      for (let i = Math.max(0, lo[0]); i <= Math.min(nx - 1, hi[0]); i++) {
        const p = i + j * nx + k * nx * ny;
        const cls = tissue[p];
        if (cls !== heartClass && wrappable[cls] !== 1) continue;
        const [u, v, w] = scene.toLocal(voxelToPatient(geometry, i, j, k));
        const e: Vec3 = [(u - h.u) / h.a, (v - h.v) / h.b, (w - h.w) / h.c];
        const q = Math.sqrt(dot(e, e));
        const radial = Math.hypot(u - h.u, v - h.v, w - h.w);
        // radial distance to the ellipsoid surface (mm): a close approximation of the true distance
        const depth = q > 0 ? radial * (1 / q - 1) : Infinity;
        if (cls !== heartClass) {
          if (depth > -fatMm) tissue[p] = fat;
          continue;
        }
        // a fat plane separates the aortic root and any abutting aorta from the heart, as on real CT
        if (aortaDistance([u, v, w]) < fatMm) tissue[p] = fat;
        else if (depth < wallMm) tissue[p] = myocardium;
        else {
          const el = dot(e, long) - avPlane;
          const es = dot(e, septal);
          tissue[p] = Math.abs(el) * meanAxis < septumMm / 2 || Math.abs(es) * meanAxis < septumMm / 2 ? myocardium : blood;
        }
      }
    }
  }

  // ---- coronary arteries: tubes in the epicardial fat, 2.5 mm outside the heart surface ----
  const offsetMm = 2.5;
  const surface = (e: Vec3): Vec3 => {
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
  const path = (f: (t: number) => Vec3, t0: number, t1: number): Vec3[] => Array.from({ length: steps + 1 }, (_, s) => surface(f(t0 + ((t1 - t0) * s) / steps)));
  const lcx = path(ring, Math.PI / 2 - 0.3, -Math.PI / 2 + 0.3); // left: from the anterior groove round the LV side
  const rca = path(ring, Math.PI / 2 + 0.3, (3 * Math.PI) / 2 - 0.3); // right: round the RV side
  const lad = path(groove, Math.asin(avPlane), 1.25);
  const bifurcation = lad[0];
  const root = aorta.centerLine[0];
  const toRoot = normalise([bifurcation[0] - root[0], bifurcation[1] - root[1], bifurcation[2] - root[2]]);
  const ostium: Vec3 = [0, 1, 2].map((d) => root[d] + aorta.ascendingRadius * toRoot[d]) as Vec3;
  const lm: Vec3[] = [ostium, bifurcation];
  const arteries: Record<CoronaryArtery, Vec3[]> = { LM: lm, LAD: lad, LCX: lcx, RCA: rca };
  const sleeve = scene.filter([soft, mediastinum, ...lung]);
  const lumenInto = scene.filter([soft, mediastinum, fat]);
  const coronaryRadius = 1.5;
  for (const line of Object.values(arteries)) {
    const pts = line.map(([u, v, w]) => scene.toPatient(u, v, w));
    for (let s = 0; s + 1 < pts.length; s++) scene.stampCapsule(pts[s], pts[s + 1], coronaryRadius + 2.5, sleeve, fat);
    for (let s = 0; s + 1 < pts.length; s++) scene.stampCapsule(pts[s], pts[s + 1], coronaryRadius, lumenInto, coronary);
  }

  // ---- calcified plaques on the arteries (never on lung, aorta or heart voxels) ----
  const lesionInto = scene.filter([coronary, fat, soft, mediastinum]);
  const order: CoronaryArtery[] = ['LAD', 'LCX', 'RCA', 'LAD', 'LM', 'RCA', 'LCX'];
  const lesions: CalciumLesionTruth[] = [];
  const calciumHu = new Map<number, number>(); // coronary lesion class -> HU
  const specs = options.coronaryLesions ?? DEFAULT_LESIONS;
  specs.forEach((spec, index) => {
    const artery = order[index % order.length];
    const line = arteries[artery];
    const cls = scene.defineClass(`coronary.calcium.${spec.hu}`, spec.hu, PHANTOM_LABELS.calcium);
    // a point in epicardial fat, on the artery's first half (where plaques cluster), clear of the other plaques
    for (let attempt = 0; attempt < 40; attempt++) {
      const t = scene.rng.uniform(0.1, artery === 'LM' ? 0.9 : 0.6);
      const at = Math.min(line.length - 2, Math.floor(t * (line.length - 1)));
      const f = t * (line.length - 1) - at;
      const local: Vec3 = [0, 1, 2].map((d) => line[at][d] + f * (line[at + 1][d] - line[at][d])) as Vec3;
      const center = scene.toPatient(...local);
      const here = scene.classAt(center);
      if (here !== coronary && here !== fat) continue;
      if (lesions.some((l) => Math.hypot(l.center[0] - center[0], l.center[1] - center[1], l.center[2] - center[2]) < l.radiusMm + spec.radiusMm + 6)) continue;
      const voxelCount = scene.stampCapsule(center, center, spec.radiusMm, lesionInto, cls);
      lesions.push({ ...spec, artery, center, voxelCount });
      calciumHu.set(cls, spec.hu);
      return;
    }
    throw new Error(`phantom: no place on the ${artery} for coronary lesion ${index}`);
  });

  // ---- aortic wall plaque: ascending aorta, just above the heart, facing the coronary territory ----
  let aortic: CalciumLesionTruth | undefined;
  let aorticClass = -1;
  if (options.aorticCalcium ?? true) {
    const [a, b] = [aorta.centerLine[0], aorta.centerLine[1]];
    const t = Math.min(0.9, (h.w + h.c + 8 - a[2]) / (b[2] - a[2]));
    const axis: Vec3 = [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]), a[2] + t * (b[2] - a[2])];
    const facing = normalise([1, -1, 0]); // anterior-left wall
    const local: Vec3 = [axis[0] + aorta.ascendingRadius * facing[0], axis[1] + aorta.ascendingRadius * facing[1], axis[2]];
    const spec = { hu: 600, radiusMm: 3 };
    aorticClass = scene.defineClass('aorta.calcium', spec.hu, PHANTOM_LABELS.aorta);
    const center = scene.toPatient(...local);
    const voxelCount = scene.stampCapsule(center, center, spec.radiusMm, scene.filter([aortaBlood, fat, soft, mediastinum]), aorticClass);
    aortic = { ...spec, artery: 'aorta', center, voxelCount };
  }

  const heartLabelled = (cls: number): boolean => cls === myocardium || cls === blood || cls === heartClass;
  return () => {
    const [sx, sy, sz] = geometry.spacing;
    let count = 0;
    for (const c of tissue) if (heartLabelled(c)) count++;
    const coronaryHu = (cls: number): number => calciumHu.get(cls) ?? -Infinity;
    const agatston = agatstonOfClasses(tissue, geometry.dimensions, geometry.spacing, coronaryHu);
    const withAorta = aortic ? agatstonOfClasses(tissue, geometry.dimensions, geometry.spacing, (cls) => (cls === aorticClass ? aortic!.hu : coronaryHu(cls))) : agatston;
    return {
      volumeMl: (count * sx * sy * sz) / 1000,
      agatston,
      cacDrs: cacDrsCategory(agatston),
      lesions,
      aorticCalcium: aortic && { ...aortic, agatston: withAorta - agatston },
      contrast: scene.contrast,
    };
  };
}

/**
 * Agatston score of a tissue-class map whose calcium classes have a known HU (`huOfClass`, -Infinity or 0
 * for non-calcium): per axial slice, 8-connected components of voxels >= 130 HU, area x weight of the
 * component's peak, summed and multiplied by slice spacing / 3 mm (the 3 mm-normalised convention).
 * Components under 1 mm2 are ignored (Agatston et al., JACC 1990). Hot loop on typed arrays.
 */
export function agatstonOfClasses(tissue: Uint8Array, dimensions: Vec3, spacing: Vec3, huOfClass: (cls: number) => number): number {
  const [nx, ny, nz] = dimensions;
  const hu = new Float64Array(256);
  for (let c = 0; c < 256; c++) hu[c] = huOfClass(c);
  const pixelMm2 = spacing[0] * spacing[1];
  const seen = new Uint8Array(nx * ny);
  const stack = new Int32Array(nx * ny);
  let sum = 0;
  for (let k = 0; k < nz; k++) {
    const base = k * nx * ny;
    seen.fill(0);
    for (let p0 = 0; p0 < nx * ny; p0++) {
      if (seen[p0] || !(hu[tissue[base + p0]] >= 130)) continue;
      let top = 0;
      let area = 0;
      let peak = -Infinity;
      stack[top++] = p0;
      seen[p0] = 1;
      while (top > 0) {
        const p = stack[--top];
        area++;
        peak = Math.max(peak, hu[tissue[base + p]]);
        const i = p % nx;
        const j = (p - i) / nx;
        for (let dj = -1; dj <= 1; dj++) {
          for (let di = -1; di <= 1; di++) {
            const ii = i + di;
            const jj = j + dj;
            if (ii < 0 || jj < 0 || ii >= nx || jj >= ny) continue;
            const q = ii + jj * nx;
            if (!seen[q] && hu[tissue[base + q]] >= 130) {
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
