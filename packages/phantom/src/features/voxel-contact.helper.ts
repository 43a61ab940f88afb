import type { Volume } from '@polyrad/sdk';

/**
 * Test helper: the number of face-adjacent voxel pairs with one voxel in set `a` and the other in set
 * `b` (both given as predicates on the flat voxel index), counted once per pair: "do these touch, and how much".
 */
export function faceContacts(volume: Volume, a: (p: number) => boolean, b: (p: number) => boolean): number {
  const [nx, ny, nz] = volume.geometry.dimensions;
  const nxy = nx * ny;
  let contacts = 0;
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++) {
        const p = i + j * nx + k * nxy;
        const inA = a(p);
        const inB = b(p);
        if (!inA && !inB) continue;
        for (const q of [i + 1 < nx ? p + 1 : -1, j + 1 < ny ? p + nx : -1, k + 1 < nz ? p + nxy : -1]) {
          if (q < 0) continue;
          if ((inA && b(q)) || (inB && a(q))) contacts++;
        }
      }
    }
  }
  return contacts;
}
