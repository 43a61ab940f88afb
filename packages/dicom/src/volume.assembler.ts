import { endianness } from 'node:os';
import { PolyradError } from '@polyrad/sdk/errors';
import type { Vec3, Volume, VolumeGeometry, VoxelArray } from '@polyrad/sdk';
import type { DicomInstance, DicomSeries } from './dicom-instance.types.js';
import { parseDataSet } from './dicom-dataset.parser.js';
import { instanceFromDataSet, readFilePrefix, readWholeFile } from './dicom-file.reader.js';
import { readNativeFile, readsNativeFrames, type FileTask } from './native-frame.reader.js';
import { CT_AIR_HU, frameDestination, storeGreyscaleFrame, type FrameTarget, type OutputKind } from './frame-store.js';
import { READER_FAILED, runNativeReadJobInParallel } from './native-read.pool.js';
import { nativeReadTask } from './native-read.job.js';
import { applyPalette, paletteLuminance, type PaletteLuminance } from './palette-color.mapper.js';
import { planarToInterleaved } from './rle-pixel.decoder.js';
import { pixelDecoderFor, preparePixelDecoders, type StoredSamples } from './pixel-decoder.registry.js';
import { frameAttributes, type FrameAttributes } from './enhanced-frames.reader.js';
import { TransferSyntax } from './transfer-syntax.names.js';
import './native-pixel.decoder.js';
import './rle-pixel.decoder.js';
import './wasm-codec-pixel.decoder.js';
import './ijg-jpeg-pixel.decoder.js';

/** A Volume plus what a caller must know to use it right. */
export interface LoadedVolume extends Volume {
  /**
   * 'space': k runs along the slice normal (single-frame series, enhanced multi-frame sorted by
   * PlanePositionSequence). 'time': one 2D image over time (XA/US cine without per-frame positions);
   * spacing[2] is then 1 and means "one frame", not millimetres.
   */
  frameAxis: 'space' | 'time';
  /**
   * MONOCHROME1 (CR/DX): voxels keep the stored/rescaled values, so numbers stay comparable with the
   * source (and HU stay HU); a display must invert (high value = dark). False for everything else.
   */
  displayInverted: boolean;
  /** Things a user should know about how the volume was built (colour reduced to luminance, cine...). */
  notes: string[];
}

type Vec6 = [number, number, number, number, number, number];

