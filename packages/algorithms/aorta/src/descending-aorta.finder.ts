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

/** `stack` holds the candidates of `scan` (the coarse copy); `full` is the full-resolution stack. */
export function findDescending(stack: AxialStack, full: AxialStack, scan: SliceScan, band: Band, seen: DescendingSearch): { chain: RoundCandidate[]; window: LumenWindow; bloodHu: number } | undefined {
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
