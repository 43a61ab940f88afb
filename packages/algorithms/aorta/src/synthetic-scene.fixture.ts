import type { Vec3, Volume } from '@polyrad/sdk';

/** A straight tube of one attenuation: axis through `at` along `direction` (need not be unit), radius in mm. */
export interface Tube {
  at: Vec3;
  direction: Vec3;
  radiusMm: number;
  hu: number;
}

export interface SceneOptions {
  dimensions: Vec3;
  spacing: Vec3;
  /** attenuation outside every tube; default -100 (mediastinal fat) */
  backgroundHu?: number;
  /** region of lung (-850 HU) drawn over the background before the tubes: x >= this, LPS mm */
  lungFromX?: number;
  tubes: Tube[];
  /** Gaussian-free noise: uniform in +-noiseHu from a fixed sequence, so specs stay deterministic */
  noiseHu?: number;
}

/**
 * An axial test volume centred on the LPS origin: tubes drawn in order (later ones on top) with 4 x 4
 * in-plane sub-samples per voxel, so lumen edges carry partial volume as on a scanner.
 */
export function syntheticScene(options: SceneOptions): Volume {
  const { dimensions, spacing, tubes } = options;
  const [nx, ny, nz] = dimensions;
  const origin: Vec3 = [(-(nx - 1) / 2) * spacing[0], (-(ny - 1) / 2) * spacing[1], (-(nz - 1) / 2) * spacing[2]];
  const voxels = new Float32Array(nx * ny * nz);
  const units = tubes.map((t) => {
    const l = Math.hypot(...t.direction);
    return t.direction.map((v) => v / l) as Vec3;
  });
  let seed = 12345;
  const noise = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return ((seed / 2147483648) * 2 - 1) * (options.noiseHu ?? 0);
  };
  for (let k = 0; k < nz; k++) {
    const z = origin[2] + k * spacing[2];
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++) {
        let sum = 0;
        for (let a = 0; a < 4; a++) {
          for (let b = 0; b < 4; b++) {
            const p: Vec3 = [origin[0] + (i + (a - 1.5) / 4) * spacing[0], origin[1] + (j + (b - 1.5) / 4) * spacing[1], z];
            let hu = options.lungFromX !== undefined && p[0] >= options.lungFromX ? -850 : (options.backgroundHu ?? -100);
            tubes.forEach((t, n) => {
              const d = [p[0] - t.at[0], p[1] - t.at[1], p[2] - t.at[2]];
              const along = d[0] * units[n][0] + d[1] * units[n][1] + d[2] * units[n][2];
              const off = Math.hypot(d[0] - along * units[n][0], d[1] - along * units[n][1], d[2] - along * units[n][2]);
              if (off <= t.radiusMm) hu = t.hu;
            });
            sum += hu;
          }
        }
        voxels[i + j * nx + k * nx * ny] = sum / 16 + noise();
      }
    }
  }
  return { geometry: { dimensions, spacing, origin, direction: [[1, 0, 0], [0, 1, 0], [0, 0, 1]] }, voxels, unit: 'HU' };
}