function dot(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}
function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}
function norm(a: Vec3): number {
  return Math.sqrt(dot(a, a));
}
function scale(a: Vec3, s: number): Vec3 {
  return [a[0] * s, a[1] * s, a[2] * s];
}
function sub(a: Vec3, b: Vec3): Vec3 {
  return [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
}

function fail(code: string, message: string, path?: string): never {
  throw new PolyradError(code, message, path);
}

/** Unit row and column vectors from ImageOrientationPatient, made exactly orthonormal. */
function orientationAxes(iop: Vec6, path: string): [Vec3, Vec3] {
  const row: Vec3 = [iop[0], iop[1], iop[2]];
  const col: Vec3 = [iop[3], iop[4], iop[5]];
  const rn = norm(row);
  const cn = norm(col);
  if (Math.abs(rn - 1) > 0.01 || Math.abs(cn - 1) > 0.01 || Math.abs(dot(row, col)) / (rn * cn) > 0.01) {
    fail('DICOM_INVALID_ATTRIBUTE', `ImageOrientationPatient (0020,0037) ${iop.join('\\')} is not two perpendicular unit vectors`, path);
  }
  const r = scale(row, 1 / rn);
  // Gram-Schmidt: the values are written with few decimals, so remove the tiny skew they leave.
  const c0 = sub(scale(col, 1 / cn), scale(r, dot(r, scale(col, 1 / cn))));
  return [r, scale(c0, 1 / norm(c0))];
}

interface SliceGeometry {
  geometry: VolumeGeometry;
  /** The instances in k order. */
  sorted: DicomInstance[];
  /** Gantry tilt: per slice k, the offset (pixels along i and j) at which grid pixel (i, j) lies in the slice's own image. */
  tiltShifts?: Array<[number, number]>;
  tiltDegrees?: number;
  /** Uneven spacing: each sorted slice's distance (mm) from the first along the normal, to resample from. */
  resampleAt?: number[];
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

/** Sorts slices along the slice normal (never by file name or InstanceNumber) and derives the grid. */
function sliceGeometry(instances: DicomInstance[], notes: string[]): SliceGeometry {
  const first = instances[0];
  const dimensions: [number, number] = [first.Columns, first.Rows];
  const threeD = instances.length > 1 || (first.ImagePositionPatient && first.ImageOrientationPatient);
  if (!threeD) {
    // A lone image without patient geometry (radiographs, secondary captures): a flat grid at the origin.
    const ps = flatSpacing(first, notes);
    const thickness = first.SliceThickness !== undefined && first.SliceThickness > 0 ? first.SliceThickness : 1;
    return {
      sorted: instances,
      geometry: {
        dimensions: [dimensions[0], dimensions[1], 1],
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
  for (const instance of instances) {
    if (!instance.ImageOrientationPatient) fail('DICOM_MISSING_ATTRIBUTE', 'ImageOrientationPatient (0020,0037) is missing or not 6 numbers, so the slice cannot be placed in the patient', instance.path);
    if (!instance.ImagePositionPatient) fail('DICOM_MISSING_ATTRIBUTE', 'ImagePositionPatient (0020,0032) is missing or not 3 numbers, so the slice cannot be placed in the patient', instance.path);
    if (!instance.PixelSpacing) fail('DICOM_MISSING_ATTRIBUTE', 'PixelSpacing (0028,0030) is missing or not two positive numbers, so distances in the image are unknown', instance.path);
  }
  const iop = first.ImageOrientationPatient!;
  const ps = first.PixelSpacing!;
  for (const instance of instances) {
    const other = instance.ImageOrientationPatient!;
    if (other.some((v, n) => Math.abs(v - iop[n]) > 1e-3)) {
      fail(
        'DICOM_INCONSISTENT_SERIES',
        `the series mixes slice orientations (${first.path} has ImageOrientationPatient ${iop.join('\\')}, this file ${other.join('\\')}); a localizer or a reformat may be in the same series`,
        instance.path,
      );
    }
    const ops = instance.PixelSpacing!;
    if (Math.abs(ops[0] - ps[0]) > 1e-3 * ps[0] || Math.abs(ops[1] - ps[1]) > 1e-3 * ps[1]) {
      fail('DICOM_INCONSISTENT_SERIES', `PixelSpacing ${ops.join('\\')} differs from ${ps.join('\\')} in ${first.path}; the series mixes fields of view`, instance.path);
    }
  }
  const [row, col] = orientationAxes(iop, first.path);
  const normal = cross(row, col);
  const placed = instances
    .map((instance) => ({ instance, d: dot(instance.ImagePositionPatient!, normal) }))
    .sort((a, b) => a.d - b.d || (a.instance.path < b.instance.path ? -1 : 1));
  // Only used for a single slice; never 0 or negative.
  let step = [first.SpacingBetweenSlices, first.SliceThickness].find((v) => v !== undefined && v > 0) ?? 1;
  let tiltShifts: SliceGeometry['tiltShifts'];
  let tiltDegrees: number | undefined;
  let resampleAt: number[] | undefined;
  if (placed.length > 1) {
    for (let n = 1; n < placed.length; n++) {
      if (placed[n].d - placed[n - 1].d < 0.01) {
        fail(
          'DICOM_DUPLICATE_SLICE_POSITION',
          `two slices sit at the same position (${placed[n].d.toFixed(3)} mm along the slice normal): ${placed[n - 1].instance.path} and this file; the series holds more than one stack (repeated acquisition or echoes), split it before analysis`,
          placed[n].instance.path,
        );
      }
    }
    step = (placed[placed.length - 1].d - placed[0].d) / (placed.length - 1);
    // Compare each gap with the median gap, so the message points at the gap that is off.
    const gaps = placed.slice(1).map((p, n) => p.d - placed[n].d);
    const typical = [...gaps].sort((a, b) => a - b)[Math.floor(gaps.length / 2)];
    // Positions are often written to 0.1 mm, which alone moves a gap by up to ~0.15 mm; a missing
    // slice or a second stack moves it by a whole step.
    const tolerance = Math.max(0.15, 0.05 * typical);
    if (gaps.some((gap) => Math.abs(gap - typical) > tolerance)) {
      // Gaps within half a step of the median are resampled onto it; a gap of a whole extra step
      // (a missing slice) or a second interleaved stack is refused: interpolating across it would invent anatomy.
      for (const [n, gap] of gaps.entries()) {
        if (gap > 1.5 * typical || gap < 0.5 * typical) {
          fail(
            'DICOM_UNEVEN_SLICE_SPACING',
            `slices are not evenly spaced: ${gap.toFixed(3)} mm between ${placed[n].instance.path} and this file, ${typical.toFixed(3)} mm between most slices; a slice may be missing from the input, or the series mixes spacings`,
            placed[n + 1].instance.path,
          );
        }
      }
      step = typical;
      resampleAt = placed.map((p) => p.d - placed[0].d);
      notes.push(
        `slices unevenly spaced (gaps ${Math.min(...gaps).toFixed(2)} to ${Math.max(...gaps).toFixed(2)} mm): resampled to the median gap, ${typical.toFixed(3)} mm, by linear interpolation along the slice normal`,
      );
    }
    // Slices must stack straight along the normal. A gantry tilt moves each slice sideways in
    // proportion to its distance along the normal; that is corrected (see untiltSlices), anything
    // else is refused.
    const origin0 = placed[0].instance.ImagePositionPatient!;
    const shearTolerance = 0.25 * Math.min(ps[0], ps[1]) + 0.05;
    const drifts = placed.map(({ instance, d }) => sub(sub(instance.ImagePositionPatient!, origin0), scale(normal, d - placed[0].d)));
    if (drifts.some((drift) => norm(drift) > shearTolerance)) {
      // Least-squares drift per mm along the normal.
      let num: Vec3 = [0, 0, 0];
      let den = 0;
      for (const [n, drift] of drifts.entries()) {
        const along = placed[n].d - placed[0].d;
        num = [num[0] + drift[0] * along, num[1] + drift[1] * along, num[2] + drift[2] * along];
        den += along * along;
      }
      const perMm = scale(num, 1 / den);
      tiltDegrees = (Math.atan(norm(perMm)) * 180) / Math.PI;
      for (const [n, drift] of drifts.entries()) {
        const off = norm(sub(drift, scale(perMm, placed[n].d - placed[0].d)));
        if (off > shearTolerance || tiltDegrees > MAX_TILT_DEGREES) {
          fail(
            'DICOM_GANTRY_TILT',
            off > shearTolerance
              ? `slices drift sideways irregularly along the stack (${off.toFixed(2)} mm off a straight gantry tilt): not a tilted acquisition that can be corrected; the series may mix stacks`
              : `slices drift sideways by ${tiltDegrees.toFixed(1)} degrees along the stack, more than a gantry tilt (up to ${MAX_TILT_DEGREES}); the positions are inconsistent`,
            placed[n].instance.path,
          );
        }
      }
      tiltShifts = drifts.map((drift) => [-dot(drift, row) / ps[1], -dot(drift, col) / ps[0]]);
    }
  }
  const span = placed[placed.length - 1].d - placed[0].d;
  return {
    sorted: placed.map((p) => p.instance),
    geometry: {
      dimensions: [dimensions[0], dimensions[1], resampleAt ? Math.floor(span / step + 1e-6) + 1 : placed.length],
      spacing: [ps[1], ps[0], step],
      origin: [...placed[0].instance.ImagePositionPatient!] as Vec3,
      direction: [row, col, normal],
    },
    tiltShifts,
    tiltDegrees,
    resampleAt,
  };
}

function checkPixelFormat(instance: DicomInstance, reference: DicomInstance): void {
  const { path } = instance;
  if (!instance.hasPixelData) fail('DICOM_NO_PIXEL_DATA', 'has no pixel data; it is not an image', path);
  const pi = instance.PhotometricInterpretation;
  if (instance.SamplesPerPixel === 3) {
    if (!COLOUR_TO_LUMINANCE.has(pi)) {
      fail('DICOM_UNSUPPORTED_PIXEL_FORMAT', `is a colour image in ${pi || '(no PhotometricInterpretation)'}; only RGB, YBR_FULL, YBR_ICT and YBR_RCT colour can be reduced to luminance`, path);
    }
  } else if (instance.SamplesPerPixel !== 1) {
    fail('DICOM_UNSUPPORTED_PIXEL_FORMAT', `has SamplesPerPixel ${instance.SamplesPerPixel} (${pi}); only greyscale or 3-sample colour images are supported`, path);
  } else if (pi === 'PALETTE COLOR' && instance.BitsAllocated > 16) {
    fail('DICOM_UNSUPPORTED_PIXEL_FORMAT', `is a PALETTE COLOR image with ${instance.BitsAllocated}-bit indices; palettes index with 8 or 16 bits`, path);
  }
  if (![8, 16, 32].includes(instance.BitsAllocated) || instance.BitsStored < 1 || instance.BitsStored > instance.BitsAllocated || instance.HighBit >= instance.BitsAllocated) {
    fail(
      'DICOM_UNSUPPORTED_PIXEL_FORMAT',
      `has BitsAllocated ${instance.BitsAllocated}, BitsStored ${instance.BitsStored}, HighBit ${instance.HighBit}; only 8, 16 or 32-bit greyscale samples are supported`,
      path,
    );
  }
  if (!instance.Rows || !instance.Columns) fail('DICOM_MISSING_ATTRIBUTE', 'Rows (0028,0010) or Columns (0028,0011) is missing or zero', path);
  if (instance.Rows !== reference.Rows || instance.Columns !== reference.Columns) {
    fail(
      'DICOM_INCONSISTENT_SERIES',
      `is ${instance.Columns}x${instance.Rows} pixels but ${reference.path} is ${reference.Columns}x${reference.Rows}; one series must have one image size`,
      path,
    );
  }
  if (!instance.Modality) return;
  if (reference.Modality && instance.Modality !== reference.Modality) {
    fail('DICOM_INCONSISTENT_SERIES', `has Modality ${instance.Modality} but ${reference.path} has ${reference.Modality}`, path);
  }
}

/** Int16 HU for CT with integral rescale (HU beyond the Int16 range do not occur in tissue); else the smallest exact type. */
function outputKind(instances: DicomInstance[], ct: boolean): OutputKind {
  // A Modality LUT replaces the rescale: its 16-bit entries are the output values.
  const integral = instances.every((i) => i.ModalityLUTSequence || (Number.isInteger(i.RescaleSlope) && Number.isInteger(i.RescaleIntercept)));
  if (!integral) return 'float32';
  if (ct && !instances.some((i) => i.ModalityLUTSequence)) return 'int16';
  let min = Infinity;
  let max = -Infinity;
  for (const i of instances) {
    if (i.ModalityLUTSequence) {
      for (const v of i.ModalityLUTSequence.LUTData) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
      continue;
    }
    const lo = i.PixelRepresentation === 1 ? -(2 ** (i.BitsStored - 1)) : 0;
    const hi = i.PixelRepresentation === 1 ? 2 ** (i.BitsStored - 1) - 1 : 2 ** i.BitsStored - 1;
    for (const v of [lo * i.RescaleSlope + i.RescaleIntercept, hi * i.RescaleSlope + i.RescaleIntercept]) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
  }
  if (min >= -32768 && max <= 32767) return 'int16';
  if (min >= 0 && max <= 65535) return 'uint16';
  return 'float32';
}

// Colour is reduced to luminance (ITU-R BT.601 weights); YBR_* already carries it as the first sample.
const COLOUR_TO_LUMINANCE = new Set(['RGB', 'YBR_FULL', 'YBR_ICT', 'YBR_RCT']);

/** Luminance of pixel-interleaved 3-sample colour, rounded to the stored sample type. */
function luminance(samples: StoredSamples, rgb: boolean): StoredSamples {
  const pixels = samples.length / 3;
  const out = samples instanceof Uint8Array ? new Uint8Array(pixels) : new Uint16Array(pixels);
  for (let p = 0; p < pixels; p++) {
    out[p] = rgb ? Math.round(0.299 * samples[3 * p] + 0.587 * samples[3 * p + 1] + 0.114 * samples[3 * p + 2]) : samples[3 * p];
  }
  return out;
}

const NATIVE_SYNTAXES = new Set<string>([TransferSyntax.ImplicitVRLittleEndian, TransferSyntax.ExplicitVRLittleEndian, TransferSyntax.ExplicitVRBigEndian]);

/**
 * Refuses headers that claim more pixels than the file can hold, before anything is allocated: a
 * flipped Rows or NumberOfFrames must not make us reserve gigabytes.
 */
function checkPixelBudget(instance: DicomInstance): void {
  const { Rows, Columns, SamplesPerPixel, BitsAllocated, NumberOfFrames, fileSize, path, TransferSyntaxUID } = instance;
  const frames = Math.max(1, NumberOfFrames);
  if (!Number.isSafeInteger(frames) || frames > 100000) fail('DICOM_INVALID_ATTRIBUTE', `NumberOfFrames ${NumberOfFrames} is not a plausible frame count`, path);
  const needed = Rows * Columns * SamplesPerPixel * (BitsAllocated / 8) * frames;
  if (NATIVE_SYNTAXES.has(TransferSyntaxUID) ? needed > fileSize : TransferSyntaxUID === TransferSyntax.DeflatedExplicitVRLittleEndian ? needed > fileSize * 1032 : frames * 8 > fileSize) {
    fail(
      'DICOM_TRUNCATED',
      `the header claims ${frames} frame(s) of ${Columns}x${Rows}x${SamplesPerPixel} ${BitsAllocated}-bit samples, more than this ${fileSize}-byte file can hold; the header is corrupt or the file incomplete`,
      path,
    );
  }
}

/** One 2D frame to place in the volume: a file (or one frame of a multi-frame file) with its own geometry. */
interface FrameSlice {
  header: DicomInstance;
  frameIndex: number;
}

const frameIndexOf = new WeakMap<DicomInstance, number>();

/**
 * An enhanced file may hold several stacks (StackID) or orientations, e.g. a three-plane localizer
 * or an MR with axial and sagittal stacks: one volume is one stack, so refuse with what is inside.
 */
function checkOneStack(instance: DicomInstance, attributes: FrameAttributes[]): void {
  const stacks = new Map<string, number>();
  const orientations = new Map<string, number>();
  for (const a of attributes) {
    if (a.StackID) stacks.set(a.StackID, (stacks.get(a.StackID) ?? 0) + 1);
    const iop = a.ImageOrientationPatient ?? instance.ImageOrientationPatient;
    const key = iop ? iop.map((v) => v.toFixed(2)).join('\\') : '';
    orientations.set(key, (orientations.get(key) ?? 0) + 1);
  }
  if (stacks.size <= 1 && orientations.size <= 1) return;
  const list = (m: Map<string, number>, what: string) => [...m].map(([key, frames]) => `${what} ${key || '(none)'}: ${frames} frames`).join(', ');
  fail(
    'DICOM_MULTIPLE_STACKS',
    `this enhanced multi-frame file holds ${Math.max(stacks.size, orientations.size)} stacks (${stacks.size > 1 ? list(stacks, 'StackID') : list(orientations, 'orientation')}); ` +
      'one volume is one stack of parallel slices: scan the file (scanDicomInputs and groupSeries, as polyrad analyze does) to get each stack as a series of its own',
    instance.path,
  );
}

/**
 * Splits multi-frame files into per-frame pseudo-instances carrying their functional-group geometry
 * and rescale, so enhanced CT/MR goes through the same sort and spacing checks as classic series.
 * Returns 'time' for a lone multi-frame image without per-frame positions (cine).
 */
async function expandFrames(instances: DicomInstance[], notes: string[]): Promise<{ slices: DicomInstance[]; time?: DicomInstance }> {
  const slices: DicomInstance[] = [];
  for (const instance of instances) {
    if (instance.NumberOfFrames <= 1) {
      slices.push(instance);
      continue;
    }
    const { path } = instance;
    // The functional groups sit before Pixel Data: read only that part when the scan knows where it starts.
    const bytes = instance.pixelDataOffset === undefined ? await readWholeFile(path) : await readFilePrefix(path, instance.pixelDataOffset);
    const attributes = frameAttributes(parseDataSet(bytes, path, instance.fileSize).dataSet, instance.NumberOfFrames);
    if (!attributes || attributes.some((a) => !a.ImagePositionPatient)) {
      if (instances.length === 1) {
        notes.push(`${instance.NumberOfFrames} frames without per-frame positions (${instance.Modality || 'unknown modality'} cine): loaded as a 2D+t stack, k is the frame number`);
        return { slices: [instance], time: instance };
      }
      fail('DICOM_UNSUPPORTED_MULTIFRAME', `is a multi-frame image (${instance.NumberOfFrames} frames) without per-frame positions inside a series of ${instances.length} files; load it on its own`, path);
    }
    // One stack of a multi-stack file (split by groupSeries): only its frames.
    const chosen = instance.stack ? new Set(instance.stack.frames) : undefined;
    const frames = [...attributes.entries()].filter(([f]) => !chosen || chosen.has(f));
    checkOneStack(instance, frames.map(([, a]) => a));
    notes.push(`${path}: ${frames.length} of ${instance.NumberOfFrames} frames${instance.stack ? ` (${instance.stack.label})` : ''} placed by their PlanePositionSequence`);
    for (const [f, a] of frames) {
      const frame: DicomInstance = {
        ...instance,
        NumberOfFrames: 1,
        ImagePositionPatient: a.ImagePositionPatient,
        ImageOrientationPatient: a.ImageOrientationPatient ?? instance.ImageOrientationPatient,
        PixelSpacing: a.PixelSpacing ?? instance.PixelSpacing,
        SliceThickness: a.SliceThickness ?? instance.SliceThickness,
        SpacingBetweenSlices: a.SpacingBetweenSlices ?? instance.SpacingBetweenSlices,
        RescaleSlope: a.RescaleSlope ?? instance.RescaleSlope,
        RescaleIntercept: a.RescaleIntercept ?? instance.RescaleIntercept,
        RescaleType: a.RescaleType || instance.RescaleType,
      };
      frameIndexOf.set(frame, f);
      slices.push(frame);
    }
  }
  return { slices };
}

/** A cine stack: the image's own plane (or a unit grid) repeated along k, one step per frame. */
function timeGeometry(instance: DicomInstance, notes: string[]): SliceGeometry {
  const flat = sliceGeometry([{ ...instance, ImagePositionPatient: instance.ImagePositionPatient, NumberOfFrames: 1 }], notes).geometry;
  return { sorted: [instance], geometry: { ...flat, dimensions: [instance.Columns, instance.Rows, instance.NumberOfFrames], spacing: [flat.spacing[0], flat.spacing[1], 1] } };
}

function instancesOf(series: DicomSeries | DicomInstance[]): DicomInstance[] {
  return Array.isArray(series) ? series : series.instances;
}

function fileTasks(plan: FrameSlice[]): FileTask[] {
  const byPath = new Map<string, FileTask>();
  for (const [k, { header, frameIndex }] of plan.entries()) {
    let task = byPath.get(header.path);
    if (!task) byPath.set(header.path, (task = { path: header.path, frames: [] }));
    task.frames.push({ k, frameIndex, header });
  }
  return [...byPath.values()];
}

/** The output volume while it is filled, one frame at a time. */
interface VolumeSink extends Omit<FrameTarget, 'voxels'> {
  reference: DicomInstance;
  colour: boolean;
  nz: number;
  /** Allocated in shared memory when reader threads fill it (see native-read.pool.ts). */
  shared: boolean;
  voxels?: VoxelArray;
  anyPadding: boolean;
}

/**
 * Node 20's V8 does not count SharedArrayBuffer memory when it decides to collect garbage, so dead
 * shared volumes piled up (1 GB after ten loads of a 512x512x300 series, all garbage). An ordinary
 * ArrayBuffer of the same size, never touched (address space, not memory: its pages are never
 * faulted in), lives exactly as long as the shared buffer and makes the collector weigh it.
 */
const collectorHints = new WeakMap<SharedArrayBuffer, ArrayBuffer>();

function sharedBuffer(bytes: number): SharedArrayBuffer {
  const buffer = new SharedArrayBuffer(bytes);
  collectorHints.set(buffer, new ArrayBuffer(bytes));
  return buffer;
}

function voxelsOf(sink: VolumeSink): VoxelArray {
  const size = sink.sliceSize * sink.nz;
  if (sink.voxels) return sink.voxels;
  const bytes = sink.kind === 'float32' ? 4 * size : 2 * size;
  const buffer = sink.shared ? sharedBuffer(bytes) : new ArrayBuffer(bytes);
  sink.voxels = sink.kind === 'int16' ? new Int16Array(buffer) : sink.kind === 'uint16' ? new Uint16Array(buffer) : new Float32Array(buffer);
  return sink.voxels;
}

/** The sink as the frame store's target, its volume allocated (the same object, so its value table is kept between frames). */
function targetOf(sink: VolumeSink): VolumeSink & FrameTarget {
  voxelsOf(sink);
  return sink as VolumeSink & FrameTarget;
}

function padMaskOf(sink: VolumeSink): Uint8Array {
  const size = sink.sliceSize * sink.nz;
  sink.padMask ??= sink.shared ? new Uint8Array(sharedBuffer(size)) : new Uint8Array(size);
  return sink.padMask;
}

/** Puts one frame's stored samples at slice k: palette or colour to luminance, padding, rescale. */
function storeFrame(sink: VolumeSink, samples: StoredSamples, k: number, header: DicomInstance, instance: DicomInstance, rgb: boolean, palette?: PaletteLuminance): void {
  const { sliceSize } = sink;
  if (samples.length !== sliceSize * instance.SamplesPerPixel) {
    fail('DICOM_DECODE_FAILED', `decoded ${samples.length} samples, expected ${instance.Columns}x${instance.Rows}x${instance.SamplesPerPixel}`, instance.path);
  }
  let pixelInstance: DicomInstance;
  if (palette) {
    samples = applyPalette(samples, palette, instance);
    pixelInstance = { ...instance, BitsStored: 16, HighBit: 15, PixelRepresentation: 0, RescaleSlope: 1, RescaleIntercept: 0, ModalityLUTSequence: undefined, PixelPaddingValue: undefined };
  } else if (sink.colour) {
    samples = luminance(samples, rgb);
    pixelInstance = { ...instance, RescaleSlope: 1, RescaleIntercept: 0, ModalityLUTSequence: undefined, PixelPaddingValue: undefined };
  } else {
    // Rescale is per frame in enhanced objects (functional groups); the rest is the file's.
    pixelInstance = { ...instance, RescaleSlope: header.RescaleSlope, RescaleIntercept: header.RescaleIntercept };
  }
  if (!sink.ct && pixelInstance.PixelPaddingValue !== undefined) padMaskOf(sink);
  if (storeGreyscaleFrame(targetOf(sink), samples, k, pixelInstance)) sink.anyPadding = true;
}

const hostLittleEndian = endianness() === 'LE';

/**
 * Uncompressed files on the main thread, one frame at a time (see frameDestination); the file is
 * never held whole. Returns false when the file no longer has the layout the scan saw.
 */
function loadNativeFile(sink: VolumeSink, task: FileTask): boolean {
  const instance = task.frames[0].header;
  // Frames are little endian on disk; a big-endian host (none that Node supports today) takes the slow path.
  if (!hostLittleEndian) return false;
  const planar = instance.SamplesPerPixel > 1 && instance.PlanarConfiguration === 1;
  // The scan's budget check proved the file holds these bytes, so the volume may be sized from its header.
  const target = targetOf(sink);
  const destination = ({ k, header }: FileTask['frames'][number], frameBytes: number) =>
    frameDestination(target, header, instance.BitsAllocated, k, frameBytes);
  return readNativeFile(instance, task.frames, destination, (samples, { k, header }) => {
    storeFrame(sink, planar ? planarToInterleaved(samples, instance.SamplesPerPixel) : samples, k, header, instance, instance.PhotometricInterpretation === 'RGB');
  });
}

/** Any syntax: the file read whole (one at a time per worker), its header parsed again, frames decoded. */
async function loadDecodedFile(sink: VolumeSink, task: FileTask): Promise<void> {
  const { path } = task;
  const bytes = await readWholeFile(path);
  const parsed = parseDataSet(bytes, path, bytes.length);
  if (!parsed.pixelData) fail('DICOM_NO_PIXEL_DATA', 'has no pixel data; it is not an image', path);
  // Pixel parameters come from this read of the file, in case it changed since the scan.
  const instance = instanceFromDataSet(path, bytes.length, parsed);
  checkPixelFormat(instance, sink.reference);
  checkPixelBudget(instance);
  const scanned = task.frames[0].header;
  if (instance.NumberOfFrames !== scanned.NumberOfFrames && scanned.NumberOfFrames > 1) fail('DICOM_INCONSISTENT_SERIES', 'the file changed while it was being loaded', path);
  const decoder = pixelDecoderFor(parsed.TransferSyntaxUID, path);
  await decoder.prepare?.();
  const palette = instance.PhotometricInterpretation === 'PALETTE COLOR' ? paletteLuminance(parsed.dataSet, instance) : undefined;
  for (const { k, frameIndex, header } of task.frames) {
    const samples = decoder.decodeFrame({ parsed, instance, frameIndex, path });
    storeFrame(sink, samples, k, header, instance, instance.PhotometricInterpretation === 'RGB' || decoder.convertsToRgb === true, palette);
  }
}

async function loadFile(sink: VolumeSink, task: FileTask): Promise<void> {
  const header = task.frames[0].header;
  try {
    if (readsNativeFrames(header) && header.PhotometricInterpretation !== 'PALETTE COLOR' && loadNativeFile(sink, task)) return;
    await loadDecodedFile(sink, task);
  } catch (thrown) {
    if (thrown instanceof PolyradError) throw thrown;
    // Safety net: codecs and typed arrays throw plain errors on hostile data; callers get a typed one.
    throw new PolyradError('DICOM_DECODE_FAILED', `pixel data could not be decoded (${thrown instanceof Error ? thrown.message : String(thrown)})`, task.path);
  }
}

/** Files read at the same time on the main thread: enough to overlap disk waits with decoding, few enough to bound memory. */
const LOAD_CONCURRENCY = 4;

/** A few files in flight at a time; the first failure stops the rest. */
async function loadOnMainThread(sink: VolumeSink, tasks: FileTask[]): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < tasks.length) {
      try {
        await loadFile(sink, tasks[next++]);
      } catch (thrown) {
        failed = true;
        throw thrown;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(LOAD_CONCURRENCY, tasks.length) }, worker));
}

/** Uncompressed frames below this many stay on the main thread: starting reader threads costs more. */
const MIN_THREADED_FRAMES = 16;

/**
 * Uncompressed greyscale files read by the main thread and the reader threads together, straight
 * into the shared volume. Files that changed since the scan are then read again the slow way.
 */
async function loadThreaded(sink: VolumeSink, tasks: FileTask[]): Promise<void> {
  const { kind, ct, sliceSize } = sink;
  const padding = !ct && tasks.some((task) => task.frames[0].header.PixelPaddingValue !== undefined);
  const target = { kind, ct, sliceSize, voxels: voxelsOf(sink), padMask: padding ? padMaskOf(sink) : sink.padMask };
  let outcomes;
  try {
    outcomes = await runNativeReadJobInParallel({ target, tasks: tasks.map(nativeReadTask), control: new Int32Array(new SharedArrayBuffer(8)) });
  } catch (thrown) {
    // A reader thread could not start or died: every file is read again here (reading a file into its slices is repeatable).
    if (thrown instanceof PolyradError && thrown.code === READER_FAILED) return loadOnMainThread(sink, tasks);
    throw thrown;
  }
  const failure = outcomes.flatMap((outcome) => (outcome.failure ? [outcome.failure] : [])).sort((a, b) => a.task - b.task)[0];
  if (failure) throw new PolyradError(failure.code, failure.message, failure.subject);
  if (outcomes.some((outcome) => outcome.padded)) sink.anyPadding = true;
  for (const index of outcomes.flatMap((outcome) => outcome.changed)) await loadFile(sink, tasks[index]);
}

/**
 * Gantry tilt correction: shifts each slice in its own plane by its drift, with bilinear
 * interpolation, so the stack lies on an orthogonal grid with k along the slice normal (the
 * resampling scanners' own "tilt correction" reformats do). Pixels shifted in from outside the
 * acquired image get `fill`. Hot loop on typed arrays, written by hand.
 */
function untiltSlices(voxels: VoxelArray, dimensions: [number, number, number], shifts: Array<[number, number]>, fill: number): void {
  const [nx, ny] = dimensions;
  const slice = new Float32Array(nx * ny);
  const round = !(voxels instanceof Float32Array);
  for (const [k, [du, dv]] of shifts.entries()) {
    if (du === 0 && dv === 0) continue;
    const base = k * nx * ny;
    for (let n = 0; n < slice.length; n++) slice[n] = voxels[base + n];
    // Output (i, j) is source (i + du, j + dv) of the slice's own image.
    const x0 = Math.floor(du);
    const y0 = Math.floor(dv);
    const fx = du - x0;
    const fy = dv - y0;
    for (let j = 0; j < ny; j++) {
      const y = j + y0;
      for (let i = 0; i < nx; i++) {
        const x = i + x0;
        let value = fill;
        if (x >= 0 && y >= 0 && x + (fx > 0 ? 1 : 0) < nx && y + (fy > 0 ? 1 : 0) < ny) {
          const p = x + y * nx;
          const top = fx > 0 ? slice[p] + fx * (slice[p + 1] - slice[p]) : slice[p];
          const bottom = fy > 0 ? (fx > 0 ? slice[p + nx] + fx * (slice[p + nx + 1] - slice[p + nx]) : slice[p + nx]) : top;
          value = top + fy * (bottom - top);
        }
        voxels[base + i + j * nx] = round ? Math.round(value) : value;
      }
    }
  }
}

/** The smallest voxel value, skipping voxels marked in `skip`. */
function smallestValue(voxels: VoxelArray, skip?: Uint8Array): number {
  let min = Infinity;
  for (let n = 0; n < voxels.length; n++) if (voxels[n] < min && !skip?.[n]) min = voxels[n];
  return min;
}

/**
 * Uneven spacing: linear interpolation between the two nearest slices onto `count` slices `step` mm
 * apart (slice n of the source sits `at[n]` mm from the first). Hot loop on typed arrays, by hand.
 */
function resampleAlongK(source: VoxelArray, sliceSize: number, at: number[], step: number, count: number): VoxelArray {
  const out = new (source.constructor as new (n: number) => VoxelArray)(sliceSize * count);
  const round = !(out instanceof Float32Array);
  let a = 0;
  for (let k = 0; k < count; k++) {
    const z = Math.min(k * step, at[at.length - 1]);
    while (a < at.length - 2 && at[a + 1] < z) a++;
    const w = at.length > 1 ? (z - at[a]) / (at[a + 1] - at[a]) : 0;
    const p = a * sliceSize;
    const q = Math.min(a + 1, at.length - 1) * sliceSize;
    const o = k * sliceSize;
    for (let n = 0; n < sliceSize; n++) {
      const value = source[p + n] + w * (source[q + n] - source[p + n]);
      out[o + n] = round ? Math.round(value) : value;
    }
  }
  return out;
}

/**
 * Builds a Volume from a series: slices sorted by position along the slice normal, evenly spaced,
 * pixels read into the preallocated output a few files at a time (uncompressed ones straight from
 * disk, nothing held beyond the volume), padding mapped to air (CT: -1024 HU, otherwise the smallest
 * value in the volume) and the modality rescale applied. CT comes back as Int16Array in HU when the
 * rescale is integral, otherwise Float32Array. Palette and RGB colour come back as luminance.
 */
export async function loadVolume(series: DicomSeries | DicomInstance[]): Promise<LoadedVolume> {
  const instances = instancesOf(series);
  if (instances.length === 0) fail('DICOM_EMPTY_SERIES', 'the series has no images');
  const reference = instances[0];
  for (const instance of instances) {
    checkPixelFormat(instance, reference);
    checkPixelBudget(instance);
  }
  // Loads each WASM codec the series needs, once; unknown syntaxes fail here with a typed error.
  await preparePixelDecoders(instances);
  const notes: string[] = [];
  const { slices: frames, time } = await expandFrames(instances, notes);
  const { geometry, sorted, tiltShifts, tiltDegrees, resampleAt } = time ? timeGeometry(time, notes) : sliceGeometry(frames, notes);
  const plan: FrameSlice[] = time
    ? Array.from({ length: time.NumberOfFrames }, (_, f) => ({ header: time, frameIndex: f }))
    : sorted.map((header) => ({ header, frameIndex: frameIndexOf.get(header) ?? 0 }));
  const ct = reference.Modality === 'CT';
  const palette = reference.PhotometricInterpretation === 'PALETTE COLOR';
  const colour = reference.SamplesPerPixel === 3;
  if (colour) notes.push(`colour (${reference.PhotometricInterpretation}) reduced to luminance (0.299 R + 0.587 G + 0.114 B)`);
  if (palette) notes.push('PALETTE COLOR: indices mapped through the red, green and blue tables and reduced to luminance (0.299 R + 0.587 G + 0.114 B), in the range of the table entries');
  const displayInverted = reference.PhotometricInterpretation === 'MONOCHROME1';
  if (displayInverted) notes.push('MONOCHROME1: voxels keep the stored values (higher = darker on screen); invert for display only');
  const [nx, ny] = geometry.dimensions;
  // One slice per frame read; uneven spacing is resampled to geometry's slices afterwards.

  const tasks = fileTasks(plan);
  // Uncompressed greyscale files go to the reader threads when there are enough of them to pay for it.
  const threaded = hostLittleEndian && !colour && !palette ? tasks.slice(1).filter((task) => readsNativeFrames(task.frames[0].header)) : [];
  const sink: VolumeSink = {
    reference,
    kind: colour || palette ? 'uint16' : outputKind(frames, ct),
    ct,
    colour,
    sliceSize: nx * ny,
    nz: plan.length,
    shared: threaded.reduce((sum, task) => sum + task.frames.length, 0) >= MIN_THREADED_FRAMES,
    anyPadding: false,
  };
  // The first file alone: a compressed one sizes the volume only once a frame really decoded, so a
  // lying header costs nothing.
  await loadFile(sink, tasks[0]);
  if (sink.shared) await loadThreaded(sink, threaded);
  const inThreads = new Set(sink.shared ? threaded : []);
  await loadOnMainThread(
    sink,
    tasks.slice(1).filter((task) => !inThreads.has(task)),
  );
  let voxels = voxelsOf(sink);
  if (sink.padMask && sink.anyPadding) {
    const min = smallestValue(voxels, sink.padMask);
    if (Number.isFinite(min)) for (let n = 0; n < sink.padMask.length; n++) if (sink.padMask[n]) voxels[n] = min;
  }
  if (tiltShifts) {
    const fill = ct ? CT_AIR_HU : smallestValue(voxels);
    untiltSlices(voxels, geometry.dimensions, tiltShifts, fill);
    const most = Math.max(...tiltShifts.map(([du, dv]) => Math.hypot(du * geometry.spacing[0], dv * geometry.spacing[1])));
    notes.push(
      `gantry tilt of ${tiltDegrees!.toFixed(1)} degrees corrected: each slice shifted in its plane (up to ${most.toFixed(1)} mm, bilinear interpolation) onto a grid orthogonal to the slices; pixels shifted in from outside the scanned field are set to ${ct ? 'air (-1024 HU)' : 'the smallest value'}`,
    );
  }
  if (resampleAt) voxels = resampleAlongK(voxels, sink.sliceSize, resampleAt, geometry.spacing[2], geometry.dimensions[2]);
  const lutType = reference.ModalityLUTSequence?.ModalityLUTType;
  const unit = colour || palette ? 'luminance' : ct ? 'HU' : (lutType === 'US' ? '' : lutType) || reference.RescaleType || 'unspecified';
  if (reference.ModalityLUTSequence) notes.push(`Modality LUT Sequence applied (${reference.ModalityLUTSequence.LUTDescriptor[0]} entries) instead of a rescale`);
  return { geometry, voxels, unit, frameAxis: time ? 'time' : 'space', displayInverted, notes };
}
