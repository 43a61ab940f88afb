import type { Vec3, Volume } from '@polyrad/sdk';
import { axialStack, coarseStack, sampleHu, sliceZ, type AxialStack } from './axial-stack.js';
import { lumenWindow, measureSection, normalise, type CrossSection, type LumenWindow } from './aorta-section.measurer.js';
import { scanRoundStructures, type RoundCandidate, type SliceScan } from './round-structure.detector.js';
import type { AortaSegment } from './aorta-diameter.classifier.js';
import { stepLimitMm } from './aorta-quality.gate.js';

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
  /** the three neighbouring cross-sections whose median diameter is `diameterMm` (`at` in the middle) */
  widest: CrossSection[];
  /** tracked centre line, inferior to superior (LPS mm) */
  centerLine: Vec3[];
  /** cross-sections that passed the lumen checks */
  sections: CrossSection[];
  /** tracked points below the arch whose cross-section was tried (measured or rejected) */
  attempted: number;
  /** the track, going up, leans into the arch: it was followed to the top of the limb, not lost on the way */
  reachesArch: boolean;
}

export interface AortaMeasurement {
  /** the lumen was found in the iodinated-blood HU band (undefined when no aorta was found) */
  contrast?: boolean;
  /** median blood attenuation of the descending aorta, HU */
  bloodHu?: number;
  descending?: AortaLimb;
  ascending?: AortaLimb;
  /** for each limb not found or not measurable: what the search saw, in words */
  notFound: Partial<Record<AortaSegment, string>>;
}

/** Blood HU bands tried in turn: enhanced blood first, so bone never poses as an unenhanced aorta. */
const BANDS = [
  { contrast: true, lo: 130, hi: 650 },
  { contrast: false, lo: -20, hi: 100 },
];
const MIN_RADIUS_MM = 5;
/** larger round lumens are heart chambers (a 70 mm aorta is beyond any surveillance range) */
const MAX_RADIUS_MM = 35;
/** in-plane erosion that cuts the lumen from structures touching it along a narrow contact */
const CORE_EROSION_MM = 4;
/** a descending aorta must be followed over at least this length */
const MIN_DESCENDING_MM = 40;
/** cross-sections whose axis leans more than this from the body axis belong to the arch */
const MAX_TILT_DEG = 50;
/**
 * the ascending aorta is searched over this length below the highest separate lumen in front of the
 * descending aorta (which may be the superior vena cava, separate higher up); lower lies the heart
 */
const ASCENDING_SEARCH_MM = 30;
/** the ascending aorta's centre lies at most this far left of the body's midline (LPS +x) */
const ASCENDING_LEFT_OF_MIDLINE_MM = 10;
/**
 * a lumen walled by bone on more than this share of its circumference is marrow (a vertebral body, whose
 * trabecular bone can match enhanced or unenhanced blood), not an aorta lying against the spine
 */
const MAX_BONE_RIM = 0.4;
/** inscribed radius of the enhanced lumen (ascending aorta, pulmonary trunk, heart chamber) a contrast scan shows in front of the descending aorta */
const ENHANCED_FRONT_RADIUS_MM = 10;
const ENHANCED_FRONT_LENGTH_MM = 20;
/** the thoracic aorta has lung within this distance of its wall (below the diaphragm it has none) */
const LUNG_REACH_MM = 15;
/** where a track's centre line first leans this far, going up, the arch begins */
const ARCH_TILT_DEG = 35;

