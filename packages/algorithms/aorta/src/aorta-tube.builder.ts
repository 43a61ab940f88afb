import { patientToVoxel, voxelToPatient, type LabelMask, type Vec3, type VolumeGeometry } from '@polyrad/sdk';
import type { CrossSection } from './aorta-section.measurer.js';

/** Sections further apart than this were not measured in between (a rejected stretch): no tube bridges them. */
const MAX_BRIDGE_MM = 12;

/** What the mask shows, for the SEG's segment description: a model of the measured lumen, not its voxels. */
export const AORTA_TUBE_DESCRIPTION = 'tube of measured diameters along centre line, not lumen voxels';

const sub = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const dot = (a: Vec3, b: Vec3): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];

/**
 * Marks with `value` every voxel within the tube swept between consecutive sections (the radius going
 * linearly from one section's mean radius to the next's); a section with no near neighbour is a ball.
 */
function sweep(labels: Uint8Array, geometry: VolumeGeometry, sections: CrossSection[], value: number): void {
  const [nx, ny, nz] = geometry.dimensions;
  const pieces: Array<[CrossSection, CrossSection]> = sections.map((s, i) => {
    const next = sections[i + 1];
    return next && Math.sqrt(dot(sub(next.center, s.center), sub(next.center, s.center))) <= MAX_BRIDGE_MM ? [s, next] : [s, s];
  });
  for (const [a, b] of pieces) {
    const ra = a.meanDiameterMm / 2;
    const rb = b.meanDiameterMm / 2;
    const r = Math.max(ra, rb);
    const ab = sub(b.center, a.center);
    const length2 = dot(ab, ab);
    // voxel box around both ends, grown by the radius
    const lo = [Infinity, Infinity, Infinity];
    const hi = [-Infinity, -Infinity, -Infinity];
    for (const c of [a.center, b.center]) {
      const v = patientToVoxel(geometry, c);
      for (let d = 0; d < 3; d++) {
        const reach = r / geometry.spacing[d] + 1;
        lo[d] = Math.min(lo[d], Math.max(0, Math.floor(v[d] - reach)));
        hi[d] = Math.max(hi[d], Math.min([nx, ny, nz][d] - 1, Math.ceil(v[d] + reach)));
      }
    }
    for (let k = lo[2]; k <= hi[2]; k++) {
      for (let j = lo[1]; j <= hi[1]; j++) {
        for (let i = lo[0]; i <= hi[0]; i++) {
          const p = voxelToPatient(geometry, i, j, k);
          const ap = sub(p, a.center);
          const t = length2 > 0 ? Math.min(1, Math.max(0, dot(ap, ab) / length2)) : 0;
          const off = sub(ap, [ab[0] * t, ab[1] * t, ab[2] * t]);
          const radius = ra + (rb - ra) * t;
          if (dot(off, off) <= radius * radius) labels[i + j * nx + k * nx * ny] = value;
        }
      }
    }
  }
}

/** One label per limb (`aorta.ascending`, `aorta.descending`) on the series grid: the tube of its measured sections. */
export function buildAortaTubeMask(geometry: VolumeGeometry, limbs: Array<{ segment: string; sections: CrossSection[] }>): LabelMask {
  const [nx, ny, nz] = geometry.dimensions;
  const labels = new Uint8Array(nx * ny * nz);
  const labelNames: Record<number, string> = {};
  limbs.forEach((limb, i) => {
    labelNames[i + 1] = `aorta.${limb.segment}`;
    sweep(labels, geometry, limb.sections, i + 1);
  });
  return { geometry, labels, labelNames };
}
