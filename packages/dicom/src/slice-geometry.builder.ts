import { PolyradError } from '@polyrad/sdk/errors';
import type { Vec3, VolumeGeometry } from '@polyrad/sdk';
import type { DicomInstance } from './dicom-instance.types.js';
import { cross, dot, norm, scale, sub } from './vec3.math.js';

type Vec6 = [number, number, number, number, number, number];

/** Unit row and column vectors from ImageOrientationPatient, made exactly orthonormal. */
function orientationAxes(iop: Vec6, path: string): [Vec3, Vec3] {
  const row: Vec3 = [iop[0], iop[1], iop[2]];
  const col: Vec3 = [iop[3], iop[4], iop[5]];
  const rn = norm(row);
  const cn = norm(col);
  if (Math.abs(rn - 1) > 0.01 || Math.abs(cn - 1) > 0.01 || Math.abs(dot(row, col)) / (rn * cn) > 0.01) {
    throw new PolyradError('DICOM_INVALID_ATTRIBUTE', `ImageOrientationPatient (0020,0037) ${iop.join('\\')} is not two perpendicular unit vectors`, path);
  }
  const r = scale(row, 1 / rn);
  // Gram-Schmidt: the values are written with few decimals, so remove the tiny skew they leave.
  const c0 = sub(scale(col, 1 / cn), scale(r, dot(r, scale(col, 1 / cn))));
  return [r, scale(c0, 1 / norm(c0))];
}

export interface SliceGeometry {
  geometry: VolumeGeometry;
  /** The instances in k order. */
  sorted: DicomInstance[];
  /** Gantry tilt: per slice k, the offset (pixels along i and j) at which grid pixel (i, j) lies in the slice's own image. */
  tiltShifts?: Array<[number, number]>;
  tiltDegrees?: number;
  /** Uneven spacing: each sorted slice's distance (mm) from the first along the normal, to resample from. */
  resampleAt?: number[];
}

/** A slice and its distance (mm) along the slice normal. */
interface PlacedSlice {
  instance: DicomInstance;
  d: number;
}

// Scanners tilt the gantry up to about 30 degrees; a steeper sideways drift is not a tilt.
const MAX_TILT_DEGREES = 45;

/**
 * In-plane spacing of a lone image, never 0, NaN or negative: PixelSpacing (patient plane), else
 * ImagerPixelSpacing (CR/DX detector plane), else 1 with a note that distances are in pixels.
 */
function flatSpacing(instance: DicomInstance, notes: string[]): [number, number] {
  if (instance.PixelSpacing) return instance.PixelSpacing;
  if (instance.ImagerPixelSpacing) {
    notes.push(
      `ImagerPixelSpacing ${instance.ImagerPixelSpacing.join('\\')} mm used (no PixelSpacing): it is measured at the detector plane, so distances in the patient are smaller by the geometric magnification (typically 5-15 % for a chest radiograph)`,
    );
    return instance.ImagerPixelSpacing;
  }
  notes.push('no pixel spacing (PixelSpacing and ImagerPixelSpacing absent, zero or invalid): distances in pixels, spacing set to 1');
  return [1, 1];
}

/** A lone image without patient geometry (radiographs, secondary captures): a flat grid at the origin. */
function flatGeometry(instances: DicomInstance[], notes: string[]): SliceGeometry {
  const first = instances[0];
  const ps = flatSpacing(first, notes);
  const thickness = first.SliceThickness !== undefined && first.SliceThickness > 0 ? first.SliceThickness : 1;
  return {
    sorted: instances,
    geometry: {
      dimensions: [first.Columns, first.Rows, 1],
      spacing: [ps[1], ps[0], thickness],
      origin: [0, 0, 0],
      direction: [
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 1],
      ],
    },
  };
}