/**
 * Finds the thoracic aorta on an axial CT and measures its ascending and descending limbs.
 *
 * 1. Round structures per slice (inscribed discs of the blood HU band).
 * 2. Descending aorta: of the tracks of discs through the slices that start left of the body's midline
 *    in its posterior half, the one with the most clean round cross-sections (a lumen with an edge all
 *    round, not walled by bone, which rules out the vertebral body).
 * 3. Ascending aorta: the highest disc anterior to the descending aorta that is connected to it in 3-D
 *    through the eroded lumen (over the arch), tracked downwards until it merges with the heart.
 * 4. Each tracked point is measured in the plane perpendicular to the local centre-line direction
 *    (2010 ACCF/AHA thoracic aortic disease guideline: diameters perpendicular to the axis of flow).
 * Steps 1-3 run on a coarser copy of thin-slice, fine-pixel series (`coarseStack`), which is ~8x
 * fewer voxels; the round-lumen checks and the measurement read the full-resolution image.
 * A limb not found or not measurable is absent, with what the search saw in `notFound`.
 */
export function measureAorta(volume: Volume): AortaMeasurement {
  const stack = axialStack(volume);
  const coarse = coarseStack(stack);
  const seen: DescendingSearch = { trackedMm: 0, roundMm: 0 };
  for (const band of BANDS) {
    const scan = scanRoundStructures(coarse, band.lo, band.hi, MIN_RADIUS_MM, CORE_EROSION_MM);
    const found = findDescending(coarse, stack, scan, band, seen);
    if (!found) continue;
    const { chain, window, bloodHu } = found;
    const notFound: AortaMeasurement['notFound'] = {};
    const descending = measureLimb(coarse, stack, 'descending', chain, window);
    if (typeof descending === 'string') notFound.descending = descending;
    const ascendingChain = findAscending(coarse, stack, scan, chain, window);
    const ascending = ascendingChain ? measureLimb(coarse, stack, 'ascending', ascendingChain.chain, window, ascendingChain.seedAt) : NO_ASCENDING;
    if (typeof ascending === 'string') notFound.ascending = ascending;
    return {
      contrast: band.contrast,
      bloodHu,
      ...(typeof descending === 'object' ? { descending } : {}),
      ...(typeof ascending === 'object' ? { ascending } : {}),
      notFound,
    };
  }
  const reason =
    `no descending aorta found: no round lumen of blood attenuation (enhanced ${BANDS[0].lo}-${BANDS[0].hi} HU or unenhanced ${BANDS[1].lo}-${BANDS[1].hi} HU) ` +
    `left of and behind the body's centre could be followed over ${MIN_DESCENDING_MM} mm with a clear edge all round ` +
    `(longest candidate followed over ${Math.round(seen.trackedMm)} mm, with a clear edge over ${Math.round(seen.roundMm)} mm)`;
  return { notFound: { descending: reason, ascending: 'not searched: the ascending aorta is traced from the descending aorta over the arch, and no descending aorta was found' } };
}

const NO_ASCENDING = 'no ascending aorta found: no round lumen of blood attenuation anterior to the descending aorta, joined to it over the arch and with a clear edge all round';

/** the best descending-aorta candidate seen in any band, for the reason when none qualifies */
interface DescendingSearch {
  trackedMm: number;
  roundMm: number;
}

interface Band {
  contrast: boolean;
  lo: number;
  hi: number;
}

/**
 * With IV contrast the ascending aorta, the pulmonary trunk and the heart chambers enhance as well: a
 * wide lumen of the band lies in front of the descending aorta on some slice of its course. Without it
 * the "enhanced" track is bone: the marrow of an unenhanced scan's vertebral bodies (100-250 HU) fills
 * the enhanced band, and its thin cortex need not show as a wall of bone (Lung-PET-CT-Dx A0001, 5 mm,
 * where a single 10 mm disc of marrow or calcium lay in front on one slice: a lumen runs over several).
 */
function enhancedInFront(stack: AxialStack, scan: SliceScan, chain: RoundCandidate[]): boolean {
  const y = median(chain.map((c) => c.y));
  const slices = chain.filter((c) => scan.candidates[c.k].some((o) => o.r >= ENHANCED_FRONT_RADIUS_MM && o.y < y - 25)).length;
  return slices * Math.abs(stack.dz) >= ENHANCED_FRONT_LENGTH_MM;
}

