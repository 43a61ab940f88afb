import { sliceZ, type AxialStack } from './axial-stack.js';
import { measureSection, type CrossSection, type LumenWindow } from './aorta-section.measurer.js';
import type { RoundCandidate, SliceScan } from './round-structure.detector.js';

/** larger round lumens are heart chambers (a 70 mm aorta is beyond any surveillance range) */
const MAX_RADIUS_MM = 35;
/**
 * a lumen walled by bone on more than this share of its circumference is marrow (a vertebral body, whose
 * trabecular bone can match enhanced or unenhanced blood), not an aorta lying against the spine
 */
const MAX_BONE_RIM = 0.4;

/**
 * A vessel cut across is a near-round outline whose wall is seen on much of its circumference; a lobe
 * of a larger organ has no such outline, and a vertebral body is a disc of marrow walled by cortex
 * (its edges rise into bone all round). Returns the axial cross-section when the candidate is one.
 * Rays run through `full`; `scanned` is the stack whose slice index `c.k` counts.
 */
export function vesselSection(full: AxialStack, scanned: AxialStack, c: RoundCandidate, window: LumenWindow): CrossSection | undefined {
  const section = measureSection(full, [c.x, c.y, sliceZ(scanned, c.k)], [0, 0, 1], c.r, window);
  if (!section || section.boneRimFraction > MAX_BONE_RIM) return undefined;
  const radius = section.meanDiameterMm / 2;
  if (radius > 1.6 * c.r || radius > MAX_RADIUS_MM) return undefined;
  const round = section.edgeFraction >= 0.5 && section.largestGapDeg <= 120 && section.minDiameterMm >= 0.75 * section.maxDiameterMm;
  return round ? section : undefined;
}

/** Follows a disc up and down through the slices: the nearest disc of similar radius on the next slice. */
export function track(stack: AxialStack, scan: SliceScan, seed: RoundCandidate): RoundCandidate[] {
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

export function pixelOf(stack: AxialStack, c: RoundCandidate): number {
  return Math.round((c.y - stack.y0) / stack.dy) * stack.nx + Math.round((c.x - stack.x0) / stack.dx);
}

/** Median HU of the pixels within half the disc radius around a candidate centre. */
export function discMedian(stack: AxialStack, c: RoundCandidate): number {
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

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}
