import type { SeriesFingerprint } from '@polyrad/sdk';
import { sliceNormal } from './orientation.attribute.js';
import { round } from './round.js';

type SliceGeometry = Pick<SeriesFingerprint, 'coverageMm' | 'sliceSpacingMm' | 'zRangeMm'>;

/**
 * Coverage and slice spacing along the slice normal (and the z range of an axial stack), from every
 * instance's ImagePositionPatient; empty when the series has fewer than two positioned slices.
 */
export function sliceGeometryOf(positions: Array<number[] | undefined>, iop: number[] | undefined, orientation: SeriesFingerprint['orientation']): SliceGeometry {
  const normal = sliceNormal(iop);
  if (!normal) return {};
  const along = positions
    .filter((p): p is number[] => Array.isArray(p) && p.length === 3)
    .map((p) => p[0] * normal[0] + p[1] * normal[1] + p[2] * normal[2])
    .sort((a, b) => a - b);
  if (along.length < 2) return {};
  const steps = along.slice(1).map((p, n) => p - along[n]);
  return {
    coverageMm: round(along[along.length - 1] - along[0], 1),
    sliceSpacingMm: round(steps.sort((a, b) => a - b)[Math.floor(steps.length / 2)], 3),
    ...(orientation === 'axial' ? { zRangeMm: [round(along[0], 1), round(along[along.length - 1], 1)] as [number, number] } : {}),
  };
}
