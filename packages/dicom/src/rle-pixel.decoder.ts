import { PolyradError } from '@polyrad/sdk/errors';
import { encapsulatedFrame } from './encapsulated-frame.reader.js';
import { registerPixelDecoder, samplesPerFrame, type PixelFrameRequest, type StoredSamples } from './pixel-decoder.registry.js';
import { TransferSyntax } from './transfer-syntax.names.js';

/** Planes (all R, all G, all B) to pixel-interleaved samples. */
export function planarToInterleaved<T extends Uint8Array | Uint16Array | Uint32Array>(planes: T, components: number): T {
  const out = new (planes.constructor as new (n: number) => T)(planes.length);
  const pixels = planes.length / components;
  for (let c = 0; c < components; c++) {
    for (let p = 0; p < pixels; p++) out[p * components + c] = planes[c * pixels + p];
  }
  return out;
}

/**
 * RLE Lossless (PS3.5 Annex G), hand-written: no maintained Node package decodes it, and the format is
 * a 64-byte segment table plus PackBits, one segment per byte plane (most significant byte first).
 */
function decodeRleFrame({ instance, frameIndex, path, ...rest }: PixelFrameRequest): StoredSamples {
  const frame = encapsulatedFrame({ instance, frameIndex, path, ...rest });
  const fail = (why: string): never => {
    throw new PolyradError('DICOM_DECODE_FAILED', `RLE frame ${frameIndex + 1} could not be decoded (${why}); the compressed data is corrupt`, path);
  };
  const bytesPerSample = instance.BitsAllocated / 8;
  const components = instance.SamplesPerPixel;
  const pixels = instance.Rows * instance.Columns;
  if (frame.length < 64) fail('shorter than its 64-byte header');
  const view = new DataView(frame.buffer, frame.byteOffset, frame.length);
  const segments = view.getUint32(0, true);
  if (segments !== bytesPerSample * components) fail(`${segments} segments, ${bytesPerSample * components} expected for ${components} x ${instance.BitsAllocated}-bit samples`);
  const total = samplesPerFrame(instance);
  const out = bytesPerSample === 1 ? new Uint8Array(total) : bytesPerSample === 2 ? new Uint16Array(total) : new Uint32Array(total);
  const plane = new Uint8Array(pixels);
  for (let s = 0; s < segments; s++) {
    const start = view.getUint32(4 + 4 * s, true);
    const end = s + 1 < segments ? view.getUint32(8 + 4 * s, true) : frame.length;
    if (start < 64 || end > frame.length || end < start) fail(`segment ${s + 1} offset ${start} is outside the frame`);
    // PackBits: n >= 0 copies n+1 literal bytes, -127..-1 repeats the next byte 1-n times, -128 is a no-op.
    let i = start;
    let o = 0;
    while (o < pixels && i < end) {
      const n = (frame[i++] << 24) >> 24;
      if (n >= 0) {
        const count = Math.min(n + 1, pixels - o, end - i);
        plane.set(frame.subarray(i, i + count), o);
        i += n + 1;
        o += count;
      } else if (n > -128) {
        const count = Math.min(1 - n, pixels - o);
        plane.fill(frame[i++], o, o + count);
        o += count;
      }
    }
    if (o < pixels) fail(`segment ${s + 1} holds ${o} of ${pixels} bytes`);
    // Segment order: component by component, most significant byte first; output is interleaved.
    const component = Math.floor(s / bytesPerSample);
    const shift = 8 * (bytesPerSample - 1 - (s % bytesPerSample));
    for (let p = 0; p < pixels; p++) out[p * components + component] += plane[p] * 2 ** shift;
  }
  return out;
}

registerPixelDecoder([TransferSyntax.RLELossless], { name: 'RLE Lossless (built in)', decodeFrame: decodeRleFrame });