/** `stack` holds the candidates of `scan` (the coarse copy); `full` is the full-resolution stack. */
function findDescending(stack: AxialStack, full: AxialStack, scan: SliceScan, band: Band, seen: DescendingSearch): { chain: RoundCandidate[]; window: LumenWindow; bloodHu: number } | undefined {
  const used = new Set<RoundCandidate>();
  let best: { chain: RoundCandidate[]; window: LumenWindow; bloodHu: number; score: number } | undefined;
  const sz = Math.abs(stack.dz);
  for (const k of stack.bottomUp) {
    const body = scan.bodyCentre[k];
    for (const seed of scan.candidates[k]) {
      if (used.has(seed) || seed.r < 7 || seed.r > 22) continue;
      if (!(seed.x > body.x + 5 && seed.y > body.y + 5)) continue;
      const chain = track(stack, scan, seed);
      for (const c of chain) used.add(c);
      seen.trackedMm = Math.max(seen.trackedMm, chain.length * sz);
      if (chain.length * sz < MIN_DESCENDING_MM || (best && chain.length <= best.score)) continue;
      const bloodHu = median(chain.map((c) => discMedian(stack, c)));
      if (bloodHu < band.lo || bloodHu > band.hi) continue;
      if (band.contrast && !enhancedInFront(stack, scan, chain)) continue;
      const window = lumenWindow(bloodHu);
      // score: slices along the track where the lumen is a clean disc (every third one is checked)
      let round = 0;
      for (let n = 0; n < chain.length; n += 3) if (vesselSection(full, stack, chain[n], window)) round += 3;
      seen.roundMm = Math.max(seen.roundMm, Math.min(round, chain.length) * sz);
      if (round * sz < MIN_DESCENDING_MM || (best && round <= best.score)) continue;
      best = { chain, window, bloodHu, score: round };
    }
  }
  return best;
}

function findAscending(stack: AxialStack, full: AxialStack, scan: SliceScan, descending: RoundCandidate[], window: LumenWindow): { chain: RoundCandidate[]; seedAt: number } | undefined {
  const component = connectedCore(stack, scan.core, descending[Math.floor(descending.length / 2)]);
  const descY = median(descending.map((c) => c.y));
  // look below the arch, where the two limbs are separate round lumens
  const points: Vec3[] = descending.map((c) => [c.x, c.y, sliceZ(stack, c.k)]);
  const top = descending[Math.min(archStart(centerLineAxes(points)), descending.length - 1)];
  const nxy = stack.nx * stack.ny;
  const from = stack.bottomUp.indexOf(top.k);
  const descX = median(descending.map((c) => c.x));
  const descR = median(descending.map((c) => c.r));
  // the ascending aorta is the widest round lumen in front of the descending aorta below the arch,
  // right of the body's midline or near it (the pulmonary trunk, as wide, lies left of it); the
  // superior vena cava beside it, separate higher up, is narrower
  let best: { seed: RoundCandidate; diameter: number } | undefined;
  let firstZ: number | undefined;
  for (let pos = from; pos >= 0 && (firstZ === undefined || firstZ - sliceZ(stack, stack.bottomUp[pos]) <= ASCENDING_SEARCH_MM); pos--) {
    const k = stack.bottomUp[pos];
    const here = descending.find((c) => c.k === k);
    const inPlane = here ? sliceComponent(stack, scan.core, here) : undefined;
    const body = scan.bodyCentre[k];
    for (const c of scan.candidates[k]) {
      // anterior to the descending aorta and within the mediastinum, not out in the chest wall
      if (c.r < 0.6 * descR || c.y > descY - 25 || c.x > Math.min(descX, body.x + ASCENDING_LEFT_OF_MIDLINE_MM) || Math.abs(c.x - body.x) > 50) continue;
      const p = pixelOf(stack, c);
      // joined to the descending aorta over the arch, yet a separate lumen on this slice, and round
      if (component[k * nxy + p] !== 1 || inPlane?.has(p)) continue;
      const section = vesselSection(full, stack, c, window);
      if (!section) continue;
      firstZ ??= sliceZ(stack, k);
      if (!best || section.meanDiameterMm > best.diameter) best = { seed: c, diameter: section.meanDiameterMm };
    }
  }
  if (!best) return undefined;
  const chain = track(stack, scan, best.seed);
  return { chain, seedAt: chain.indexOf(best.seed) };
}

