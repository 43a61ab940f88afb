import { crc32, deflateSync } from 'node:zlib';
import type { DicomInstance } from '@polyrad/dicom';

/** A VOI window (PS3.3 C.11.2.1.2) in modality units (HU for CT). */
export interface VoiWindow {
  center: number;
  width: number;
}

/** An 8-bit image ready to encode: grey (1 channel) or RGB (3, interleaved). */
export interface RenderedImage {
  width: number;
  height: number;
  channels: 1 | 3;
  pixels: Uint8Array;
}

type PixelHeader = Pick<
  DicomInstance,
  'Rows' | 'Columns' | 'SamplesPerPixel' | 'BitsAllocated' | 'BitsStored' | 'PixelRepresentation' | 'PhotometricInterpretation' | 'PlanarConfiguration' | 'RescaleSlope' | 'RescaleIntercept' | 'WindowCenter' | 'WindowWidth'
>;

/** Whether renderFrame can show a frame of this kind (uncompressed grey of 8 or 16 bits, or 8-bit RGB). */
export function renderable(header: PixelHeader): boolean {
  const grey = header.SamplesPerPixel === 1 && (header.BitsAllocated === 8 || header.BitsAllocated === 16) && /^MONOCHROME[12]$/.test(header.PhotometricInterpretation);
  const rgb = header.SamplesPerPixel === 3 && header.BitsAllocated === 8 && header.PhotometricInterpretation === 'RGB';
  return grey || rgb;
}

/**
 * One uncompressed little-endian frame as an 8-bit image: grey frames through the rescale and a linear VOI
 * window (the one asked for, else the file's, else the frame's range), MONOCHROME1 inverted; RGB as it is.
 */
export function renderFrame(frame: Uint8Array, header: PixelHeader, window?: VoiWindow): RenderedImage {
  const width = header.Columns;
  const height = header.Rows;
  const count = width * height;
  if (header.SamplesPerPixel === 3) {
    const pixels = new Uint8Array(count * 3);
    if (header.PlanarConfiguration === 1) for (let i = 0; i < count; i++) for (let c = 0; c < 3; c++) pixels[i * 3 + c] = frame[c * count + i];
    else pixels.set(frame.subarray(0, count * 3));
    return { width, height, channels: 3, pixels };
  }
  const values = new Float64Array(count);
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const shift = 32 - header.BitsStored;
  for (let i = 0; i < count; i++) {
    const raw = header.BitsAllocated === 8 ? view.getUint8(i) : view.getUint16(i * 2, true);
    // only BitsStored bits are the value; signed values carry their sign in the top stored bit
    const stored = header.PixelRepresentation === 1 ? (raw << shift) >> shift : (raw << shift) >>> shift;
    values[i] = stored * header.RescaleSlope + header.RescaleIntercept;
  }
  const voi = window ?? (header.WindowCenter !== undefined && header.WindowWidth !== undefined && header.WindowWidth >= 1 ? { center: header.WindowCenter, width: header.WindowWidth } : rangeOf(values));
  const low = voi.center - 0.5 - (voi.width - 1) / 2;
  const high = voi.center - 0.5 + (voi.width - 1) / 2;
  const invert = header.PhotometricInterpretation === 'MONOCHROME1';
  const pixels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const x = values[i];
    const y = x <= low ? 0 : x > high ? 255 : Math.round(((x - (voi.center - 0.5)) / Math.max(1, voi.width - 1) + 0.5) * 255);
    pixels[i] = invert ? 255 - y : y;
  }
  return { width, height, channels: 1, pixels };
}

function rangeOf(values: Float64Array): VoiWindow {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { center: (min + max + 1) / 2, width: Math.max(1, max - min + 1) };
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/** A PNG (8-bit grey or RGB, no filtering) of a rendered image. */
export function encodePng(image: RenderedImage): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(image.width, 0);
  header.writeUInt32BE(image.height, 4);
  header[8] = 8;
  header[9] = image.channels === 1 ? 0 : 2;
  const stride = image.width * image.channels;
  const rows = Buffer.alloc((stride + 1) * image.height);
  for (let y = 0; y < image.height; y++) rows.set(image.pixels.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  return Buffer.concat([PNG_SIGNATURE, chunk('IHDR', header), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}
