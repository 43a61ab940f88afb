import type { Vec3 } from '@polyrad/sdk';
import { localGrid, PHANTOM_LABELS, type PhantomScene } from '../phantom-scene.js';
import type { AcquiredImage } from '../ct-acquisition.js';
import { SeededRandom } from '../seeded-random.js';

export interface MediastinumPhantomOptions {
  /** outer radius of the oesophagus, mm; default drawn from 6-9 */
  oesophagusRadiusMm?: number;
  /** radius of the air column in the oesophageal lumen, mm (0: collapsed, no air); default 0 on 40 % of seeds, else 1.5-4.5 */
  oesophagusAirMm?: number;
  /** main pulmonary artery (trunk) diameter, mm; default drawn from 22-31 (>= 29 mm suggests pulmonary hypertension) */
  pulmonaryTrunkDiameterMm?: number;
  /** superior vena cava diameter, mm; default drawn from 15-22 */
  svcDiameterMm?: number;
  /** inferior vena cava diameter, mm (from the liver into the right atrium); default drawn from 18-26 */
  ivcDiameterMm?: number;
  /** liver attenuation, HU; default drawn: non-contrast 45-65, contrast 75-115 */
  liverHu?: number;
  /** mean attenuation of the mediastinal fat, HU (it varies in smooth patches, SD about 18 HU, around this); default drawn from -110..-90 */
  fatHu?: number;
  /** enlarged mediastinal lymph nodes (short axis 8-16 mm) in the fat; default drawn from 0-3 */
  lymphNodes?: number;
}

export interface MediastinumTruth {
  /** centre line (LPS, from the top down to the hiatus and on towards the stomach), outer and air radius, voxels in the image's label map */
  oesophagus: { centerLine: Vec3[]; radiusMm: number; airRadiusMm: number; voxelCount: number; airVoxelCount: number };
  pulmonaryTrunkDiameterMm: number;
  svcDiameterMm: number;
  ivcDiameterMm: number;
  liverHu: number;
  /** LPS z of the highest liver voxel (top of the dome under the right hemidiaphragm), mm; null if the liver lies below the field of view */
  liverTopZ: number | null;
  /** mean class HU of the mediastinal and epicardial fat over its image voxels (label map; before partial volume and noise) */
  fatMeanHu: number;
  /** SD of the fat class HU over its voxels (before noise): the fat is not uniform */
  fatSdHu: number;
  lymphNodeCount: number;
}

/** Patchy fat: tissue classes of one HU each, assigned from a smooth random field, shared by every fat depot of the mediastinum. */
export interface FatTexture {
  ids: number[];
  /** class HU of each id */
  hu: number[];
  /** fat class at local (u, v, w) */
  classAt(u: number, v: number, w: number): number;
}

const FAT_CLASSES = 9;
const FAT_STEP_HU = 10;
const FAT_SD_HU = 18;
const textures = new WeakMap<PhantomScene, FatTexture>();

/**
 * The mediastinal fat texture of a scene, created on the first call (the mediastinum draws first, the
 * heart's epicardial fat reuses it): a sum of six plane waves of 12-40 mm wavelength, about N(0, 1),
 * mapped to nine fat classes 10 HU apart around the mean.
 */
