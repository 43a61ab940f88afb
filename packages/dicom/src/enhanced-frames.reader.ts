import type { DataSet } from 'dicom-parser';
import type { Vec3 } from '@polyrad/sdk';
import type { DicomInstance, FrameStack } from './dicom-instance.types.js';
import { fixed, number, numbers, text } from './dicom-values.reader.js';

/** What the functional groups (PS3.3 C.7.6.16) say about one frame of a multi-frame image. */
export interface FrameAttributes {
  ImagePositionPatient?: Vec3;
  ImageOrientationPatient?: DicomInstance['ImageOrientationPatient'];
  PixelSpacing?: [number, number];
  SliceThickness?: number;
  SpacingBetweenSlices?: number;
  RescaleSlope?: number;
  RescaleIntercept?: number;
  RescaleType?: string;
  /** (0020,9056) from the Frame Content macro: frames of one stack share it. */
  StackID?: string;
}

const SHARED_GROUPS = 'x52009229';
const PER_FRAME_GROUPS = 'x52009230';
const PLANE_POSITION = 'x00209113';
const PLANE_ORIENTATION = 'x00209116';
const PIXEL_MEASURES = 'x00289110';
const PIXEL_VALUE_TRANSFORMATION = 'x00289145';
const FRAME_CONTENT = 'x00209111';

function firstItem(ds: DataSet | undefined, tag: string): DataSet | undefined {
  return ds?.elements[tag]?.items?.[0]?.dataSet;
}

/** A macro's item, from the frame's own group when there, else from the shared group. */
function macro(frame: DataSet | undefined, shared: DataSet | undefined, tag: string): DataSet | undefined {
  return firstItem(frame, tag) ?? firstItem(shared, tag);
}

/**
 * Per-frame attributes of an enhanced (or any functional-group) multi-frame image, or undefined when
 * the file has no functional groups (classic multi-frame: XA, US, NM cine).
 */
export function frameAttributes(ds: DataSet, frames: number): FrameAttributes[] | undefined {
  const shared = firstItem(ds, SHARED_GROUPS);
  const perFrame = ds.elements[PER_FRAME_GROUPS]?.items ?? [];
  if (!shared && perFrame.length === 0) return undefined;
  const result: FrameAttributes[] = [];
  for (let f = 0; f < frames; f++) {
    const frame = perFrame[f]?.dataSet;
    const position = macro(frame, shared, PLANE_POSITION);
    const orientation = macro(frame, shared, PLANE_ORIENTATION);
    const measures = macro(frame, shared, PIXEL_MEASURES);
    const transform = macro(frame, shared, PIXEL_VALUE_TRANSFORMATION);
    const content = macro(frame, shared, FRAME_CONTENT);
    result.push({
      ImagePositionPatient: position && (fixed(numbers(position, 'x00200032'), 3) as Vec3 | undefined),
      ImageOrientationPatient: orientation && (fixed(numbers(orientation, 'x00200037'), 6) as FrameAttributes['ImageOrientationPatient']),
      PixelSpacing: measures && (fixed(numbers(measures, 'x00280030'), 2) as [number, number] | undefined),
      SliceThickness: measures && number(measures, 'x00180050'),
      SpacingBetweenSlices: measures && number(measures, 'x00180088'),
      RescaleSlope: transform && number(transform, 'x00281053'),
      RescaleIntercept: transform && number(transform, 'x00281052'),
      RescaleType: transform && text(transform, 'x00281054'),
      StackID: (content && text(content, 'x00209056')) || undefined,
    });
  }
  return result;
}

/**
 * The file's frames grouped into stacks of parallel slices: by StackID (0020,9056) and orientation,
 * e.g. a three-plane localizer or an MR with axial and sagittal stacks. One stack for most files.
 */
export function frameStacks(attributes: FrameAttributes[], fileOrientation: DicomInstance['ImageOrientationPatient']): FrameStack[] {
  const orientationOf = (a: FrameAttributes) => (a.ImageOrientationPatient ?? fileOrientation)?.map((v) => v.toFixed(2)).join('\\') ?? '';
  const stackIds = new Set(attributes.map((a) => a.StackID ?? ''));
  const orientations = new Set(attributes.map(orientationOf));
  const byKey = new Map<string, FrameStack>();
  for (const [f, a] of attributes.entries()) {
    const parts = [stackIds.size > 1 ? `StackID ${a.StackID || '(none)'}` : '', orientations.size > 1 ? `orientation ${orientationOf(a) || '(none)'}` : ''];
    const label = parts.filter(Boolean).join(', ') || 'the only stack';
    let stack = byKey.get(label);
    if (!stack) byKey.set(label, (stack = { label, frames: [] }));
    stack.frames.push(f);
  }
  return [...byKey.values()];
}
