import type { Vec3 } from '@polyrad/sdk';
import { PHANTOM_LABELS, type PhantomScene } from '../phantom-scene.js';
import { SeededRandom } from '../seeded-random.js';

export interface AortaPhantomOptions {
  /** ascending aorta diameter, mm; default drawn from the seed (28-34) */
  ascendingDiameterMm?: number;
  /** descending thoracic aorta diameter, mm; default drawn from the seed (22-26) */
  descendingDiameterMm?: number;
  /**
   * a fusiform aneurysm, or false for none; default drawn: ascending (40-60 mm) on 15 % of seeds,
   * descending (35-55 mm) on 12 %, none on the rest
   */
  aneurysm?: AortaAneurysmOptions | false;
  /**
   * lung or soft tissue between the descending aorta and the vertebral column, mm (0: the aorta lies on
   * the vertebral body, as in most adults); default 0 on 80 % of seeds, else drawn from 1-4
   */
  spineGapMm?: number;
  /** position of the descending aorta around the vertebral body, degrees from straight anterior towards the patient's left; default drawn from 45-75 */
  descendingAngleDeg?: number;
}

export interface AortaAneurysmOptions {
  segment: 'ascending' | 'descending';
  /** diameter at the widest point, mm (larger than the limb's own diameter) */
  maxDiameterMm: number;
  /** length of the bulge along the centre line, mm; default 40 */
  lengthMm?: number;
  /** where the widest point lies along the limb (ascending: root 0 to arch 1; descending: arch 0 to the lowest slice 1); default 0.5 */
  position?: number;
}

export interface AortaTruth {
  /** maximum diameter of the ascending limb (root to the top of the arch) perpendicular to the centre line, mm */
  ascendingDiameterMm: number;
  /** maximum diameter of the descending limb (top of the arch to the lowest slice), mm */
  descendingDiameterMm: number;
  /** LPS centre-line point of the aneurysm's widest cross-section, when one was drawn */
  aneurysmCenter?: Vec3;
  /** the aneurysm as drawn, when one was drawn */
  aneurysm?: { segment: 'ascending' | 'descending'; maxDiameterMm: number; lengthMm: number };
  /** LPS centre line, root over the arch to the lowest slice (about 2 mm apart) */
  centerLine: Vec3[];
  /** gap between the descending aorta and the vertebral body cylinder, mm (0: they touch) */
  spineGapMm: number;
  /** class HU of the lumen (unenhanced blood on a non-contrast scan) */
  bloodHu: number;
}

const STEP_MM = 2;

/**
 * Draws the thoracic aorta as a tube of spheres swept along a smooth centre line: straight ascending
 * limb, a cubic arch that leaves and joins the limbs tangentially, straight descending limb lying on the
 * left anterolateral face of the vertebral body. Radii are constant per limb (blended over the arch)
 * except for an optional cosine-shaped aneurysm, so the maximum diameter perpendicular to the centre
 * line is exactly twice the largest drawn radius. A descending aneurysm grows away from the spine (its
 * centre line moves out by the added radius), so the tube keeps touching the bone and stays round.
 */
