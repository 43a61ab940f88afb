import type { FileHandle } from 'node:fs/promises';
import { PolyradError } from '@polyrad/sdk';
import type { DicomInstance } from './dicom-instance.types.js';
import { TransferSyntax } from './transfer-syntax.names.js';

// Big endian (retired, rare) goes the slow way: its byte order depends on the element's VR.
const NATIVE = new Set<string>([TransferSyntax.ImplicitVRLittleEndian, TransferSyntax.ExplicitVRLittleEndian]);

/** Pixel Data element header bytes read in front of the first frame, to check the file still has the layout the scan saw. */
const ELEMENT_HEADER_BYTES = 12;

/**
 * True when the file's frames can be read straight from disk at known offsets: uncompressed, not
 * deflated, and the scan recorded where Pixel Data starts and how long it is.
 */
export function readsNativeFrames(instance: DicomInstance): boolean {
  return NATIVE.has(instance.TransferSyntaxUID) && instance.pixelDataOffset !== undefined && instance.pixelDataLength !== undefined && instance.pixelDataOffset >= ELEMENT_HEADER_BYTES;
}

export function nativeFrameBytes(instance: DicomInstance): number {
  return instance.Rows * instance.Columns * instance.SamplesPerPixel * (instance.BitsAllocated / 8);
}

/**
 * Whether the 12 bytes before the pixel values are a (7FE0,0010) element header declaring the length the
 * scan saw: explicit VR puts the tag first, implicit VR 4 bytes later; the 32-bit length ends both.
 */
function sameElementHeader(header: Uint8Array, instance: DicomInstance): boolean {
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
export async function readNativeFrame(handle: FileHandle, instance: DicomInstance, frameIndex: number, dest: Uint8Array, checkHeader: boolean): Promise<boolean> {
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
  const buffers = header ? [header, dest] : [dest];
  const wanted = frameBytes + (header?.length ?? 0);
  let done = 0;
  let position = offset - (header?.length ?? 0);
  // readv may return short on some file systems: continue where it stopped.
  while (done < wanted) {
    const { bytesRead } = done === 0 ? await handle.readv(buffers, position) : await handle.read(dest, done - (header?.length ?? 0), wanted - done, position);
    if (bytesRead === 0) break;
    done += bytesRead;
    position += bytesRead;
    if (header && done > 0 && done < header.length) return false;
  }
  if (header && !sameElementHeader(header, instance)) return false;
  if (done < wanted) {
    throw new PolyradError('DICOM_TRUNCATED', `the pixel data is cut short: frame ${frameIndex + 1} needs ${frameBytes} bytes, the file ends before; it was probably not copied completely`, path);
  }
  return true;
}
