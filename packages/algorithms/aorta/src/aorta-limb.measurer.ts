import type { Vec3 } from '@polyrad/sdk';
import { sampleHu, sliceZ, type AxialStack } from './axial-stack.js';
import { measureSection, type CrossSection, type LumenWindow } from './aorta-section.measurer.js';
import type { RoundCandidate } from './round-structure.detector.js';
import type { AortaSegment } from './aorta-diameter.classifier.js';
import { archStart, centerLineAxes, rootBend, rootCut, rootWaistCut } from './aorta-centerline.geometry.js';
import { discMedian, median } from './vessel-track.follower.js';

export interface AortaLimb {
  segment: AortaSegment;
  /** largest diameter perpendicular to the centre line along the limb, mm */
  diameterMm: number;
  /** LPS centre of the cross-section with that diameter */
  center: Vec3;
  /** mean diameter of that cross-section, mm */
  meanDiameterMm: number;
  /** the cross-section with that diameter (its roundness and edge coverage are checked before it is reported) */
  at: CrossSection;
  /** the cross-sections over about 6 mm of the limb whose median diameter is `diameterMm` (`at` in the middle) */
  widest: CrossSection[];
  /** tracked centre line, inferior to superior (LPS mm) */
  centerLine: Vec3[];
  /** cross-sections that passed the lumen checks */
  sections: CrossSection[];
  /** tracked points below the arch whose cross-section was tried (measured or rejected) */
  attempted: number;
  /** the track, going up, leans into the arch: it was followed to the top of the limb, not lost on the way */
  reachesArch: boolean;
  /** a wider lumen goes on just below the track's bottom (an aneurysm stopped it from below) */
  widensBelow: boolean;
}

/** cross-sections whose axis leans more than this from the body axis belong to the arch */
const MAX_TILT_DEG = 50;
/** a lumen this much wider than the track's lowest section, just below it, is a bulge the track stopped at */
const BULGE_BELOW = 1.15;
/** half the length of limb over which the running median of section diameters is taken */
const WIDEST_HALF_MM = 3;
/** the thoracic aorta has lung within this distance of its wall (below the diaphragm it has none) */
const LUNG_REACH_MM = 15;

/**
 * Measures every tracked point perpendicular to the local centre line; the limb's diameter is the
 * largest running median over about 6 mm (at least three sections). A string says why the limb could not be measured.
 */
export function measureLimb(scanned: AxialStack, stack: AxialStack, segment: AortaSegment, chain: RoundCandidate[], window: LumenWindow, seedAt?: number): AortaLimb | string {
  // centre each point on its axial lumen first: distance-map peaks wander over a flat top
  const allDiscs: Vec3[] = chain.map((c) => [c.x, c.y, sliceZ(scanned, c.k)]);
  const allPoints: Vec3[] = allDiscs.map((point, n) => measureSection(stack, point, [0, 0, 1], chain[n].r, window)?.center ?? point);
  // the ascending track ends, going down, where it jumps into the heart at the aortic root, or where it
  // bends away below the root through the heart into a chamber or a vena cava
  const from = seedAt === undefined ? 0 : Math.max(rootCut(allPoints, seedAt), rootBend(centerLineAxes(allPoints), seedAt));
  const discs = allDiscs.slice(from);
  const points = allPoints.slice(from);
  chain = chain.slice(from);
  const sections: CrossSection[] = [];
  const axes = centerLineAxes(points);
  // the top of either track runs into the arch, whose bend widens any plane cut near it: stop one
  // radius below the first point, going up from the middle, where the centre line leans over...
  const radius = median(chain.map((c) => c.r));
  const archAt = archStart(axes);
  let archFrom = archAt < points.length ? points[archAt][2] - radius : Infinity;
  // ...and, as an arch may rise steeply before it bends, below the top of the track too: the
  // descending track climbs to the apex (leave out about two diameters, 4 inscribed radii); the
  // ascending track starts where the limbs part, under the arch's inner curve (leave out one radius)
  archFrom = Math.min(archFrom, points[points.length - 1][2] - (segment === 'descending' ? 4 : 1) * radius);
  const cosMaxTilt = Math.cos((MAX_TILT_DEG * Math.PI) / 180);
  let attempted = 0;
  let belowLungs = 0;
  for (let n = 0; n < points.length; n++) {
    const axis = axes[n];
    if (points[n][2] > archFrom || Math.abs(axis[2]) < cosMaxTilt) continue;
    if (!besideLung(stack, points[n], chain[n].r)) {
      belowLungs++;
      continue;
    }
    attempted++;
    const section = measureSection(stack, points[n], axis, chain[n].r, window);
    if (section) sections.push(section);
  }
  if (segment === 'ascending' && seedAt !== undefined && sections.length > 0) {
    const seedZ = points[Math.max(0, seedAt - from)][2];
    const firstAtSeed = sections.findIndex((s) => s.center[2] >= seedZ - 0.5);
    sections.splice(0, rootWaistCut(sections.map((s) => s.maxDiameterMm), firstAtSeed < 0 ? sections.length : firstAtSeed));
  }
  if (sections.length < 3) {
    const zs = points.map((p) => p[2]);
    return (
      `the ${segment} aorta was followed from z ${Math.round(Math.min(...zs))} to ${Math.round(Math.max(...zs))} mm, but only ${sections.length} of ${attempted} ` +
      'cross-sections below the arch showed the lumen edge on enough rays to be measured (3 needed)' +
      (belowLungs > 0 ? `; ${belowLungs} more had no lung beside them (below the diaphragm, not thoracic aorta)` : '')
    );
  }
  // the widest stretch: running median over about 6 mm of the limb (at least three sections), so one
  // section merged with a neighbour for a slice or two (the root entering the heart) is not the maximum
  // (whole windows only: a window cut short at an end of the limb is no median of the stretch)
  const half = Math.min(Math.max(1, Math.round(WIDEST_HALF_MM / Math.abs(scanned.dz))), Math.floor((sections.length - 1) / 2));
  let bestAt = -1;
  let best = 0;
  for (let n = half; n + half < sections.length; n++) {
    const value = median(sections.slice(n - half, n + half + 1).map((s) => s.maxDiameterMm));
    if (value > best) {
      best = value;
      bestAt = n;
    }
  }
  const at = sections[bestAt];
  const widest = sections.slice(bestAt - half, bestAt + half + 1);
  return { segment, diameterMm: best, center: at.center, meanDiameterMm: at.meanDiameterMm, at, widest, centerLine: points, sections, attempted, reachesArch: archAt < points.length || archStart(centerLineAxes(discs)) < discs.length || endsAtVesselTop(scanned, chain[chain.length - 1], window), widensBelow: widensBelow(scanned, stack, chain[0], sections[0].meanDiameterMm, window) };
}

