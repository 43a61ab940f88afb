import { PolyradError } from '@polyrad/sdk/errors';
import type { DicomInstance } from './dicom-instance.types.js';
import { frameDestination, storeGreyscaleFrame, type FrameTarget, type PixelEncoding } from './frame-store.js';
import { readNativeFile, type FileTask, type FramePlace, type NativeLayout } from './native-frame.reader.js';

/** One uncompressed greyscale file for a reader thread: only the attributes reading it needs, so thousands stay small. */
export interface NativeReadTask {
  file: NativeLayout & PixelEncoding;
  /** Rescale is per frame in enhanced objects (functional groups); the rest is the file's. */
  frames: Array<FramePlace & Pick<DicomInstance, 'RescaleSlope' | 'RescaleIntercept'>>;
}

/** A file task as a reader thread gets it. */
export function nativeReadTask(task: FileTask): NativeReadTask {
  const i = task.frames[0].header;
  return {
    file: {
      path: i.path,
      TransferSyntaxUID: i.TransferSyntaxUID,
      pixelDataOffset: i.pixelDataOffset,
      pixelDataLength: i.pixelDataLength,
      Rows: i.Rows,
      Columns: i.Columns,
      SamplesPerPixel: i.SamplesPerPixel,
      BitsAllocated: i.BitsAllocated,
      BitsStored: i.BitsStored,
      HighBit: i.HighBit,
      PixelRepresentation: i.PixelRepresentation,
      RescaleSlope: i.RescaleSlope,
      RescaleIntercept: i.RescaleIntercept,
      PixelPaddingValue: i.PixelPaddingValue,
      PixelPaddingRangeLimit: i.PixelPaddingRangeLimit,
      ModalityLUTSequence: i.ModalityLUTSequence,
    },
    frames: task.frames.map(({ k, frameIndex, header }) => ({ k, frameIndex, RescaleSlope: header.RescaleSlope, RescaleIntercept: header.RescaleIntercept })),
  };
}

/**
 * Uncompressed greyscale files to read into a volume by several threads at once. Every array lives
 * in shared memory (SharedArrayBuffer): the volume, the padding mask, and `control`, whose [0] is the
 * next task to take and [1] is set once any thread has failed, so the others stop early.
 */
export interface NativeReadJob {
  target: Omit<FrameTarget, 'table' | 'scratch'>;
  tasks: NativeReadTask[];
  control: Int32Array;
}

/** What one thread did: the tasks whose file changed since the scan (to read the slow way), padding seen, the first failure. */
export interface NativeReadOutcome {
  changed: number[];
  padded: boolean;
  failure?: { task: number; code: string; message: string; subject?: string };
}

/**
 * Takes tasks from the shared counter until none are left and reads each file straight into its
 * slices, converting in place. Run by the main thread and by each reader thread on the same job.
 */
export function runNativeReadJob(job: NativeReadJob): NativeReadOutcome {
  const target: FrameTarget = { ...job.target };
  const outcome: NativeReadOutcome = { changed: [], padded: false };
  for (;;) {
    if (Atomics.load(job.control, 1) !== 0) break;
    const index = Atomics.add(job.control, 0, 1);
    if (index >= job.tasks.length) break;
    const task = job.tasks[index];
    try {
      const { file } = task;
      // Rescale is per frame in enhanced objects (functional groups); the rest is the file's.
      const pixelsOf = (frame: NativeReadTask['frames'][number]): PixelEncoding =>
        frame.RescaleSlope === file.RescaleSlope && frame.RescaleIntercept === file.RescaleIntercept ? file : { ...file, RescaleSlope: frame.RescaleSlope, RescaleIntercept: frame.RescaleIntercept };
      const destination = (frame: NativeReadTask['frames'][number], frameBytes: number) => frameDestination(target, pixelsOf(frame), file.BitsAllocated, frame.k, frameBytes);
      const same = readNativeFile(file, task.frames, destination, (samples, frame) => {
        if (samples.length !== target.sliceSize) throw new PolyradError('DICOM_DECODE_FAILED', `read ${samples.length} samples, expected ${file.Columns}x${file.Rows}`, file.path);
        if (storeGreyscaleFrame(target, samples, frame.k, pixelsOf(frame))) outcome.padded = true;
      });
      if (!same) outcome.changed.push(index);
    } catch (thrown) {
      Atomics.store(job.control, 1, 1);
      const error = thrown instanceof PolyradError ? thrown : undefined;
      outcome.failure = {
        task: index,
        code: error?.code ?? 'DICOM_DECODE_FAILED',
        // Safety net: typed arrays and the file system throw plain errors on hostile data; callers get a typed one.
        message: error?.message ?? `pixel data could not be read (${thrown instanceof Error ? thrown.message : String(thrown)})`,
        subject: error?.subject ?? task.file.path,
      };
      break;
    }
  }
  return outcome;
}
