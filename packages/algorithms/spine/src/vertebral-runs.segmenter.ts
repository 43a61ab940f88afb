import type { SliceBody, SliceKind } from './body-slices.tracer.js';

/** slices k0..k1 (inclusive) of one vertebral body */
export type VertebralRun = [number, number];

/**
 * Step 3: runs of body and endplate slices between gaps are vertebral bodies, when the run spans at least
 * 12 mm and 6 mm of it are body slices: the shortest adult body (T1, ~15 mm) still qualifies, a rib head
 * or a few stray ring slices do not.
 */
export function vertebralRuns(bodies: (SliceBody | undefined)[], sliceKinds: SliceKind[], sliceSpacingMm: number): VertebralRun[] {
  const nz = sliceKinds.length;
  const runs: VertebralRun[] = [];
  for (let k = 0; k < nz; ) {
    if (sliceKinds[k] === 'gap') {
      k++;
      continue;
    }
    let e = k;
    while (e + 1 < nz && sliceKinds[e + 1] !== 'gap') e++;
    const bodyCount = bodies.slice(k, e + 1).filter((b) => b !== undefined).length;
    if ((e - k + 1) * sliceSpacingMm >= 12 && bodyCount * sliceSpacingMm >= 6) runs.push([k, e]);
    k = e + 1;
  }
  return runs;
}