export function mediastinalFat(scene: PhantomScene, meanHu?: number): FatTexture {
  const existing = textures.get(scene);
  if (existing) return existing;
  const rng = new SeededRandom(Math.floor(scene.rng.next() * 4294967296));
  const drawnMean = rng.uniform(-110, -90);
  const mean = meanHu ?? drawnMean;
  const waves = Array.from({ length: 6 }, () => {
    const d = [rng.normal(), rng.normal(), rng.normal()];
    const k = (2 * Math.PI) / rng.uniform(12, 40) / (Math.hypot(d[0], d[1], d[2]) || 1);
    return [d[0] * k, d[1] * k, d[2] * k, rng.uniform(0, 2 * Math.PI)];
  });
  const lowest = mean - (FAT_STEP_HU * (FAT_CLASSES - 1)) / 2;
  const hu = Array.from({ length: FAT_CLASSES }, (_, n) => Math.round(lowest + n * FAT_STEP_HU));
  const ids = hu.map((h, n) => scene.defineClass(`fat.mediastinal.${n}`, h, PHANTOM_LABELS.body));
  const norm = Math.sqrt(waves.length / 2);
  const texture: FatTexture = {
    ids,
    hu,
    classAt(u, v, w) {
      let f = 0;
      for (const [a, b, c, phase] of waves) f += Math.sin(a * u + b * v + c * w + phase);
      const n = Math.round(((FAT_SD_HU * f) / norm + mean - lowest) / FAT_STEP_HU);
      return ids[n < 0 ? 0 : n >= FAT_CLASSES ? FAT_CLASSES - 1 : n];
    },
  };
  textures.set(scene, texture);
  return texture;
}

/**
 * The mediastinum around the heart and great vessels as on real CT: the oesophagus between the trachea
 * (above the carina), the left atrium (below it) and the spine, lying on the descending aorta; the
 * pulmonary trunk against the ascending aorta, dividing under the arch into the right and left
 * pulmonary arteries; the superior vena cava on the right of the ascending aorta with the azygos arch
 * entering it; the inferior vena cava through the liver into the right atrium; lymph nodes; the liver dome under the right hemidiaphragm; and fat of patchy attenuation.
 * Tubes placed against the aorta, trachea or spine overlap them by a millimetre or two and never
 * overwrite them, so they touch without a fat plane. Runs after the aorta and before the heart.
 */
