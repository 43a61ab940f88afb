import { closeSync, openSync, readSync, readvSync } from 'node:fs';
import { PolyradError } from '@polyrad/sdk/errors';
import type { DicomInstance } from './dicom-instance.types.js';
import type { StoredSamples } from './pixel-decoder.registry.js';
import { unreadable } from './file-error.mapper.js';
import { TransferSyntax } from './transfer-syntax.names.js';

// Runs on the main thread and in reader threads (native-read.worker.ts): no imports beyond the
// SDK's errors, so a reader thread stays small. Reads are synchronous on purpose: a reader thread
// has nothing else to do, and one file at a time per thread beat async reads (libuv round trips).

// Big endian (retired, rare) goes the slow way: its byte order depends on the element's VR.
const NATIVE = new Set<string>([TransferSyntax.ImplicitVRLittleEndian, TransferSyntax.ExplicitVRLittleEndian]);

/** Pixel Data element header bytes read in front of the first frame, to check the file still has the layout the scan saw. */
const ELEMENT_HEADER_BYTES = 12;

/** The frames one file contributes, with the slice k each goes to. */
export interface FileTask {
  path: string;
  frames: Array<{ k: number; frameIndex: number; header: DicomInstance }>;
}

/** Where an uncompressed file's frames are and how they are laid out: all a reader thread is sent of its header. */
export type NativeLayout = Pick<
  DicomInstance,
  'path' | 'TransferSyntaxUID' | 'pixelDataOffset' | 'pixelDataLength' | 'Rows' | 'Columns' | 'SamplesPerPixel' | 'BitsAllocated'
>;

/** One frame to read: its index in the file and the slice it goes to. */
export interface FramePlace {
  k: number;
  frameIndex: number;
}

/**
 * True when the file's frames can be read straight from disk at known offsets: uncompressed, not
 * deflated, and the scan recorded where Pixel Data starts and how long it is.
 */
export function readsNativeFrames(instance: DicomInstance): boolean {
  return NATIVE.has(instance.TransferSyntaxUID) && instance.pixelDataOffset !== undefined && instance.pixelDataLength !== undefined && instance.pixelDataOffset >= ELEMENT_HEADER_BYTES;
}

function nativeFrameBytes(instance: NativeLayout): number {
  return instance.Rows * instance.Columns * instance.SamplesPerPixel * (instance.BitsAllocated / 8);
}

/**
 * Whether the 12 bytes before the pixel values are a (7FE0,0010) element header declaring the length the
 * scan saw: explicit VR puts the tag first, implicit VR 4 bytes later; the 32-bit length ends both.
 */
function sameElementHeader(header: Uint8Array, instance: NativeLayout): boolean {
  const view = new DataView(header.buffer, header.byteOffset, ELEMENT_HEADER_BYTES);
  const tagAt = instance.TransferSyntaxUID === TransferSyntax.ImplicitVRLittleEndian ? 4 : 0;
  const tag = ((view.getUint16(tagAt, true) << 16) | view.getUint16(tagAt + 2, true)) >>> 0;
  return tag === 0x7fe00010 && view.getUint32(8, true) === instance.pixelDataLength;
}

/**
 * Reads frame `frameIndex` of an uncompressed file into `dest` (the volume's own slice, or a scratch
 * buffer), nothing else: no whole-file buffer, no header re-parse. With `checkHeader`, the Pixel Data
 * element header is read in the same call and compared with the scan's; false means the file changed
 * since it was scanned and must be read again the slow way.
 */
function readNativeFrame(fd: number, instance: NativeLayout, frameIndex: number, dest: Uint8Array, checkHeader: boolean): boolean {
  const frameBytes = dest.length;
  const { path } = instance;
  const offset = instance.pixelDataOffset! + frameIndex * frameBytes;
  if ((frameIndex + 1) * frameBytes > instance.pixelDataLength!) {
    throw new PolyradError(
      'DICOM_TRUNCATED',
      `the pixel data (${instance.pixelDataLength} bytes) is shorter than frame ${frameIndex + 1} of ${instance.Columns}x${instance.Rows}x${instance.BitsAllocated}-bit samples needs; the header is wrong or the file incomplete`,
      path,
    );
  }
  const header = checkHeader ? new Uint8Array(ELEMENT_HEADER_BYTES) : undefined;
  const headerBytes = header?.length ?? 0;
  const wanted = frameBytes + headerBytes;
  let done = 0;
  let position = offset - headerBytes;
  // readv may return short on some file systems: continue where it stopped.
  while (done < wanted) {
    const bytesRead = done === 0 ? readvSync(fd, header ? [header, dest] : [dest], position) : readSync(fd, dest, done - headerBytes, wanted - done, position);
    if (bytesRead === 0) break;
    done += bytesRead;
    position += bytesRead;
    if (header && done < headerBytes) return false;
  }
  if (header && !sameElementHeader(header, instance)) return false;
  if (done < wanted) {
    throw new PolyradError('DICOM_TRUNCATED', `the pixel data is cut short: frame ${frameIndex + 1} needs ${frameBytes} bytes, the file ends before; it was probably not copied completely`, path);
  }
  return true;
}

/** Typed stored samples over little-endian frame bytes (colour still as stored: interleaved or planar). */
function storedSamples(bytes: Uint8Array, bitsAllocated: number): StoredSamples {
  if (bitsAllocated === 8) return bytes;
  return bitsAllocated === 16 ? new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2) : new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
}

/**
 * Reads an uncompressed file's frames, each into the buffer `destination` gives for it (its slice
 * of the volume, or a scratch frame), and hands it to `store`. The file is never held whole. Returns
 * false when the file no longer has the layout the scan saw.
 */
export function readNativeFile<F extends FramePlace>(
  layout: NativeLayout,
  frames: F[],
  destination: (frame: F, frameBytes: number) => Uint8Array,
  store: (samples: StoredSamples, frame: F) => void,
): boolean {
  const frameBytes = nativeFrameBytes(layout);
  let fd: number;
  try {
    fd = openSync(layout.path, 'r');
  } catch (error) {
    throw unreadable(error, layout.path);
  }
  try {
    for (const [n, frame] of frames.entries()) {
      const dest = destination(frame, frameBytes);
      if (!readNativeFrame(fd, layout, frame.frameIndex, dest, n === 0)) return false;
      store(storedSamples(dest, layout.BitsAllocated), frame);
    }
    return true;
  } finally {
    closeSync(fd);
  }
}