/** Every slice placed in the patient, with the first one's orientation and pixel spacing. */
function checkOnePlaneGrid(instances: DicomInstance[]): void {
  const first = instances[0];
  for (const instance of instances) {
    if (!instance.ImageOrientationPatient) throw new PolyradError('DICOM_MISSING_ATTRIBUTE', 'ImageOrientationPatient (0020,0037) is missing or not 6 numbers, so the slice cannot be placed in the patient', instance.path);
    if (!instance.ImagePositionPatient) throw new PolyradError('DICOM_MISSING_ATTRIBUTE', 'ImagePositionPatient (0020,0032) is missing or not 3 numbers, so the slice cannot be placed in the patient', instance.path);
    if (!instance.PixelSpacing) throw new PolyradError('DICOM_MISSING_ATTRIBUTE', 'PixelSpacing (0028,0030) is missing or not two positive numbers, so distances in the image are unknown', instance.path);
  }
  const iop = first.ImageOrientationPatient!;
  const ps = first.PixelSpacing!;
  for (const instance of instances) {
    const other = instance.ImageOrientationPatient!;
    if (other.some((v, n) => Math.abs(v - iop[n]) > 1e-3)) {
      throw new PolyradError(
        'DICOM_INCONSISTENT_SERIES',
        `the series mixes slice orientations (${first.path} has ImageOrientationPatient ${iop.join('\\')}, this file ${other.join('\\')}); a localizer or a reformat may be in the same series`,
        instance.path,
      );
    }
    const ops = instance.PixelSpacing!;
    if (Math.abs(ops[0] - ps[0]) > 1e-3 * ps[0] || Math.abs(ops[1] - ps[1]) > 1e-3 * ps[1]) {
      throw new PolyradError('DICOM_INCONSISTENT_SERIES', `PixelSpacing ${ops.join('\\')} differs from ${ps.join('\\')} in ${first.path}; the series mixes fields of view`, instance.path);
    }
  }
}

/**
 * The step between slices (several sorted slices): their mean gap, or the median gap when gaps vary
 * by less than half a step, with `resampleAt` to interpolate onto it. Two slices at one position,
 * or a gap of a whole extra step, are refused.
 */
function sliceStep(placed: PlacedSlice[], notes: string[]): { step: number; resampleAt?: number[] } {
  for (let n = 1; n < placed.length; n++) {
    if (placed[n].d - placed[n - 1].d < 0.01) {
      throw new PolyradError(
        'DICOM_DUPLICATE_SLICE_POSITION',
        `two slices sit at the same position (${placed[n].d.toFixed(3)} mm along the slice normal): ${placed[n - 1].instance.path} and this file; the series holds more than one stack (repeated acquisition or echoes), split it before analysis`,
        placed[n].instance.path,
      );
    }
  }
  const step = (placed[placed.length - 1].d - placed[0].d) / (placed.length - 1);
  // Compare each gap with the median gap, so the message points at the gap that is off.
  const gaps = placed.slice(1).map((p, n) => p.d - placed[n].d);
  const typical = [...gaps].sort((a, b) => a - b)[Math.floor(gaps.length / 2)];
  // Positions are often written to 0.1 mm, which alone moves a gap by up to ~0.15 mm; a missing
  // slice or a second stack moves it by a whole step.
  const tolerance = Math.max(0.15, 0.05 * typical);
  if (!gaps.some((gap) => Math.abs(gap - typical) > tolerance)) return { step };
  // Gaps within half a step of the median are resampled onto it; a gap of a whole extra step
  // (a missing slice) or a second interleaved stack is refused: interpolating across it would invent anatomy.
  for (const [n, gap] of gaps.entries()) {
    if (gap > 1.5 * typical || gap < 0.5 * typical) {
      throw new PolyradError(
        'DICOM_UNEVEN_SLICE_SPACING',
        `slices are not evenly spaced: ${gap.toFixed(3)} mm between ${placed[n].instance.path} and this file, ${typical.toFixed(3)} mm between most slices; a slice may be missing from the input, or the series mixes spacings`,
        placed[n + 1].instance.path,
      );
    }
  }
  notes.push(
    `slices unevenly spaced (gaps ${Math.min(...gaps).toFixed(2)} to ${Math.max(...gaps).toFixed(2)} mm): resampled to the median gap, ${typical.toFixed(3)} mm, by linear interpolation along the slice normal`,
  );
  return { step: typical, resampleAt: placed.map((p) => p.d - placed[0].d) };
}

/**
 * Slices must stack straight along the normal. A gantry tilt moves each slice sideways in proportion
 * to its distance along the normal; that is measured here (and corrected, see untiltSlices), anything
 * else is refused. Returns nothing for a straight stack.
 */