export function addMediastinum(scene: PhantomScene, options: MediastinumPhantomOptions = {}): (image: AcquiredImage) => MediastinumTruth {
  const rng = new SeededRandom(Math.floor(scene.rng.next() * 4294967296));
  // every value is drawn whatever the options, so an option never shifts the others
  const drawn = {
    oesophagusRadius: rng.uniform(6, 9),
    air: rng.next() < 0.4 ? 0 : rng.uniform(1.5, 4.5),
    trunk: rng.uniform(22, 31),
    svc: rng.uniform(15, 22),
    liverHu: scene.contrast ? rng.uniform(75, 115) : rng.uniform(45, 65),
    nodes: rng.int(0, 3),
    oesophagusLeft: rng.uniform(2, 8),
    bifurcationW: rng.uniform(-6, 4),
    svcBack: rng.uniform(0, 6),
    liverTop: rng.uniform(0.9, 1.05),
    ivc: rng.uniform(18, 26),
  };
  const fatTexture = mediastinalFat(scene, options.fatHu);
  const { layout, contrast, blood } = scene;
  const { spine, trachea, aorta, carinaW, wTop, wBottom, scale } = layout;
  const P = (p: Vec3): Vec3 => scene.toPatient(p[0], p[1], p[2]);
  const id = (name: string): number => scene.classId(name);
  const soft = id('soft');
  const mediastinum = id('mediastinum');
  const lungs = ['lung.right', 'lung.left', 'vessel.right', 'vessel.left'].map(id);
  const heartCore = id('heart');
  // every stamp below lists the classes it may overwrite: never the aorta, airways or bone, so a tube
  // placed overlapping them is flattened against them
  const stampPath = (points: Vec3[], radius: number, into: Uint8Array, cls: number): number => {
    let n = 0;
    for (let s = 0; s + 1 < points.length; s++) n += scene.stampCapsule(P(points[s]), P(points[s + 1]), radius, into, cls);
    return n;
  };

  // ---- oesophagus: behind the trachea, then between the left atrium and the spine on the aorta's right ----
  const rE = options.oesophagusRadiusMm ?? drawn.oesophagusRadius;
  const rAir = Math.min(rE - 2, options.oesophagusAirMm ?? drawn.air);
  const spineFront = spine.v - spine.radius;
  const tracheaBack = trachea.v + trachea.radius + 2.5;
  // above the carina: against the back of the trachea (squeezed if the spine is close)
  const upperV = Math.min(tracheaBack + rE - 1.5, (tracheaBack + spineFront) / 2 + 1);
  const upperU = trachea.u + drawn.oesophagusLeft * scale;
  // below the carina: in front of the spine, overlapping the descending aorta's right side by 1.5 mm
  const [descU, descV] = aorta.centerLine[aorta.centerLine.length - 1];
  const rA = aorta.descendingRadius;
  const lowerV = spineFront - 0.7 * rE;
  const along = rA + rE - 1.5;
  const lowerU = descU - Math.sqrt(Math.max(0, along * along - (lowerV - descV) ** 2));
  const hiatusW = Math.min(layout.lungs.right.zBase, layout.lungs.left.zBase) - 15;
  // at the hiatus it crosses in front of the aorta towards the stomach
  const hiatus: Vec3 = [descU - 0.5 * rA, descV - rA - rE + 1.5, hiatusW];
  const oesophagusLine: Vec3[] = [
    [upperU, upperV, wTop + 10],
    [upperU, upperV, carinaW + 6],
    [lowerU, lowerV, carinaW - 20],
    [lowerU, lowerV, hiatusW + 25],
    hiatus,
    [hiatus[0] + 10, hiatus[1] - 10, wBottom - 20],
  ];
  const oesophagusWall = scene.defineClass('oesophagus.wall', contrast ? 60 : 40, PHANTOM_LABELS.body);
  const oesophagusAir = scene.defineClass('oesophagus.air', -1000, PHANTOM_LABELS.body);
  const tubeInto = scene.filter([soft, mediastinum, heartCore, ...lungs]);
  stampPath(oesophagusLine, rE, tubeInto, oesophagusWall);
  if (rAir > 0) stampPath(oesophagusLine, rAir, scene.filter([oesophagusWall]), oesophagusAir);

  // ---- pulmonary trunk from the right ventricular outflow, against the left front of the aortic root ----
  const vein = scene.filter([soft, mediastinum, ...lungs]);
  const rT = (options.pulmonaryTrunkDiameterMm ?? drawn.trunk) / 2;
  const [root, ascTop] = aorta.centerLine;
  const rAsc = aorta.ascendingRadius;
  const toLeftFront: Vec3 = [0.8, -0.6, 0];
  const trunkStart: Vec3 = [root[0] + (rAsc + rT - 2) * toLeftFront[0], root[1] + (rAsc + rT - 2) * toLeftFront[1], root[2] + 6];
  // it divides in the aortopulmonary window, in front of the left main bronchus, just below the arch
  const bifurcation: Vec3 = [trachea.u + trachea.radius + 0.6 * rT, trachea.v - trachea.radius - 0.8 * rT, carinaW + drawn.bifurcationW];
  const arteryClass = scene.defineClass('pulmonary.artery', blood.venous, PHANTOM_LABELS.body);
  const arteryInto = scene.filter([soft, mediastinum, heartCore, ...lungs]);
  stampPath([trunkStart, bifurcation], rT, arteryInto, arteryClass);
  // left pulmonary artery: over the left main bronchus into the left hilum
  const rBranch = 0.72 * rT;
  const lpa: Vec3[] = [bifurcation, [layout.mediastinumHalfWidth + 10 * scale, trachea.v + 6 * scale, carinaW - 4], [layout.mediastinumHalfWidth + 30 * scale, trachea.v + 12 * scale, carinaW - 14]];
  stampPath(lpa, rBranch, arteryInto, arteryClass);
  // right pulmonary artery: behind the ascending aorta and SVC, in front of the carina, into the right hilum
  const ascBack = Math.max(root[1], ascTop[1]) + rAsc;
  const tracheaFront = trachea.v - trachea.radius - 2.5;
  const rpaV = (ascBack + tracheaFront) / 2;
  const rpa: Vec3[] = [bifurcation, [trachea.u, rpaV, carinaW - 8], [-(layout.mediastinumHalfWidth + 8 * scale), rpaV + 4 * scale, carinaW - 14], [-(layout.mediastinumHalfWidth + 28 * scale), rpaV + 8 * scale, carinaW - 22]];
  stampPath(rpa, rBranch, arteryInto, arteryClass);

  // ---- superior vena cava: on the right of the ascending aorta, from the top into the right atrium ----
  const rS = (options.svcDiameterMm ?? drawn.svc) / 2;
  const beside = (p: Vec3, w: number): Vec3 => [p[0] - (rAsc + rS - 1.5), p[1] + drawn.svcBack * scale, w];
  const svcLine: Vec3[] = [beside(ascTop, wTop + 10), beside(ascTop, ascTop[2]), beside(root, root[2])];
  const svcClass = scene.defineClass('vena.cava', blood.venous, PHANTOM_LABELS.body);
  const svcCount = stampPath(svcLine, rS, vein, svcClass);

  // ---- azygos vein: up the right front of the spine, arching over the right main bronchus into the SVC ----
  const rAz = 4 * Math.max(0.75, scale);
  const azAngle = (-40 * Math.PI) / 180;
  const azReach = spine.radius + rAz - 0.5;
  const azU = azReach * Math.sin(azAngle);
  const azV = spine.v - azReach * Math.cos(azAngle);
  const svcAt = beside(ascTop, carinaW + 8);
  const azygos: Vec3[] = [
    [azU, azV, wBottom - 10],
    [azU, azV, carinaW + 4],
    [trachea.u - trachea.radius - 6 * scale, trachea.v, carinaW + 12],
    [svcAt[0], svcAt[1] + rS - 2, svcAt[2]],
  ];
  // unenhanced, or mixed with contrast that refluxes from the SVC
  const azygosClass = scene.defineClass('vena.azygos', contrast ? Math.round((blood.venous + blood.arterial) / 4) : blood.arterial, PHANTOM_LABELS.body);
  stampPath(azygos, rAz, scene.filter([soft, mediastinum, ...lungs]), azygosClass);

  // ---- inferior vena cava: up through the liver into the right atrium's floor (stops at the heart) ----
  const rI = (options.ivcDiameterMm ?? drawn.ivc) / 2;
  const h = layout.heart;
  const ivcTop: Vec3 = [h.u - 0.5 * h.a, h.v + 0.35 * h.b, h.w - 0.45 * h.c];
  // mixed with unenhanced blood from the legs in the arterial phase
  const ivcClass = scene.defineClass('vena.cava.inferior', contrast ? Math.round((blood.venous + blood.arterial) / 4 + 30) : blood.arterial, PHANTOM_LABELS.body);
  stampPath([ivcTop, [ivcTop[0] + 4, ivcTop[1] + 6, wBottom - 10]], rI, scene.filter([soft, mediastinum, ...lungs]), ivcClass);

  // ---- lymph nodes: pretracheal, subcarinal, aortopulmonary window, right paratracheal ----
  const nodeCount = Math.max(0, Math.min(4, options.lymphNodes ?? drawn.nodes));
  const nodeClass = scene.defineClass('lymph.node', contrast ? 70 : 40, PHANTOM_LABELS.body);
  const stations: Vec3[] = [
    [trachea.u, trachea.v - trachea.radius - 9, carinaW + 18],
    [trachea.u, trachea.v + 4, carinaW - 14],
    [trachea.u + trachea.radius + 10, trachea.v - 6, carinaW + 6],
    [trachea.u - trachea.radius - 8, trachea.v - 4, carinaW + 24],
  ];
  let nodes = 0;
  for (let n = 0; n < nodeCount; n++) {
    const c = stations[n];
    const r = rng.uniform(4, 8);
    if (scene.stampCapsule(P([c[0], c[1], c[2] - r / 2]), P([c[0], c[1], c[2] + r / 2]), r, scene.filter([mediastinum, soft]), nodeClass) > 0) nodes++;
  }

  // ---- one pass: the liver under the right hemidiaphragm, and patchy fat for the uniform mediastinal class ----
  const liverHu = Math.round(options.liverHu ?? drawn.liverHu);
  const liver = scene.defineClass('liver', liverHu, PHANTOM_LABELS.body);
  const right = layout.lungs.right;
  // the liver fills the soft tissue under the right lung's dome (at most 26 % of its height) and across the midline
  const liverTop = right.zBase + drawn.liverTop * 0.27 * (right.zApex - right.zBase);
  const cage = layout.cage;
  // right lobe: a dome filling the right side front to back; left lobe: a lower, flatter dome in front, under the heart
  const lobes = [
    { u: -0.3 * cage.halfWidth, a: 0.8 * cage.halfWidth, v: 0.05 * cage.halfDepth, b: 0.9 * cage.halfDepth, c: 130, top: liverTop },
    { u: 0.1 * cage.halfWidth, a: 0.5 * cage.halfWidth, v: -0.45 * cage.halfDepth, b: 0.55 * cage.halfDepth, c: 90, top: liverTop - 8 },
  ];
  const inLiver = (u: number, v: number, w: number): boolean =>
    lobes.some((l) => ((u - l.u) / l.a) ** 2 + ((v - l.v) / l.b) ** 2 + ((w - l.top + l.c) / l.c) ** 2 < 1);
  const { geometry, tissue } = scene;
  const [nx, ny, nz] = geometry.dimensions;
  const { o, di, dj, dk } = localGrid(scene);
  let liverZ = -Infinity;
  for (let k = 0; k < nz; k++) {
    const w = o[2] + k * dk[2];
    const belowDome = w < liverTop;
    for (let j = 0; j < ny; j++) {
      const u0 = o[0] + j * dj[0] + k * dk[0];
      const v0 = o[1] + j * dj[1] + k * dk[1];
      const row = k * nx * ny + j * nx;
      for (let i = 0; i < nx; i++) {
        const cls = tissue[row + i];
        if (cls !== mediastinum && (cls !== soft || !belowDome)) continue;
        const u = u0 + i * di[0];
        const v = v0 + i * di[1];
        if (cls === mediastinum) {
          tissue[row + i] = fatTexture.classAt(u, v, w);
        } else {
          if ((u / cage.halfWidth) ** 2 + (v / cage.halfDepth) ** 2 >= 1) continue;
          if (inLiver(u, v, w)) {
            tissue[row + i] = liver;
            if (w > liverZ) liverZ = w;
          }
        }
      }
    }
  }

  return (image) => {
    // counted on the image's label map (each image voxel the class of its slice's central sub-slice)
    const counts = image.classCounts();
    const wall = counts[oesophagusWall];
    const air = counts[oesophagusAir];
    let fatCount = 0;
    let fatSum = 0;
    let fatSq = 0;
    fatTexture.ids.forEach((c, n) => {
      const hu = fatTexture.hu[n];
      fatCount += counts[c];
      fatSum += counts[c] * hu;
      fatSq += counts[c] * hu * hu;
    });
    const fatMeanHu = fatCount ? fatSum / fatCount : 0;
    return {
      oesophagus: { centerLine: oesophagusLine.map(P), radiusMm: rE, airRadiusMm: Math.max(0, rAir), voxelCount: wall + air, airVoxelCount: air },
      pulmonaryTrunkDiameterMm: 2 * rT,
      svcDiameterMm: svcCount > 0 ? 2 * rS : 0,
      ivcDiameterMm: 2 * rI,
      liverHu,
      liverTopZ: Number.isFinite(liverZ) ? liverZ : null,
      fatMeanHu,
      fatSdHu: fatCount ? Math.sqrt(Math.max(0, fatSq / fatCount - fatMeanHu * fatMeanHu)) : 0,
      lymphNodeCount: nodes,
    };
  };
}
