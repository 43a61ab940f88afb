import type { Vec3 } from '@polyrad/sdk';
import { PHANTOM_LABELS, type PhantomScene } from '../phantom-scene.js';

export interface AortaPhantomOptions {
  /** ascending aorta diameter, mm; default drawn from the seed (28-34) */
  ascendingDiameterMm?: number;
  /** descending thoracic aorta diameter, mm; default drawn from the seed (22-26) */
  descendingDiameterMm?: number;
  /** a fusiform aneurysm: a smooth bulge centred on the middle of the ascending or descending limb */
  aneurysm?: AortaAneurysmOptions;
}

export interface AortaAneurysmOptions {
  segment: 'ascending' | 'descending';
  /** diameter at the widest point, mm (larger than the limb's own diameter) */
  maxDiameterMm: number;
  /** length of the bulge along the centre line, mm; default 40 */
  lengthMm?: number;
}

export interface AortaTruth {
  /** maximum diameter of the ascending limb (root to the top of the arch) perpendicular to the centre line, mm */
  ascendingDiameterMm: number;
  /** maximum diameter of the descending limb (top of the arch to the lowest slice), mm */
  descendingDiameterMm: number;
  /** LPS centre-line point of the aneurysm's widest cross-section, when one was drawn */
  aneurysmCenter?: Vec3;
  /** LPS centre line, root over the arch to the lowest slice (about 2 mm apart) */
  centerLine: Vec3[];
}

const STEP_MM = 2;

/**
 * Draws the thoracic aorta as a tube of spheres swept along a smooth centre line: straight ascending
 * limb, a cubic arch that leaves and joins the limbs tangentially, straight descending limb. Radii are
 * constant per limb (blended over the arch) except for an optional cosine-shaped aneurysm, so the
 * maximum diameter perpendicular to the centre line is exactly twice the largest drawn radius.
 */
export function addAorta(scene: PhantomScene, options: AortaPhantomOptions = {}): () => AortaTruth {
  const { aorta } = scene.layout;
  const ascending = options.ascendingDiameterMm ?? 2 * aorta.ascendingRadius;
  const descending = options.descendingDiameterMm ?? 2 * aorta.descendingRadius;
  const blood = scene.defineClass('aorta.blood', scene.contrast ? 300 : 40, PHANTOM_LABELS.aorta);

  // local frame: root, top of the ascending limb, arch apex, top of the descending limb, lowest point
  const [root, ascTop, apex, layoutDescTop, layoutBottom] = aorta.centerLine;
  // The layout puts the descending aorta straight in front of the spine, where the trachea and the left
  // main bronchus cut through it; move it to the left anterolateral face of the vertebral body, where it
  // runs in real chests (fixed angle, no random draw, so the other organs' streams stay the same).
  const { spine } = scene.layout;
  // the core layout keeps 3 mm of soft tissue around the bone; a further 3 mm of lung parts it from the aorta
  const reach = spine.radius + descending / 2 + 6;
  const angle = (62 * Math.PI) / 180; // from straight anterior towards the patient's left
  const descU = reach * Math.sin(angle);
  const descV = spine.v - reach * Math.cos(angle);
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
  const bulge = options.aneurysm;
  if (bulge) {
    const [from, to] = bulge.segment === 'ascending' ? [0, ascEnd] : [descStart, descStart + Math.round(70 / STEP_MM)];
    const mid = Math.round((from + Math.min(to, local.length - 1)) / 2);
    const half = (bulge.lengthMm ?? 40) / 2;
    for (let s = 0; s < local.length; s++) {
      const d = Math.abs(s - mid) * STEP_MM;
      if (d >= half) continue;
      // raised cosine: flat top at mid, so the widest cross-section is perpendicular to the centre line
      const r = radii[s] + (bulge.maxDiameterMm / 2 - radii[s]) * 0.5 * (1 + Math.cos((Math.PI * d) / half));
      radii[s] = Math.max(radii[s], r);
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
  // the arch passes beside the trachea: it displaces, never cuts, the airway
  const any = scene.filter([scene.classId('airway.lumen'), scene.classId('airway.wall')], true);
  for (let s = 0; s + 1 < centerLine.length; s++) {
    // each capsule takes the larger end radius, so a bulge peaks exactly at its sampled maximum
    scene.stampCapsule(centerLine[s], centerLine[s + 1], Math.max(radii[s], radii[s + 1]), any, blood);
  }
  const maxOf = (a: number, b: number): number => 2 * Math.max(...radii.slice(a, b));
  return () => ({
    ascendingDiameterMm: maxOf(0, ascEnd + 1),
    descendingDiameterMm: maxOf(descStart, radii.length),
    ...(aneurysmCenter ? { aneurysmCenter } : {}),
    centerLine,
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