function gantryTilt(placed: PlacedSlice[], [row, col, normal]: [Vec3, Vec3, Vec3], ps: [number, number]): Pick<SliceGeometry, 'tiltShifts' | 'tiltDegrees'> {
  const origin0 = placed[0].instance.ImagePositionPatient!;
  const shearTolerance = 0.25 * Math.min(ps[0], ps[1]) + 0.05;
  const drifts = placed.map(({ instance, d }) => sub(sub(instance.ImagePositionPatient!, origin0), scale(normal, d - placed[0].d)));
  if (!drifts.some((drift) => norm(drift) > shearTolerance)) return {};
  // Least-squares drift per mm along the normal.
  let num: Vec3 = [0, 0, 0];
  let den = 0;
  for (const [n, drift] of drifts.entries()) {
    const along = placed[n].d - placed[0].d;
    num = [num[0] + drift[0] * along, num[1] + drift[1] * along, num[2] + drift[2] * along];
    den += along * along;
  }
  const perMm = scale(num, 1 / den);
  const tiltDegrees = (Math.atan(norm(perMm)) * 180) / Math.PI;
  for (const [n, drift] of drifts.entries()) {
    const off = norm(sub(drift, scale(perMm, placed[n].d - placed[0].d)));
    if (off > shearTolerance || tiltDegrees > MAX_TILT_DEGREES) {
      throw new PolyradError(
        'DICOM_GANTRY_TILT',
        off > shearTolerance
          ? `slices drift sideways irregularly along the stack (${off.toFixed(2)} mm off a straight gantry tilt): not a tilted acquisition that can be corrected; the series may mix stacks`
          : `slices drift sideways by ${tiltDegrees.toFixed(1)} degrees along the stack, more than a gantry tilt (up to ${MAX_TILT_DEGREES}); the positions are inconsistent`,
        placed[n].instance.path,
      );
    }
  }
  return { tiltDegrees, tiltShifts: drifts.map((drift) => [-dot(drift, row) / ps[1], -dot(drift, col) / ps[0]]) };
}

/** Sorts slices along the slice normal (never by file name or InstanceNumber) and derives the grid. */
export function sliceGeometry(instances: DicomInstance[], notes: string[]): SliceGeometry {
  const first = instances[0];
  const threeD = instances.length > 1 || (first.ImagePositionPatient && first.ImageOrientationPatient);
  if (!threeD) return flatGeometry(instances, notes);
  checkOnePlaneGrid(instances);
  const ps = first.PixelSpacing!;
  const [row, col] = orientationAxes(first.ImageOrientationPatient!, first.path);
  const normal = cross(row, col);
  const placed = instances
    .map((instance) => ({ instance, d: dot(instance.ImagePositionPatient!, normal) }))
    .sort((a, b) => a.d - b.d || (a.instance.path < b.instance.path ? -1 : 1));
  // A single slice: its own spacing or thickness, never 0 or negative.
  const { step, resampleAt } = placed.length > 1 ? sliceStep(placed, notes) : { step: [first.SpacingBetweenSlices, first.SliceThickness].find((v) => v !== undefined && v > 0) ?? 1, resampleAt: undefined };
  const { tiltShifts, tiltDegrees } = placed.length > 1 ? gantryTilt(placed, [row, col, normal], ps) : {};
  const span = placed[placed.length - 1].d - placed[0].d;
  return {
    sorted: placed.map((p) => p.instance),
    geometry: {
      dimensions: [first.Columns, first.Rows, resampleAt ? Math.floor(span / step + 1e-6) + 1 : placed.length],
      spacing: [ps[1], ps[0], step],
      origin: [...placed[0].instance.ImagePositionPatient!] as Vec3,
      direction: [row, col, normal],
    },
    tiltShifts,
    tiltDegrees,
    resampleAt,
  };
}

/** A cine stack: the image's own plane (or a unit grid) repeated along k, one step per frame. */
export function timeGeometry(instance: DicomInstance, notes: string[]): SliceGeometry {
  const flat = sliceGeometry([{ ...instance, ImagePositionPatient: instance.ImagePositionPatient, NumberOfFrames: 1 }], notes).geometry;
  return { sorted: [instance], geometry: { ...flat, dimensions: [instance.Columns, instance.Rows, instance.NumberOfFrames], spacing: [flat.spacing[0], flat.spacing[1], 1] } };
}
