import { endianness } from 'node:os';
import { PolyradError } from '@polyrad/sdk/errors';
import type { VoxelArray } from '@polyrad/sdk';
import type { DicomInstance } from './dicom-instance.types.js';
import { parseDataSet } from './dicom-dataset.parser.js';
import { instanceFromDataSet, readWholeFile } from './dicom-file.reader.js';
import { readNativeFile, readsNativeFrames, type FileTask } from './native-frame.reader.js';
import { frameDestination, storeGreyscaleFrame, type FrameTarget } from './frame-store.js';
import { READER_FAILED, runNativeReadJobInParallel } from './native-read.pool.js';
import { nativeReadTask } from './native-read.job.js';
import { applyPalette, paletteLuminance, type PaletteLuminance } from './palette-color.mapper.js';
import { planarToInterleaved } from './rle-pixel.decoder.js';
import { pixelDecoderFor, type StoredSamples } from './pixel-decoder.registry.js';
import { checkPixelBudget, checkPixelFormat, luminance } from './pixel-format.checker.js';

/** One 2D frame to place in the volume: a file (or one frame of a multi-frame file) with its own geometry. */
export interface FrameSlice {
  header: DicomInstance;
  frameIndex: number;
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
export interface VolumeSink extends Omit<FrameTarget, 'voxels'> {
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
    throw new PolyradError('DICOM_DECODE_FAILED', `decoded ${samples.length} samples, expected ${instance.Columns}x${instance.Rows}x${instance.SamplesPerPixel}`, instance.path);
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
  if (!parsed.pixelData) throw new PolyradError('DICOM_NO_PIXEL_DATA', 'has no pixel data; it is not an image', path);
  // Pixel parameters come from this read of the file, in case it changed since the scan.
  const instance = instanceFromDataSet(path, bytes.length, parsed);
  checkPixelFormat(instance, sink.reference);
  checkPixelBudget(instance);
  const scanned = task.frames[0].header;
  if (instance.NumberOfFrames !== scanned.NumberOfFrames && scanned.NumberOfFrames > 1) throw new PolyradError('DICOM_INCONSISTENT_SERIES', 'the file changed while it was being loaded', path);
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
 * Reads every frame of `plan` (slice k = plan[k]) into a volume allocated for `layout`: the first file
 * alone (a compressed one sizes the volume only once a frame really decoded, so a lying header costs
 * nothing), then uncompressed greyscale files on the reader threads when there are enough of them to
 * pay for it, the rest a few at a time on the main thread.
 */
export async function readPixels(layout: Omit<VolumeSink, 'shared' | 'anyPadding' | 'voxels'>, plan: FrameSlice[]): Promise<VolumeSink & { voxels: VoxelArray }> {
  const tasks = fileTasks(plan);
  const greyscale = !layout.colour && layout.reference.PhotometricInterpretation !== 'PALETTE COLOR';
  const threaded = hostLittleEndian && greyscale ? tasks.slice(1).filter((task) => readsNativeFrames(task.frames[0].header)) : [];
  const sink: VolumeSink = { ...layout, shared: threaded.reduce((sum, task) => sum + task.frames.length, 0) >= MIN_THREADED_FRAMES, anyPadding: false };
  await loadFile(sink, tasks[0]);
  if (sink.shared) await loadThreaded(sink, threaded);
  const inThreads = new Set(sink.shared ? threaded : []);
  await loadOnMainThread(
    sink,
    tasks.slice(1).filter((task) => !inThreads.has(task)),
  );
  voxelsOf(sink);
  return sink as VolumeSink & { voxels: VoxelArray };
}