export function addAorta(scene: PhantomScene, options: AortaPhantomOptions = {}): () => AortaTruth {
  // one draw from the shared stream, and every value drawn whatever the options, so options never shift other features
  const rng = new SeededRandom(Math.floor(scene.rng.next() * 4294967296));
  const drawnGap = rng.next() < 0.8 ? 0 : rng.uniform(1, 4);
  const drawnAngle = rng.uniform(45, 75);
  const aneurysmDraw = rng.next();
  const drawnAneurysm: AortaAneurysmOptions = {
    segment: aneurysmDraw < 0.15 ? 'ascending' : 'descending',
    maxDiameterMm: aneurysmDraw < 0.15 ? rng.uniform(40, 60) : rng.uniform(35, 55),
    lengthMm: rng.uniform(30, 60),
    position: rng.uniform(0.3, 0.7),
  };
  const { aorta } = scene.layout;
  const ascending = options.ascendingDiameterMm ?? 2 * aorta.ascendingRadius;
  const descending = options.descendingDiameterMm ?? 2 * aorta.descendingRadius;
  const bloodHu = scene.blood.arterial;
  const blood = scene.defineClass('aorta.blood', bloodHu, PHANTOM_LABELS.aorta);

  // local frame: root, top of the ascending limb, arch apex, top of the descending limb, lowest point
  const [root, ascTop, apex, layoutDescTop, layoutBottom] = aorta.centerLine;
  // The layout puts the descending aorta straight in front of the spine, where the trachea and the left
  // main bronchus cut through it; move it to the left anterolateral face of the vertebral body, where it
  // runs in real chests, lying on the bone unless a gap is asked for.
  const { spine } = scene.layout;
  const spineGap = Math.max(0, options.spineGapMm ?? drawnGap);
  // 0.5 mm overlap with the bone cylinder (the tube never overwrites bone): the voxels touch at any spacing
  const reach = spine.radius + descending / 2 + (spineGap > 0 ? spineGap : -0.5);
  const angle = ((options.descendingAngleDeg ?? drawnAngle) * Math.PI) / 180;
  const outward: Vec3 = [Math.sin(angle), -Math.cos(angle), 0]; // from the spine axis towards the aorta
  const descU = reach * outward[0];
  const descV = spine.v + reach * outward[1];
  const descTop: Vec3 = [descU, descV, layoutDescTop[2]];
  const bottom: Vec3 = [descU, descV, layoutBottom[2]];
  const ascLimb = sampleLine(root, ascTop);
  const arch = sampleArch(ascTop, descTop, apex[2] - Math.max(ascTop[2], descTop[2]));
  const descLimb = sampleLine(descTop, bottom);
  const local = [...ascLimb, ...arch.slice(1), ...descLimb.slice(1)];
  const ascEnd = ascLimb.length - 1; // index of ascTop
  const descStart = ascEnd + arch.length - 1; // index of descTop

  const radii = local.map((_, s) => {
    if (s <= ascEnd) return ascending / 2;
    if (s >= descStart) return descending / 2;
    const t = (s - ascEnd) / (descStart - ascEnd);
    return (ascending + (descending - ascending) * t) / 2;
  });
  let aneurysmCenter: Vec3 | undefined;
  const bulge = options.aneurysm === undefined ? (aneurysmDraw < 0.27 ? drawnAneurysm : undefined) : options.aneurysm || undefined;
  const bulgeLength = bulge ? bulge.lengthMm ?? 40 : 0;
  if (bulge) {
    const half = bulgeLength / 2;
    // the widest point stays half a bulge inside its limb (and, descending, inside the field of view)
    const [from, to] = bulge.segment === 'ascending' ? [0, ascEnd] : [descStart, local.length - 1 - Math.round(10 / STEP_MM)];
    const margin = bulge.segment === 'ascending' ? 0 : Math.round(half / STEP_MM);
    const lo = Math.min(to, from + margin);
    const hi = Math.max(lo, to - margin);
    const mid = Math.round(lo + (hi - lo) * Math.max(0, Math.min(1, bulge.position ?? 0.5)));
    for (let s = 0; s < local.length; s++) {
      const d = Math.abs(s - mid) * STEP_MM;
      if (d >= half) continue;
      // raised cosine: flat top at mid, so the widest cross-section is perpendicular to the centre line
      const r = radii[s] + (bulge.maxDiameterMm / 2 - radii[s]) * 0.5 * (1 + Math.cos((Math.PI * d) / half));
      if (r <= radii[s]) continue;
      if (s >= descStart) {
        // a descending bulge pushes away from the vertebral body instead of into it
        const grow = r - radii[s];
        local[s] = [local[s][0] + grow * outward[0], local[s][1] + grow * outward[1], local[s][2]];
      }
      radii[s] = r;
    }
    aneurysmCenter = scene.toPatient(...local[mid]);
  }

  // features drawn later (the heart's fat plane around the root) read the layout: make it the drawn
  // line, coarsely (limb ends and every fourth arch point), so their distance tests stay cheap
  const archPoints = arch.filter((_, s) => s > 0 && s < arch.length - 1 && s % 4 === 0);
  scene.layout.aorta = {
    centerLine: [root, ascTop, ...archPoints, descTop, bottom],
    archIndex: 2 + (archPoints.length >> 1),
    ascendingRadius: ascending / 2,
    descendingRadius: descending / 2,
  };
  const centerLine = local.map(([u, v, w]) => scene.toPatient(u, v, w));
  // the arch passes beside the trachea: it displaces, never cuts, the airway; the bone stays whole
  const keep = ['airway.lumen', 'airway.wall', 'bone.cortical', 'bone.trabecular'].map((name) => scene.classId(name));
  const any = scene.filter(keep, true);
  for (let s = 0; s + 1 < centerLine.length; s++) {
    // each capsule takes the larger end radius, so a bulge peaks exactly at its sampled maximum
    scene.stampCapsule(centerLine[s], centerLine[s + 1], Math.max(radii[s], radii[s + 1]), any, blood);
  }
  const maxOf = (a: number, b: number): number => 2 * Math.max(...radii.slice(a, b));
  return () => ({
    ascendingDiameterMm: maxOf(0, ascEnd + 1),
    descendingDiameterMm: maxOf(descStart, radii.length),
    ...(aneurysmCenter && bulge ? { aneurysmCenter, aneurysm: { segment: bulge.segment, maxDiameterMm: bulge.maxDiameterMm, lengthMm: bulgeLength } } : {}),
    centerLine,
    spineGapMm: spineGap,
    bloodHu,
  });
}

/** Points about STEP_MM apart from a to b, both included. */
function sampleLine(a: Vec3, b: Vec3): Vec3[] {
  const n = Math.max(1, Math.round(Math.hypot(b[0] - a[0], b[1] - a[1], b[2] - a[2]) / STEP_MM));
  return Array.from({ length: n + 1 }, (_, s) => {
    const t = s / n;
    return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t] as Vec3;
  });
}

/**
 * Cubic Bezier arch from a (going up) to b (coming down) whose apex rises `rise` mm above the higher
 * end: both control points sit rise / 0.75 above their ends, and a cubic reaches 3/4 of that height.
 */
function sampleArch(a: Vec3, b: Vec3, rise: number): Vec3[] {
  const h = Math.max(rise, 5) / 0.75;
  const top = Math.max(a[2], b[2]);
  const p1: Vec3 = [a[0], a[1], top + h];
  const p2: Vec3 = [b[0], b[1], top + h];
  const at = (t: number): Vec3 => {
    const c0 = (1 - t) ** 3;
    const c1 = 3 * (1 - t) ** 2 * t;
    const c2 = 3 * (1 - t) * t * t;
    const c3 = t ** 3;
    return [0, 1, 2].map((d) => c0 * a[d] + c1 * p1[d] + c2 * p2[d] + c3 * b[d]) as Vec3;
  };
  // arc length estimate, then about STEP_MM between samples
  let length = 0;
  for (let s = 1; s <= 64; s++) {
    const p = at((s - 1) / 64);
    const q = at(s / 64);
    length += Math.hypot(q[0] - p[0], q[1] - p[1], q[2] - p[2]);
  }
  const n = Math.max(2, Math.round(length / STEP_MM));
  return Array.from({ length: n + 1 }, (_, s) => at(s / n));
}