/**
 * Whether the lumen goes on wider just below the bottom of a descending track: a fusiform aneurysm whose
 * centre moves away from the spine stops the tracker from below as from above, and the track then starts
 * above it. On the three slices under the track's lowest disc, an outline round the same spot that is
 * 15 % wider than the track's own is such a bulge; the liver or the crura that the aorta meets at the
 * diaphragm give no such outline.
 */
export function widensBelow(scanned: AxialStack, stack: AxialStack, bottom: RoundCandidate, ownDiameterMm: number, window: LumenWindow): boolean {
  const pos = scanned.bottomUp.indexOf(bottom.k);
  for (let step = 1; step <= 3 && pos - step >= 0; step++) {
    const at: Vec3 = [bottom.x, bottom.y, sliceZ(scanned, scanned.bottomUp[pos - step])];
    const section = measureSection(stack, at, [0, 0, 1], bottom.r * 1.3, window);
    if (section && section.edgeFraction >= 0.45 && section.largestGapDeg <= 180 && section.meanDiameterMm >= BULGE_BELOW * ownDiameterMm) return true;
  }
  return false;
}

/**
 * Whether lung lies within LUNG_REACH_MM of the lumen's wall on an axial slice. The thoracic aorta runs
 * beside the left lung down to the diaphragm; below it the crura wrap the abdominal aorta, which the
 * thoracic bands do not describe (on Lung-PET-CT-Dx A0001 the track ran on into the upper abdomen).
 */
export function besideLung(stack: AxialStack, center: Vec3, radius: number): boolean {
  for (let r = 0; r < 36; r++) {
    const t = (2 * Math.PI * r) / 36;
    for (let s = radius; s <= radius + LUNG_REACH_MM; s += 1) {
      if (sampleHu(stack, center[0] + Math.cos(t) * s, center[1] + Math.sin(t) * s, center[2]) < -400) return true;
    }
  }
  return false;
}

/**
 * Whether the lumen ends within three inscribed radii (1.5 diameters) straight above the top of a
 * track. A track that climbed into a low, flat arch, bending too little to be seen as a bend, ends
 * under the arch's apex so; one stopped by an aneurysm, a merge or a kink has blood going on above it
 * for the rest of the limb.
 */
export function endsAtVesselTop(stack: AxialStack, top: RoundCandidate, window: LumenWindow): boolean {
  const from = stack.bottomUp.indexOf(top.k);
  const reach = Math.ceil((3 * top.r) / Math.abs(stack.dz));
  for (let pos = from + 1; pos < stack.nz && pos <= from + reach; pos++) {
    const hu = discMedian(stack, { ...top, k: stack.bottomUp[pos] });
    if (hu < window.low || hu > window.high) return true;
  }
  return false;
}
