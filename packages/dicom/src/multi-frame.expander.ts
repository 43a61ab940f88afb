import { PolyradError } from '@polyrad/sdk/errors';
import type { DicomInstance } from './dicom-instance.types.js';
import { parseDataSet } from './dicom-dataset.parser.js';
import { readFilePrefix, readWholeFile } from './dicom-file.reader.js';
import { frameAttributes, type FrameAttributes } from './enhanced-frames.reader.js';

/** For each per-frame pseudo-instance expandFrames made, its frame's index in the file. */
export const frameIndexOf = new WeakMap<DicomInstance, number>();

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
  throw new PolyradError(
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
export async function expandFrames(instances: DicomInstance[], notes: string[]): Promise<{ slices: DicomInstance[]; time?: DicomInstance }> {
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
      throw new PolyradError('DICOM_UNSUPPORTED_MULTIFRAME', `is a multi-frame image (${instance.NumberOfFrames} frames) without per-frame positions inside a series of ${instances.length} files; load it on its own`, path);
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
