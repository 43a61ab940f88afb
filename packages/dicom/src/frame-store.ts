import type { VoxelArray } from '@polyrad/sdk';
import type { DicomInstance } from './dicom-instance.types.js';
import type { StoredSamples } from './pixel-decoder.registry.js';
import { inLaneScratch, LANE_SCRATCH_MAX_BYTES, laneScratch, offsetScratchLanes } from './lane-offset.simd.js';

// Stored samples to output values (mask, sign, padding, rescale or Modality LUT), with no I/O: the
// main thread and the reader threads (native-read.worker.ts) run the same code. Beyond types it
// imports only the SIMD kernel, so a reader thread stays small.

export type OutputKind = 'int16' | 'uint16' | 'float32';

/** The attributes that turn stored samples into values (a reader thread is sent only these). */
export type PixelEncoding = Pick<DicomInstance, 'BitsStored' | 'HighBit' | 'PixelRepresentation' | 'RescaleSlope' | 'RescaleIntercept' | 'ModalityLUTSequence' | 'PixelPaddingValue' | 'PixelPaddingRangeLimit'>;

/** Where frames are stored: the volume being filled, one slice per frame. */
export interface FrameTarget {
  kind: OutputKind;
  ct: boolean;
  sliceSize: number;
  voxels: VoxelArray;
  /** Where non-CT padding was (its value is known only at the end); present when a file declares padding. */
  padMask?: Uint8Array;
  /** The last stored-word-to-output table (see valueTable). */
  table?: { key: string; values: VoxelArray };
  /** A frame read from disk, when too large for the SIMD scratch (see frameDestination). */
  scratch?: Uint8Array;
}

/** HU given to padding (outside the reconstruction circle) in CT: air, so thresholds treat it as outside the body. */
export const CT_AIR_HU = -1024;

export interface SliceTransform {
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
  /** A Modality LUT: stored value v maps to data[v - first], clamped to the table's ends (PS3.3 C.11.1). */
  lut?: { first: number; data: Uint16Array };
}

/** Stored value of a 16/8-bit padding pattern, read the same way the pixels are. */
function storedValue(value: number, bitsStored: number, signed: boolean): number {
  if (bitsStored >= 32) return signed ? value | 0 : value >>> 0;
  const range = 2 ** bitsStored;
  let v = ((value % range) + range) % range;
  if (signed && v >= range / 2) v -= range;
  return v;
}

export function transformFor(instance: PixelEncoding, kind: OutputKind, padOut: number): SliceTransform {
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
    lut: instance.ModalityLUTSequence && { first: instance.ModalityLUTSequence.LUTDescriptor[1], data: instance.ModalityLUTSequence.LUTData },
  };
}

/**
 * Writes one slice into the output: shift and mask to BitsStored, sign-extend, map padding, rescale.
 * Returns whether any padding was seen (marked in padMask when given).
 */
export function storeSlice(samples: StoredSamples, out: VoxelArray, offset: number, t: SliceTransform, padMask: Uint8Array | undefined): boolean {
  const { bitsStored, shift, signed, slope, intercept, padLo, padHi, padOut, clampLo, clampHi, lut } = t;
  const last = lut ? lut.data.length - 1 : 0;
  const full = bitsStored >= 32;
  const mask = full ? 0 : 2 ** bitsStored - 1;
  const range = 2 ** bitsStored;
  const half = range / 2;
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
    let r: number;
    if (lut) {
      const index = v - lut.first;
      r = lut.data[index < 0 ? 0 : index > last ? last : index];
    } else {
      r = v * slope + intercept;
    }
    if (r < clampLo) r = clampLo;
    else if (r > clampHi) r = clampHi;
    out[offset + n] = r;
  }
  return padded;
}

/** True when 16-bit stored words equal their output values (int16 or uint16, no mask, padding or rescale). */
function isIdentity(t: SliceTransform, kind: OutputKind): boolean {
  const sameSign = kind === 'int16' ? t.signed : kind === 'uint16' && !t.signed;
  return sameSign && !t.lut && t.bitsStored === 16 && t.shift === 0 && t.slope === 1 && t.intercept === 0 && t.padLo > t.padHi;
}

/**
 * True when the output is the masked stored value plus an integral intercept: unsigned, unshifted,
 * slope 1, no padding, and no result below the output type's range.
 */
function isOffset(t: SliceTransform): boolean {
  return !t.signed && !t.lut && t.shift === 0 && t.slope === 1 && Number.isInteger(t.intercept) && t.padLo > t.padHi && t.bitsStored <= 16 && t.intercept >= t.clampLo;
}

/**
 * out = (stored & mask) + intercept for a frame in this thread's SIMD scratch, copied to slice k.
 * The SIMD sum wraps at 16 bits, so it stands only when the OR of all stored values (an upper bound
 * of the largest) plus the intercept fits the output type; otherwise the addition is undone (the
 * samples keep only their masked bits, which the table path masks to anyway) and false is returned.
 */