/**
 * A vessel cut across is a near-round outline whose wall is seen on much of its circumference; a lobe
 * of a larger organ has no such outline, and a vertebral body is a disc of marrow walled by cortex
 * (its edges rise into bone all round). Returns the axial cross-section when the candidate is one.
 * Rays run through `full`; `scanned` is the stack whose slice index `c.k` counts.
 */
function vesselSection(full: AxialStack, scanned: AxialStack, c: RoundCandidate, window: LumenWindow): CrossSection | undefined {
  const section = measureSection(full, [c.x, c.y, sliceZ(scanned, c.k)], [0, 0, 1], c.r, window);
  if (!section || section.boneRimFraction > MAX_BONE_RIM) return undefined;
  const radius = section.meanDiameterMm / 2;
  if (radius > 1.6 * c.r || radius > MAX_RADIUS_MM) return undefined;
  const round = section.edgeFraction >= 0.5 && section.largestGapDeg <= 120 && section.minDiameterMm >= 0.75 * section.maxDiameterMm;
  return round ? section : undefined;
}

/** Follows a disc up and down through the slices: the nearest disc of similar radius on the next slice. */
function track(stack: AxialStack, scan: SliceScan, seed: RoundCandidate): RoundCandidate[] {
  const start = stack.bottomUp.indexOf(seed.k);
  const down: RoundCandidate[] = [];
  const up: RoundCandidate[] = [];
  for (const [step, into] of [[-1, down], [1, up]] as const) {
    let current = seed;
    for (let pos = start + step; pos >= 0 && pos < stack.nz; pos += step) {
      let next: RoundCandidate | undefined;
      let nearest = 0.5 * current.r + 2;
      for (const c of scan.candidates[stack.bottomUp[pos]]) {
        const d = Math.hypot(c.x - current.x, c.y - current.y);
        if (d <= nearest && c.r >= 0.7 * current.r && c.r <= 1.4 * current.r) {
          nearest = d;
          next = c;
        }
      }
      // a vessel changes calibre gradually and at most to an aneurysm's; a chamber or the arch grows on
      if (!next || next.r < 0.5 * seed.r || next.r > 2.5 * seed.r) break;
      into.push(next);
      current = next;
    }
  }
  return [...down.reverse(), seed, ...up];
}

function pixelOf(stack: AxialStack, c: RoundCandidate): number {
  return Math.round((c.y - stack.y0) / stack.dy) * stack.nx + Math.round((c.x - stack.x0) / stack.dx);
}

/** In-plane 4-connected component of the eroded lumen holding `seed`, as pixel indices of its slice. */
function sliceComponent(stack: AxialStack, core: Uint8Array, seed: RoundCandidate): Set<number> {
  const { nx, ny } = stack;
  const base = seed.k * nx * ny;
  const start = pixelOf(stack, seed);
  const inside = new Set<number>();
  if (core[base + start] !== 1) return inside;
  const queue = [start];
  inside.add(start);
  while (queue.length > 0) {
    const p = queue.pop()!;
    const i = p % nx;
    for (const q of [i > 0 ? p - 1 : -1, i < nx - 1 ? p + 1 : -1, p - nx, p + nx]) {
      if (q >= 0 && q < nx * ny && core[base + q] === 1 && !inside.has(q)) {
        inside.add(q);
        queue.push(q);
      }
    }
  }
  return inside;
}

