import { PolyradError } from '@polyrad/sdk/errors';
import type { DicomInstance } from './dicom-instance.types.js';
import type { OutputKind } from './frame-store.js';
import type { StoredSamples } from './pixel-decoder.registry.js';
import { TransferSyntax } from './transfer-syntax.names.js';

// Colour is reduced to luminance (ITU-R BT.601 weights); YBR_* already carries it as the first sample.
const COLOUR_TO_LUMINANCE = new Set(['RGB', 'YBR_FULL', 'YBR_ICT', 'YBR_RCT']);

/** Refuses pixel data this package cannot turn into voxels, and an image that does not fit the series' first. */
export function checkPixelFormat(instance: DicomInstance, reference: DicomInstance): void {
  const { path } = instance;
  if (!instance.hasPixelData) throw new PolyradError('DICOM_NO_PIXEL_DATA', 'has no pixel data; it is not an image', path);
  const pi = instance.PhotometricInterpretation;
  if (instance.SamplesPerPixel === 3) {
    if (!COLOUR_TO_LUMINANCE.has(pi)) {
      throw new PolyradError('DICOM_UNSUPPORTED_PIXEL_FORMAT', `is a colour image in ${pi || '(no PhotometricInterpretation)'}; only RGB, YBR_FULL, YBR_ICT and YBR_RCT colour can be reduced to luminance`, path);
    }
  } else if (instance.SamplesPerPixel !== 1) {
    throw new PolyradError('DICOM_UNSUPPORTED_PIXEL_FORMAT', `has SamplesPerPixel ${instance.SamplesPerPixel} (${pi}); only greyscale or 3-sample colour images are supported`, path);
  } else if (pi === 'PALETTE COLOR' && instance.BitsAllocated > 16) {
    throw new PolyradError('DICOM_UNSUPPORTED_PIXEL_FORMAT', `is a PALETTE COLOR image with ${instance.BitsAllocated}-bit indices; palettes index with 8 or 16 bits`, path);
  }
  if (![8, 16, 32].includes(instance.BitsAllocated) || instance.BitsStored < 1 || instance.BitsStored > instance.BitsAllocated || instance.HighBit >= instance.BitsAllocated) {
    throw new PolyradError(
      'DICOM_UNSUPPORTED_PIXEL_FORMAT',
      `has BitsAllocated ${instance.BitsAllocated}, BitsStored ${instance.BitsStored}, HighBit ${instance.HighBit}; only 8, 16 or 32-bit greyscale samples are supported`,
      path,
    );
  }
  if (!instance.Rows || !instance.Columns) throw new PolyradError('DICOM_MISSING_ATTRIBUTE', 'Rows (0028,0010) or Columns (0028,0011) is missing or zero', path);
  if (instance.Rows !== reference.Rows || instance.Columns !== reference.Columns) {
    throw new PolyradError(
      'DICOM_INCONSISTENT_SERIES',
      `is ${instance.Columns}x${instance.Rows} pixels but ${reference.path} is ${reference.Columns}x${reference.Rows}; one series must have one image size`,
      path,
    );
  }
  if (!instance.Modality) return;
  if (reference.Modality && instance.Modality !== reference.Modality) {
    throw new PolyradError('DICOM_INCONSISTENT_SERIES', `has Modality ${instance.Modality} but ${reference.path} has ${reference.Modality}`, path);
  }
}

/** Int16 HU for CT with integral rescale (HU beyond the Int16 range do not occur in tissue); else the smallest exact type. */
export function outputKind(instances: DicomInstance[], ct: boolean): OutputKind {
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

/** Luminance of pixel-interleaved 3-sample colour, rounded to the stored sample type. */
export function luminance(samples: StoredSamples, rgb: boolean): StoredSamples {
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
export function checkPixelBudget(instance: DicomInstance): void {
  const { Rows, Columns, SamplesPerPixel, BitsAllocated, NumberOfFrames, fileSize, path, TransferSyntaxUID } = instance;
  const frames = Math.max(1, NumberOfFrames);
  if (!Number.isSafeInteger(frames) || frames > 100000) throw new PolyradError('DICOM_INVALID_ATTRIBUTE', `NumberOfFrames ${NumberOfFrames} is not a plausible frame count`, path);
  const needed = Rows * Columns * SamplesPerPixel * (BitsAllocated / 8) * frames;
  if (NATIVE_SYNTAXES.has(TransferSyntaxUID) ? needed > fileSize : TransferSyntaxUID === TransferSyntax.DeflatedExplicitVRLittleEndian ? needed > fileSize * 1032 : frames * 8 > fileSize) {
    throw new PolyradError(
      'DICOM_TRUNCATED',
      `the header claims ${frames} frame(s) of ${Columns}x${Rows}x${SamplesPerPixel} ${BitsAllocated}-bit samples, more than this ${fileSize}-byte file can hold; the header is corrupt or the file incomplete`,
      path,
    );
  }
}
