import type { AxialStack } from './axial-stack.js';
import { lumenWindow, type LumenWindow } from './aorta-section.measurer.js';
import type { RoundCandidate, SliceScan } from './round-structure.detector.js';
import { discMedian, median, track, vesselSection } from './vessel-track.follower.js';

/** a descending aorta must be followed over at least this length */
export const MIN_DESCENDING_MM = 40;
/** inscribed radius of the enhanced lumen (ascending aorta, pulmonary trunk, heart chamber) a contrast scan shows in front of the descending aorta */
const ENHANCED_FRONT_RADIUS_MM = 10;
const ENHANCED_FRONT_LENGTH_MM = 20;

/** the best descending-aorta candidate seen in any band, for the reason when none qualifies */
export interface DescendingSearch {
  trackedMm: number;
  roundMm: number;
}

/** a blood HU band: enhanced or unenhanced */
export interface Band {
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

/**
 * The descending aorta runs beside and in front of the vertebral bodies (left anterolateral at T4, anterior
 * at T12); behind them lie the paraspinal muscles, which an unenhanced scan shows in the blood's HU band and,
 * against the lung, with a rounded edge (dev seed 9013: a 20 mm "aorta" tracked 24 mm behind the body's
 * centre while a 44 mm aneurysm lay beside it). A track whose centre lies more than this far behind the
 * vertebral body's centre is not the aorta.
 */
export const MAX_BEHIND_SPINE_MM = 12;
/** bone of an unenhanced scan: a thin cortex blurred by a soft kernel still reaches ~200 HU (dev seed 9013), muscle and blood (40-60 HU) only with rare noise */
const SPINE_BONE_HU = 180;
/** half-width of the strip around the body's midline searched for the vertebral body */
const SPINE_HALF_WIDTH_MM = 30;
/** depth of an adult thoracic vertebral body, front to back (its centre lies half of it behind its front) */
const VERTEBRAL_BODY_DEPTH_MM = 30;

/**
 * How far (mm) the track's centre lies behind the vertebral body's centre, median over its slices; NaN
 * where no bone was seen. The body is the front-most bone in the back half of the trunk, near the midline
 * (ribs and the posterior arch lie behind it); its centre is the centroid of the bone within one body depth
 * of that front. Only for unenhanced scans: iodinated blood in front of the spine is as bright as bone.
 */
export function behindSpineMm(stack: AxialStack, scan: SliceScan, chain: RoundCandidate[]): number {
  const offsets: number[] = [];
  const voxels = stack.volume.voxels;
  const nxy = stack.nx * stack.ny;
  for (let n = 0; n < chain.length; n += 3) {
    const c = chain[n];
    const body = scan.bodyCentre[c.k];
    const bone: { y: number; count: number }[] = [];
    for (let j = 0; j < stack.ny; j++) {
      const y = stack.y0 + j * stack.dy;
      if (y < body.y) continue;
      let count = 0;
      for (let i = 0; i < stack.nx; i++) {
        if (Math.abs(stack.x0 + i * stack.dx - body.x) <= SPINE_HALF_WIDTH_MM && voxels[c.k * nxy + j * stack.nx + i] >= SPINE_BONE_HU) count++;
      }
      // three pixels at least: single bright pixels are noise or specks of calcium
      if (count >= 3) bone.push({ y, count });
    }
    if (bone.length === 0) continue;
    const front = Math.min(...bone.map((b) => b.y));
    const inBody = bone.filter((b) => b.y <= front + VERTEBRAL_BODY_DEPTH_MM);
    const total = inBody.reduce((sum, b) => sum + b.count, 0);
    offsets.push(c.y - inBody.reduce((sum, b) => sum + b.y * b.count, 0) / total);
  }
  return offsets.length > 0 ? median(offsets) : NaN;
}

/**
 * The descending aorta lies within a few centimetres of the midline (beside the spine); an arm held down
 * beside the chest is a round tube of muscle 20-30 cm out (dev seed 9013, tracked once the muscles behind
 * the spine were ruled out).
 */
const MAX_LATERAL_MM = 80;

/** `stack` holds the candidates of `scan` (the coarse copy); `full` is the full-resolution stack. */
export function findDescending(stack: AxialStack, full: AxialStack, scan: SliceScan, band: Band, seen: DescendingSearch): { chain: RoundCandidate[]; window: LumenWindow; bloodHu: number } | undefined {
  const used = new Set<RoundCandidate>();
  let best: { chain: RoundCandidate[]; window: LumenWindow; bloodHu: number; score: number } | undefined;
  const sz = Math.abs(stack.dz);
  for (const k of stack.bottomUp) {
    const body = scan.bodyCentre[k];
    for (const seed of scan.candidates[k]) {
      if (used.has(seed) || seed.r < 7 || seed.r > 22) continue;
      if (!(seed.x > body.x + 5 && seed.x < body.x + MAX_LATERAL_MM && seed.y > body.y + 5)) continue;
      const chain = track(stack, scan, seed);
      for (const c of chain) used.add(c);
      seen.trackedMm = Math.max(seen.trackedMm, chain.length * sz);
      if (chain.length * sz < MIN_DESCENDING_MM || (best && chain.length <= best.score)) continue;
      const bloodHu = median(chain.map((c) => discMedian(stack, c)));
      if (bloodHu < band.lo || bloodHu > band.hi) continue;
      if (band.contrast && !enhancedInFront(stack, scan, chain)) continue;
      if (!band.contrast && behindSpineMm(stack, scan, chain) > MAX_BEHIND_SPINE_MM) continue;
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
