import { PolyradError, type Vec3, type Volume, type VolumeGeometry, type VoxelArray } from '@polyrad/sdk';
import type { DicomInstance, DicomSeries } from './dicom-instance.types.js';
import { parseDataSet } from './dicom-dataset.parser.js';
import { instanceFromDataSet, readWholeFile } from './dicom-file.reader.js';
import { pixelDecoderFor, preparePixelDecoders, type StoredSamples } from './pixel-decoder.registry.js';
import { frameAttributes } from './enhanced-frames.reader.js';
import { TransferSyntax } from './transfer-syntax.names.js';
import type { ParsedDataSet } from './dicom-dataset.parser.js';
import './native-pixel.decoder.js';
import './jpeg-lossless-pixel.decoder.js';
import './rle-pixel.decoder.js';
import './wasm-codec-pixel.decoder.js';

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

/** HU given to padding (outside the reconstruction circle) in CT: air, so thresholds treat it as outside the body. */
export const CT_AIR_HU = -1024;

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
}

/** Sorts slices along the slice normal (never by file name or InstanceNumber) and derives the grid. */
function sliceGeometry(instances: DicomInstance[]): SliceGeometry {
  const first = instances[0];
  const dimensions: [number, number] = [first.Columns, first.Rows];
  const threeD = instances.length > 1 || (first.ImagePositionPatient && first.ImageOrientationPatient);
  if (!threeD) {
    // A lone image without patient geometry (radiographs, secondary captures): a flat grid at the origin.
    const ps = first.PixelSpacing ?? [1, 1];
    return {
      sorted: instances,
      geometry: {
        dimensions: [dimensions[0], dimensions[1], 1],
        spacing: [ps[1], ps[0], first.SliceThickness ?? 1],
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
    if (!instance.PixelSpacing) fail('DICOM_MISSING_ATTRIBUTE', 'PixelSpacing (0028,0030) is missing, so distances in the image are unknown', instance.path);
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
  let step = first.SpacingBetweenSlices ?? first.SliceThickness ?? 1;
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
    for (const [n, gap] of gaps.entries()) {
      if (Math.abs(gap - typical) > tolerance) {
        fail(
          'DICOM_UNEVEN_SLICE_SPACING',
          `slices are not evenly spaced: ${gap.toFixed(3)} mm between ${placed[n].instance.path} and this file, ${typical.toFixed(3)} mm between most slices; a slice may be missing from the input, or the series mixes spacings`,
          placed[n + 1].instance.path,
        );
      }
    }
    // Slices must stack straight along the normal; a sideways drift (gantry tilt) would need resampling.
    const origin0 = placed[0].instance.ImagePositionPatient!;
    const shearTolerance = 0.25 * Math.min(ps[0], ps[1]) + 0.05;
    for (const { instance, d } of placed) {
      const drift = norm(sub(sub(instance.ImagePositionPatient!, origin0), scale(normal, d - placed[0].d)));
      if (drift > shearTolerance) {
        fail(
          'DICOM_GANTRY_TILT',
          `slices drift sideways along the stack (${drift.toFixed(2)} mm off the slice normal): a gantry-tilted or sheared acquisition, which is not supported yet; use a series reconstructed without tilt`,
          instance.path,
        );
      }
    }
  }
  return {
    sorted: placed.map((p) => p.instance),
    geometry: {
      dimensions: [dimensions[0], dimensions[1], placed.length],
      spacing: [ps[1], ps[0], step],
      origin: [...placed[0].instance.ImagePositionPatient!] as Vec3,
      direction: [row, col, normal],
    },
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
  } else if (pi === 'PALETTE COLOR') {
    fail('DICOM_UNSUPPORTED_PIXEL_FORMAT', 'is a PALETTE COLOR image (indices into a colour table, not intensities); convert it to greyscale or RGB before analysis', path);
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

type OutputKind = 'int16' | 'uint16' | 'float32';

/** Int16 HU for CT with integral rescale (HU beyond the Int16 range do not occur in tissue); else the smallest exact type. */
function outputKind(instances: DicomInstance[], ct: boolean): OutputKind {
  const integral = instances.every((i) => Number.isInteger(i.RescaleSlope) && Number.isInteger(i.RescaleIntercept));
  if (!integral) return 'float32';
  if (ct) return 'int16';
  let min = Infinity;
  let max = -Infinity;
  for (const i of instances) {
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

interface SliceTransform {
  bitsStored: number;
  shift: number;
  signed: boolean;
  slope: number;
  intercept: number;
  padLo: number;
  padHi: number;
  /** Output value for padding; NaN while it is still unknown (non-CT: filled in afterwards). */
  padOut: number;
  clampLo: number;
  clampHi: number;
}

/** Stored value of a 16/8-bit padding pattern, read the same way the pixels are. */
function storedValue(value: number, bitsStored: number, signed: boolean): number {
  if (bitsStored >= 32) return signed ? value | 0 : value >>> 0;
  const range = 2 ** bitsStored;
  let v = ((value % range) + range) % range;
  if (signed && v >= range / 2) v -= range;
  return v;
}

function transformFor(instance: DicomInstance, kind: OutputKind, padOut: number): SliceTransform {
  const signed = instance.PixelRepresentation === 1;
  const { BitsStored } = instance;
  let padLo = Infinity;
  let padHi = -Infinity;
  if (instance.PixelPaddingValue !== undefined) {
    const a = storedValue(instance.PixelPaddingValue, BitsStored, signed);
    const b = instance.PixelPaddingRangeLimit === undefined ? a : storedValue(instance.PixelPaddingRangeLimit, BitsStored, signed);
    padLo = Math.min(a, b);
    padHi = Math.max(a, b);
  }
  const [clampLo, clampHi] = kind === 'int16' ? [-32768, 32767] : kind === 'uint16' ? [0, 65535] : [-Infinity, Infinity];
  return {
    bitsStored: BitsStored,
    shift: instance.HighBit + 1 - BitsStored,
    signed,
    slope: instance.RescaleSlope,
    intercept: instance.RescaleIntercept,
    padLo,
    padHi,
    padOut,
    clampLo,
    clampHi,
  };
}

/**
 * Writes one slice into the output: shift and mask to BitsStored, sign-extend, map padding, rescale.
 * Returns the smallest non-padding output value and whether any padding was seen.
 */
function storeSlice(samples: StoredSamples, out: VoxelArray, offset: number, t: SliceTransform, padMask: Uint8Array | undefined): { min: number; padded: boolean } {
  const { bitsStored, shift, signed, slope, intercept, padLo, padHi, padOut, clampLo, clampHi } = t;
  const full = bitsStored >= 32;
  const mask = full ? 0 : 2 ** bitsStored - 1;
  const range = 2 ** bitsStored;
  const half = range / 2;
  let min = Infinity;
  let padded = false;
  for (let n = 0; n < samples.length; n++) {
    let v = samples[n];
    if (full) {
      v = signed ? v | 0 : v;
    } else {
      if (shift) v = v >>> shift;
      v = (v & mask) >>> 0;
      if (signed && v >= half) v -= range;
    }
    if (v >= padLo && v <= padHi) {
      out[offset + n] = padOut;
      padded = true;
      if (padMask) padMask[offset + n] = 1;
      continue;
    }
    let r = v * slope + intercept;
    if (r < clampLo) r = clampLo;
    else if (r > clampHi) r = clampHi;
    out[offset + n] = r;
    if (r < min) min = r;
  }
  return { min, padded };
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
    const bytes = await readWholeFile(path);
    const attributes = frameAttributes(parseDataSet(bytes, path, bytes.length).dataSet, instance.NumberOfFrames);
    if (!attributes || attributes.some((a) => !a.ImagePositionPatient)) {
      if (instances.length === 1) {
        notes.push(`${instance.NumberOfFrames} frames without per-frame positions (${instance.Modality || 'unknown modality'} cine): loaded as a 2D+t stack, k is the frame number`);
        return { slices: [instance], time: instance };
      }
      fail('DICOM_UNSUPPORTED_MULTIFRAME', `is a multi-frame image (${instance.NumberOfFrames} frames) without per-frame positions inside a series of ${instances.length} files; load it on its own`, path);
    }
    notes.push(`${path}: ${instance.NumberOfFrames} frames placed by their PlanePositionSequence`);
    for (const [f, a] of attributes.entries()) {
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
function timeGeometry(instance: DicomInstance): SliceGeometry {
  const flat = sliceGeometry([{ ...instance, ImagePositionPatient: instance.ImagePositionPatient, NumberOfFrames: 1 }]).geometry;
  return { sorted: [instance], geometry: { ...flat, dimensions: [instance.Columns, instance.Rows, instance.NumberOfFrames], spacing: [flat.spacing[0], flat.spacing[1], 1] } };
}

function instancesOf(series: DicomSeries | DicomInstance[]): DicomInstance[] {
  return Array.isArray(series) ? series : series.instances;
}

/**
 * Builds a Volume from a series: slices sorted by position along the slice normal, evenly spaced,
 * pixels decoded one file at a time straight into the output, padding mapped to air (CT: -1024 HU,
 * otherwise the smallest value in the volume) and the modality rescale applied. CT comes back as
 * Int16Array in HU when the rescale is integral, otherwise Float32Array.
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
  const { geometry, sorted } = time ? timeGeometry(time) : sliceGeometry(frames);
  const plan: FrameSlice[] = time
    ? Array.from({ length: time.NumberOfFrames }, (_, f) => ({ header: time, frameIndex: f }))
    : sorted.map((header) => ({ header, frameIndex: frameIndexOf.get(header) ?? 0 }));
  const ct = reference.Modality === 'CT';
  const colour = reference.SamplesPerPixel === 3;
  if (colour) notes.push(`colour (${reference.PhotometricInterpretation}) reduced to luminance (0.299 R + 0.587 G + 0.114 B)`);
  const displayInverted = reference.PhotometricInterpretation === 'MONOCHROME1';
  if (displayInverted) notes.push('MONOCHROME1: voxels keep the stored values (higher = darker on screen); invert for display only');
  const kind = colour ? 'uint16' : outputKind(frames, ct);
  const [nx, ny, nz] = geometry.dimensions;
  const sliceSize = nx * ny;
  // Allocated after the first frame decoded to the size the header claims, so a lying header costs nothing.
  let voxels: VoxelArray | undefined;
  // CT padding is air; elsewhere padding becomes the smallest real value, known only at the end,
  // so remember where it was (allocated only when a file declares padding).
  let lazyMask: Uint8Array | undefined;
  let min = Infinity;
  let anyPadding = false;
  let cached: { path: string; parsed: ParsedDataSet; instance: DicomInstance } | undefined;

  for (const [k, { header, frameIndex }] of plan.entries()) {
    const { path } = header;
    try {
      if (cached?.path !== path) {
        const bytes = await readWholeFile(path);
        const parsed = parseDataSet(bytes, path, bytes.length);
        if (!parsed.pixelData) fail('DICOM_NO_PIXEL_DATA', 'has no pixel data; it is not an image', path);
        // Pixel parameters come from this read of the file, in case it changed since the scan.
        const instance = instanceFromDataSet(path, bytes.length, parsed);
        checkPixelFormat(instance, reference);
        checkPixelBudget(instance);
        if (instance.NumberOfFrames !== header.NumberOfFrames && header.NumberOfFrames > 1) fail('DICOM_INCONSISTENT_SERIES', 'the file changed while it was being loaded', path);
        cached = { path, parsed, instance };
      }
      const { parsed, instance } = cached;
      const decoder = pixelDecoderFor(parsed.TransferSyntaxUID, path);
      await decoder.prepare?.();
      let samples = decoder.decodeFrame({ parsed, instance, frameIndex, path });
      if (samples.length !== sliceSize * instance.SamplesPerPixel) fail('DICOM_DECODE_FAILED', `decoded ${samples.length} samples, expected ${nx}x${ny}x${instance.SamplesPerPixel}`, path);
      if (colour) samples = luminance(samples, instance.PhotometricInterpretation === 'RGB' || decoder.convertsToRgb === true);
      voxels ??= kind === 'int16' ? new Int16Array(sliceSize * nz) : kind === 'uint16' ? new Uint16Array(sliceSize * nz) : new Float32Array(sliceSize * nz);
      if (!ct && instance.PixelPaddingValue !== undefined && !lazyMask) lazyMask = new Uint8Array(sliceSize * nz);
      // Rescale is per frame in enhanced objects (functional groups); the rest is the file's.
      const pixelInstance = colour ? { ...instance, RescaleSlope: 1, RescaleIntercept: 0, PixelPaddingValue: undefined } : { ...instance, RescaleSlope: header.RescaleSlope, RescaleIntercept: header.RescaleIntercept };
      const result = storeSlice(samples, voxels, k * sliceSize, transformFor(pixelInstance, kind, ct ? CT_AIR_HU : 0), lazyMask);
      min = Math.min(min, result.min);
      anyPadding ||= result.padded;
    } catch (thrown) {
      if (thrown instanceof PolyradError) throw thrown;
      // Safety net: codecs and typed arrays throw plain errors on hostile data; callers get a typed one.
      throw new PolyradError('DICOM_DECODE_FAILED', `frame ${frameIndex + 1} could not be decoded (${thrown instanceof Error ? thrown.message : String(thrown)})`, path);
    }
  }
  if (lazyMask && anyPadding && Number.isFinite(min)) {
    for (let n = 0; n < lazyMask.length; n++) if (lazyMask[n]) voxels![n] = min;
  }
  const unit = colour ? 'luminance' : ct ? 'HU' : reference.RescaleType || 'unspecified';
  return { geometry, voxels: voxels!, unit, frameAxis: time ? 'time' : 'space', displayInverted, notes };
}
