import type { Volume, VolumeGeometry } from '@polyrad/sdk';
import { SeededRandom } from './seeded-random.js';

export interface HeadPhantomOptions {
  seed: number;
  /** default 30 axial slices */
  slices?: number;
}

/**
 * A head CT: brain (~35 HU) inside a skull shell (~900 HU), in air. Enough anatomy to tell a head
 * from a chest by content; sizes and position drawn from the seed.
 */
export function generateHeadPhantom(options: HeadPhantomOptions): { volume: Volume } {
  const rng = new SeededRandom(options.seed);
  const nz = options.slices ?? 30;
  const geometry: VolumeGeometry = {
    dimensions: [128, 128, nz],
    spacing: [2, 2, 5],
    origin: [-127, -127, 0],
    direction: [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ],
  };
  const halfWidth = rng.uniform(68, 78);
  const halfDepth = rng.uniform(85, 98);
  const skull = rng.uniform(5, 8);
  const [cx, cy] = [rng.uniform(-8, 8), rng.uniform(-8, 8)];
  const voxels = new Int16Array(128 * 128 * nz);
  for (let k = 0; k < nz; k++) {
    // the head narrows towards the vertex
    const taper = Math.sqrt(Math.max(0.2, 1 - ((k - nz * 0.3) / nz) ** 2));
    for (let j = 0; j < 128; j++) {
      for (let i = 0; i < 128; i++) {
        const x = -127 + 2 * i - cx;
        const y = -127 + 2 * j - cy;
        const q = Math.hypot(x / (halfWidth * taper), y / (halfDepth * taper));
        const depth = (1 - q) * halfWidth * taper;
        const hu = q > 1 ? -1000 : depth < skull ? 900 : 35;
        voxels[k * 128 * 128 + j * 128 + i] = Math.round(hu + 10 * rng.normal());
      }
    }
  }
  return { volume: { geometry, voxels, unit: 'HU' } };
}
