import type { Vec3 } from '@polyrad/sdk';
import { normalise } from './aorta-section.measurer.js';
import { stepLimitMm } from './aorta-quality.gate.js';

/** where a track's centre line first leans this far, going up, the arch begins */
const ARCH_TILT_DEG = 35;

/** Unit direction of the centre line at each point: least-squares slopes of x and y over z, +-3 points. */
export function centerLineAxes(points: Vec3[]): Vec3[] {
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
export function archStart(axes: Vec3[]): number {
  const cosArch = Math.cos((ARCH_TILT_DEG * Math.PI) / 180);
  for (let n = axes.length >> 1; n < axes.length; n++) if (Math.abs(axes[n][2]) < cosArch) return n;
  return axes.length;
}

/**
 * Index of the lowest point of the jump-free stretch below `seedAt` on an ascending track: going down
 * from the seed, the first in-plane step wider than the centre line may move (`stepLimitMm`) is where
 * the track left the aortic root for a heart chamber.
 */
export function rootCut(points: Vec3[], seedAt: number): number {
  for (let n = seedAt; n > 0; n--) {
    const [a, b] = [points[n - 1], points[n]];
    if (Math.hypot(b[0] - a[0], b[1] - a[1]) > stepLimitMm(Math.abs(b[2] - a[2]))) return n;
  }
  return 0;
}

/** below the seed, the ascending centre line leaning this far from the body axis has left the aorta */
const ROOT_BEND_DEG = 40;

/**
 * Index of the lowest point above the first bend, going down from `seedAt`, where the centre line leans
 * more than ROOT_BEND_DEG (0 when none). Below the aortic root the track crosses the heart in small steps
 * and may come out in another round lumen: on seed 9141 (contrast) it bent 23 mm right and back over
 * 36 mm into the right atrium, which measured 38 mm below a 32.6 mm aorta.
 */
export function rootBend(axes: Vec3[], seedAt: number): number {
  const cosBend = Math.cos((ROOT_BEND_DEG * Math.PI) / 180);
  for (let n = seedAt; n >= 0; n--) if (Math.abs(axes[n][2]) < cosBend) return n + 1;
  return 0;
}

/**
 * Below the seed, a section this much narrower than the ascending aorta above the seed is the end of the
 * aortic lumen at the valve plane (annulus), seen in partial volume, or a waist below which the track has
 * run into the left ventricular outflow. The sinotubular junction narrows less than this (about 0.9 of the
 * tubular aorta), and the sinuses below it are wider, so a root aneurysm is kept whole.
 */
export const ROOT_WAIST_RATIO = 0.85;

/**
 * Index of the lowest diameter to keep on an ascending limb: `diameters` are the limb's measured
 * sections from inferior to superior, `seedAt` the first of them at or above the seed. Going down from
 * the seed, the first section narrower than ROOT_WAIST_RATIO x the median diameter from the seed up is the
 * valve plane: it and everything below it (left ventricle, outflow tract) are left out. On seeds 9163 and
 * 9188 (contrast) the track went on 35-45 mm below the root into the outflow tract, whose 36-41 mm sections
 * were reported as a 36-39 mm ascending aorta of 31-34 mm.
 */
export function rootWaistCut(diameters: readonly number[], seedAt: number): number {
  const above = diameters.slice(Math.max(0, Math.min(seedAt, diameters.length - 1))).sort((a, b) => a - b);
  const tube = above[above.length >> 1];
  for (let n = Math.min(seedAt, diameters.length) - 1; n >= 0; n--) if (diameters[n] < ROOT_WAIST_RATIO * tube) return n + 1;
  return 0;
}
