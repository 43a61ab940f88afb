import type { SeriesFingerprint } from '@polyrad/sdk';

/** The slice normal of an ImageOrientationPatient (row x column direction); undefined when malformed. */
export function sliceNormal(iop: number[] | undefined): number[] | undefined {
  if (!iop || iop.length !== 6) return undefined;
  return [iop[1] * iop[5] - iop[2] * iop[4], iop[2] * iop[3] - iop[0] * iop[5], iop[0] * iop[4] - iop[1] * iop[3]];
}

/** The main plane the slices lie in, from the first instance's ImageOrientationPatient. */
export function orientationOf(iop: number[] | undefined): SeriesFingerprint['orientation'] {
  const normal = sliceNormal(iop);
  if (!normal) return undefined;
  const axis = normal.map(Math.abs);
  const max = Math.max(...axis);
  // Within ~10 degrees of a main plane counts as that plane.
  if (max < 0.985) return 'oblique';
  return (['sagittal', 'coronal', 'axial'] as const)[axis.indexOf(max)];
}