/** 3-D 6-connected component of the eroded lumen holding `seed`: 1 inside, 0 elsewhere. */
function connectedCore(stack: AxialStack, core: Uint8Array, seed: RoundCandidate): Uint8Array {
  const { nx, ny, nz } = stack;
  const nxy = nx * ny;
  const inside = new Uint8Array(core.length);
  const i0 = Math.round((seed.x - stack.x0) / stack.dx);
  const j0 = Math.round((seed.y - stack.y0) / stack.dy);
  const start = seed.k * nxy + j0 * nx + i0;
  if (core[start] !== 1) return inside;
  const queue: number[] = [start];
  inside[start] = 1;
  while (queue.length > 0) {
    const p = queue.pop()!;
    const i = p % nx;
    const j = Math.floor(p / nx) % ny;
    const k = Math.floor(p / nxy);
    const visit = (q: number): void => {
      if (core[q] === 1 && inside[q] === 0) {
        inside[q] = 1;
        queue.push(q);
      }
    };
    if (i > 0) visit(p - 1);
    if (i < nx - 1) visit(p + 1);
    if (j > 0) visit(p - nx);
    if (j < ny - 1) visit(p + nx);
    if (k > 0) visit(p - nxy);
    if (k < nz - 1) visit(p + nxy);
  }
  return inside;
}

/**
 * Measures every tracked point perpendicular to the local centre line; the limb's diameter is the
 * largest running median of three. A string says why the limb could not be measured.
 */
function measureLimb(scanned: AxialStack, stack: AxialStack, segment: AortaSegment, chain: RoundCandidate[], window: LumenWindow, seedAt?: number): AortaLimb | string {
  // centre each point on its axial lumen first: distance-map peaks wander over a flat top
  const allDiscs: Vec3[] = chain.map((c) => [c.x, c.y, sliceZ(scanned, c.k)]);
  const allPoints: Vec3[] = allDiscs.map((point, n) => measureSection(stack, point, [0, 0, 1], chain[n].r, window)?.center ?? point);
  // the ascending track ends, going down, where it jumps into the heart at the aortic root
  const from = seedAt === undefined ? 0 : rootCut(allPoints, seedAt);
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
  for (let n = 0; n < points.length; n++) {
    const axis = axes[n];
    if (points[n][2] > archFrom || Math.abs(axis[2]) < cosMaxTilt || !besideLung(stack, points[n], chain[n].r)) continue;
    attempted++;
    const section = measureSection(stack, points[n], axis, chain[n].r, window);
    if (section) sections.push(section);
  }
  if (sections.length < 3) {
    const zs = points.map((p) => p[2]);
    return (
      `the ${segment} aorta was followed from z ${Math.round(Math.min(...zs))} to ${Math.round(Math.max(...zs))} mm, but only ${sections.length} of ${attempted} ` +
      'cross-sections below the arch showed the lumen edge on enough rays to be measured (3 needed)'
    );
  }
  let bestAt = -1;
  let best = 0;
  for (let n = 1; n + 1 < sections.length; n++) {
    const value = median([sections[n - 1].maxDiameterMm, sections[n].maxDiameterMm, sections[n + 1].maxDiameterMm]);
    if (value > best) {
      best = value;
      bestAt = n;
    }
  }
  const at = sections[bestAt];
  const widest = sections.slice(bestAt - 1, bestAt + 2);
  return { segment, diameterMm: best, center: at.center, meanDiameterMm: at.meanDiameterMm, at, widest, centerLine: points, sections, attempted, reachesArch: archAt < points.length || archStart(centerLineAxes(discs)) < discs.length || endsAtVesselTop(scanned, chain[chain.length - 1], window) };
}

/**
 * Whether lung lies within LUNG_REACH_MM of the lumen's wall on an axial slice. The thoracic aorta runs
 * beside the left lung down to the diaphragm; below it the crura wrap the abdominal aorta, which the
 * thoracic bands do not describe (on Lung-PET-CT-Dx A0001 the track ran on into the upper abdomen).
 */
