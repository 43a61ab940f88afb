import { PolyradError } from '../errors.js';
import type { Volume } from '../volume/volume.js';
import { MODEL_INPUT_INVALID, type ModelTensor } from './model-session.js';

/**
 * Cube patches of `size` voxels per side cut from a volume around voxel centres ([column, row, slice]),
 * as one float32 array [centres.length, size^3] (x fastest, as in the volume); voxels outside the volume
 * are `outside` (default -1024, air in HU).
 */
export function volumePatches(volume: Volume, centres: ReadonlyArray<readonly [number, number, number]>, size: number, outside = -1024): ModelTensor {
  if (!Number.isInteger(size) || size < 1 || size > 256) throw new PolyradError(MODEL_INPUT_INVALID, `patch size must be a whole number from 1 to 256, got ${size}`);
  const [nx, ny, nz] = volume.geometry.dimensions;
  const per = size ** 3;
  const data = new Float32Array(centres.length * per).fill(outside);
  const half = Math.floor(size / 2);
  centres.forEach(([cx, cy, cz], n) => {
    for (let dz = 0; dz < size; dz++) {
      const z = cz - half + dz;
      if (z < 0 || z >= nz) continue;
      for (let dy = 0; dy < size; dy++) {
        const y = cy - half + dy;
        if (y < 0 || y >= ny) continue;
        for (let dx = 0; dx < size; dx++) {
          const x = cx - half + dx;
          if (x >= 0 && x < nx) data[n * per + (dz * size + dy) * size + dx] = volume.voxels[(z * ny + y) * nx + x];
        }
      }
    }
  });
  return { data, dims: [centres.length, per] };
}
