import type { Vec3 } from '@polyrad/sdk';
import { sliceZ, type AxialStack } from './axial-stack.js';
import type { LumenWindow } from './aorta-section.measurer.js';
import type { RoundCandidate, SliceScan } from './round-structure.detector.js';
import { archStart, centerLineAxes } from './aorta-centerline.geometry.js';
import { median, pixelOf, track, vesselSection } from './vessel-track.follower.js';

/**
 * the ascending aorta is searched over this length below the highest separate lumen in front of the
 * descending aorta (which may be the superior vena cava, separate higher up); lower lies the heart
 */
const ASCENDING_SEARCH_MM = 30;
/** the ascending aorta's centre lies at most this far left of the body's midline (LPS +x) */
const ASCENDING_LEFT_OF_MIDLINE_MM = 10;

export function findAscending(stack: AxialStack, full: AxialStack, scan: SliceScan, descending: RoundCandidate[], window: LumenWindow): { chain: RoundCandidate[]; seedAt: number } | undefined {
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
  let best: { seed: RoundCandidate; diameter: number; joined: boolean } | undefined;
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
      // a separate lumen on this slice, and round; joined to the descending aorta over the arch where the
      // eroded lumen shows it (a thin-slice arch's core can break up), preferred over one that is not
      if (inPlane?.has(p)) continue;
      const section = vesselSection(full, stack, c, window);
      if (!section) continue;
      firstZ ??= sliceZ(stack, k);
      const joined = component[k * nxy + p] === 1;
      if (!best || (joined && !best.joined) || (joined === best.joined && section.meanDiameterMm > best.diameter)) best = { seed: c, diameter: section.meanDiameterMm, joined };
    }
  }
  if (!best) return undefined;
  const chain = track(stack, scan, best.seed);
  return { chain, seedAt: chain.indexOf(best.seed) };
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