function storeOffset(target: FrameTarget, samples: Uint16Array, k: number, t: SliceTransform): boolean {
  const any = offsetScratchLanes(samples, 2 ** t.bitsStored - 1, t.intercept);
  if (any + t.intercept > t.clampHi) {
    offsetScratchLanes(samples, 0xffff, -t.intercept);
    return false;
  }
  const { voxels } = target;
  const values = voxels instanceof Int16Array ? new Int16Array(samples.buffer, samples.byteOffset, samples.length) : samples;
  voxels.set(values, k * target.sliceSize);
  return true;
}

/**
 * Where to read a frame from disk: straight into slice k when its stored words already are the
 * output values (16-bit greyscale, no rescale), else this thread's SIMD scratch frame, or for frames
 * too large for it a JavaScript one kept on the target.
 */
export function frameDestination(target: FrameTarget, pixels: PixelEncoding, bitsAllocated: number, k: number, frameBytes: number): Uint8Array {
  const { voxels, kind, sliceSize } = target;
  if (kind !== 'float32' && bitsAllocated === 16 && frameBytes === sliceSize * 2 && isIdentity(transformFor(pixels, kind, target.ct ? CT_AIR_HU : 0), kind)) {
    return new Uint8Array(voxels.buffer, voxels.byteOffset + k * frameBytes, frameBytes);
  }
  if (frameBytes <= LANE_SCRATCH_MAX_BYTES) return laneScratch(frameBytes);
  if (target.scratch?.length !== frameBytes) target.scratch = new Uint8Array(frameBytes);
  return target.scratch;
}

const lutIds = new WeakMap<Uint16Array, number>();
let lastLutId = 0;

/** An identity for a Modality LUT's table, so a cached value table is not reused across different LUTs. */
function lutId(data: Uint16Array): number {
  let id = lutIds.get(data);
  if (id === undefined) lutIds.set(data, (id = ++lastLutId));
  return id;
}

/**
 * The output value of every possible 8 or 16-bit stored word under one transform, made by storeSlice
 * itself over a ramp of all words, so both paths give identical values. Kept while consecutive frames
 * share the transform (a whole series usually); built only when a frame has enough samples to pay for it.
 */
function valueTable(sink: FrameTarget, t: SliceTransform, samples: Uint8Array | Uint16Array): VoxelArray | undefined {
  const words = samples instanceof Uint8Array ? 256 : 65536;
  const key = `${words}|${sink.kind}|${t.bitsStored}|${t.shift}|${t.signed}|${t.slope}|${t.intercept}|${t.padLo}|${t.padHi}|${t.padOut}|${t.lut ? lutId(t.lut.data) : ''}`;
  if (sink.table?.key === key) return sink.table.values;
  if (samples.length < words / 2) return undefined;
  const ramp = words === 256 ? new Uint8Array(words) : new Uint16Array(words);
  for (let n = 0; n < words; n++) ramp[n] = n;
  const values = sink.kind === 'int16' ? new Int16Array(words) : sink.kind === 'uint16' ? new Uint16Array(words) : new Float32Array(words);
  storeSlice(ramp, values, 0, t, undefined);
  sink.table = { key, values };
  return values;
}

/** Hot loop on typed arrays, written by hand: one table look-up per sample (samples may alias out). */
function storeByTable(samples: Uint8Array | Uint16Array, out: VoxelArray, offset: number, table: VoxelArray): void {
  for (let n = 0; n < samples.length; n++) out[offset + n] = table[samples[n]];
}

/**
 * Stores one greyscale frame's samples at slice k under the file's (or, for enhanced objects, the
 * frame's) pixel attributes, from wherever frameDestination put them.
 * Returns whether any padding was seen.
 */
export function storeGreyscaleFrame(target: FrameTarget, samples: StoredSamples, k: number, pixels: PixelEncoding): boolean {
  const { voxels, sliceSize, kind } = target;
  const transform = transformFor(pixels, kind, target.ct ? CT_AIR_HU : 0);
  // Read from disk straight into this slice because the stored words are the output values.
  if (samples.buffer === voxels.buffer && samples.byteOffset === voxels.byteOffset + k * sliceSize * voxels.BYTES_PER_ELEMENT && isIdentity(transform, kind)) return false;
  if (samples instanceof Uint16Array && kind !== 'float32' && inLaneScratch(samples) && isOffset(transform) && storeOffset(target, samples, k, transform)) return false;
  // Non-CT padding needs the padding positions: only the per-sample loop marks them.
  const table = target.padMask || samples instanceof Uint32Array ? undefined : valueTable(target, transform, samples);
  if (table) {
    storeByTable(samples as Uint8Array | Uint16Array, voxels, k * sliceSize, table);
    return false;
  }
  return storeSlice(samples, voxels, k * sliceSize, transform, target.padMask);
}
