import { PolyradError } from '@polyrad/sdk/errors';
import type { Volume } from '@polyrad/sdk';
import type { DicomInstance, DicomSeries } from './dicom-instance.types.js';
import { CT_AIR_HU } from './frame-store.js';
import { preparePixelDecoders } from './pixel-decoder.registry.js';
import { checkPixelBudget, checkPixelFormat, outputKind } from './pixel-format.checker.js';
import { readPixels, type FrameSlice } from './pixel-read.orchestrator.js';
import { expandFrames, frameIndexOf } from './multi-frame.expander.js';
import { sliceGeometry, timeGeometry } from './slice-geometry.builder.js';
import { resampleAlongK, smallestValue, untiltSlices } from './volume.resampler.js';
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

function instancesOf(series: DicomSeries | DicomInstance[]): DicomInstance[] {
  return Array.isArray(series) ? series : series.instances;
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
  if (instances.length === 0) throw new PolyradError('DICOM_EMPTY_SERIES', 'the series has no images');
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
  const sink = await readPixels({ reference, kind: colour || palette ? 'uint16' : outputKind(frames, ct), ct, colour, sliceSize: nx * ny, nz: plan.length }, plan);
  let voxels = sink.voxels;
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