function besideLung(stack: AxialStack, center: Vec3, radius: number): boolean {
  for (let r = 0; r < 36; r++) {
    const t = (2 * Math.PI * r) / 36;
    for (let s = radius; s <= radius + LUNG_REACH_MM; s += 1) {
      if (sampleHu(stack, center[0] + Math.cos(t) * s, center[1] + Math.sin(t) * s, center[2]) < -400) return true;
    }
  }
  return false;
}

/**
 * Index of the lowest point of the jump-free stretch below `seedAt` on an ascending track: going down
 * from the seed, the first in-plane step wider than the centre line may move (`stepLimitMm`) is where
 * the track left the aortic root for a heart chamber.
 */
function rootCut(points: Vec3[], seedAt: number): number {
  for (let n = seedAt; n > 0; n--) {
    const [a, b] = [points[n - 1], points[n]];
    if (Math.hypot(b[0] - a[0], b[1] - a[1]) > stepLimitMm(Math.abs(b[2] - a[2]))) return n;
  }
  return 0;
}

/** Unit direction of the centre line at each point: least-squares slopes of x and y over z, +-3 points. */
function centerLineAxes(points: Vec3[]): Vec3[] {
  return points.map((_, n) => {
    const window = points.slice(Math.max(0, n - 3), Math.min(points.length, n + 4));
    const mean = [0, 1, 2].map((a) => window.reduce((s, p) => s + p[a], 0) / window.length);
    let zz = 0;
    let xz = 0;
    let yz = 0;
    for (const p of window) {
      const dz = p[2] - mean[2];
      zz += dz * dz;
      xz += (p[0] - mean[0]) * dz;
      yz += (p[1] - mean[1]) * dz;
    }
    return zz > 0 ? normalise([xz / zz, yz / zz, 1]) : [0, 0, 1];
  });
}

/** Index of the first point, going up from the middle of a track, where the centre line leans into the arch (length when none). */
function archStart(axes: Vec3[]): number {
  const cosArch = Math.cos((ARCH_TILT_DEG * Math.PI) / 180);
  for (let n = axes.length >> 1; n < axes.length; n++) if (Math.abs(axes[n][2]) < cosArch) return n;
  return axes.length;
}

/**
 * Whether the lumen ends within three inscribed radii (1.5 diameters) straight above the top of a
 * track. A track that climbed into a low, flat arch, bending too little to be seen as a bend, ends
 * under the arch's apex so; one stopped by an aneurysm, a merge or a kink has blood going on above it
 * for the rest of the limb.
 */
function endsAtVesselTop(stack: AxialStack, top: RoundCandidate, window: LumenWindow): boolean {
  const from = stack.bottomUp.indexOf(top.k);
  const reach = Math.ceil((3 * top.r) / Math.abs(stack.dz));
  for (let pos = from + 1; pos < stack.nz && pos <= from + reach; pos++) {
    const hu = discMedian(stack, { ...top, k: stack.bottomUp[pos] });
    if (hu < window.low || hu > window.high) return true;
  }
  return false;
}

/** Median HU of the pixels within half the disc radius around a candidate centre. */
function discMedian(stack: AxialStack, c: RoundCandidate): number {
  const values: number[] = [];
  const reach = c.r / 2;
  const ri = Math.ceil(reach / Math.abs(stack.dx));
  const rj = Math.ceil(reach / Math.abs(stack.dy));
  const i0 = Math.round((c.x - stack.x0) / stack.dx);
  const j0 = Math.round((c.y - stack.y0) / stack.dy);
  const base = c.k * stack.nx * stack.ny;
  for (let j = j0 - rj; j <= j0 + rj; j++) {
    for (let i = i0 - ri; i <= i0 + ri; i++) {
      if (i < 0 || j < 0 || i >= stack.nx || j >= stack.ny) continue;
      if (Math.hypot((i - i0) * stack.dx, (j - j0) * stack.dy) <= reach) values.push(stack.volume.voxels[base + j * stack.nx + i]);
    }
  }
  return median(values);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}
