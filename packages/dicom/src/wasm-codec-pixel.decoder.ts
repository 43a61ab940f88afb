import type { WasmCodecFactory, WasmCodecModule, WasmImageDecoder } from '@cornerstonejs/codec-shared';
import { PolyradError } from '@polyrad/sdk/errors';
import { parserErrorText } from './dicom-dataset.parser.js';
import { encapsulatedFrame } from './encapsulated-frame.reader.js';
import { registerPixelDecoder, samplesPerFrame, type PixelDecoder, type PixelFrameRequest, type StoredSamples } from './pixel-decoder.registry.js';
import { TransferSyntax } from './transfer-syntax.names.js';
import { planarToInterleaved } from './rle-pixel.decoder.js';

interface WasmCodecSpec {
  label: string;
  /** Loads the package only when its syntax is first met: each WASM module costs ~100 ms and memory. */
  load: () => Promise<WasmCodecFactory>;
  className: string;
  convertsToRgb: boolean;
}

function wasmCodecDecoder(spec: WasmCodecSpec): PixelDecoder {
  let codec: WasmCodecModule | undefined;
  let loading: Promise<void> | undefined;
  return {
    name: spec.label,
    convertsToRgb: spec.convertsToRgb,
    prepare(): Promise<void> {
      loading ??= (async () => {
        try {
          // print: OpenJPEG logs every header it reads to stdout.
          codec = await (await spec.load())({ print: () => undefined });
        } catch (thrown) {
          loading = undefined;
          throw new PolyradError('DICOM_CODEC_UNAVAILABLE', `the ${spec.label} codec could not be loaded (${parserErrorText(thrown)}); reinstall @polyrad/dicom's dependencies`);
        }
      })();
      return loading;
    },
    decodeFrame(request: PixelFrameRequest): StoredSamples {
      const { instance, frameIndex, path } = request;
      if (!codec) throw new PolyradError('DICOM_CODEC_UNAVAILABLE', `the ${spec.label} codec was used before it was loaded (call prepare first)`, path);
      const frame = encapsulatedFrame(request);
      const Decoder = codec[spec.className] as new () => WasmImageDecoder;
      const decoder = new Decoder();
      const fail = (why: string): never => {
        throw new PolyradError('DICOM_DECODE_FAILED', `${spec.label} frame ${frameIndex + 1} could not be decoded (${why}); the compressed data is corrupt or the header does not match it`, path);
      };
      try {
        let info;
        let decoded: Uint8Array;
        try {
          decoder.getEncodedBuffer(frame.length).set(frame);
          decoder.decode();
          info = decoder.getFrameInfo();
          decoded = decoder.getDecodedBuffer();
        } catch (thrown) {
          return fail(parserErrorText(thrown));
        }
        if (info.width !== instance.Columns || info.height !== instance.Rows || info.componentCount !== instance.SamplesPerPixel) {
          fail(`the stream is ${info.width}x${info.height}x${info.componentCount}, the header says ${instance.Columns}x${instance.Rows}x${instance.SamplesPerPixel}`);
        }
        const bytesPerSample = info.bitsPerSample <= 8 ? 1 : 2;
        const expected = samplesPerFrame(instance);
        if (decoded.length !== expected * bytesPerSample) fail(`${decoded.length} bytes decoded, ${expected * bytesPerSample} expected`);
        // Copy out of WASM memory (reused by the next decode) into an aligned buffer of stored words.
        let out: Uint8Array | Uint16Array = bytesPerSample === 1 ? new Uint8Array(expected) : new Uint16Array(expected);
        new Uint8Array(out.buffer).set(decoded);
        // CharLS returns non-interleaved (ILV 0) colour as planes; the registry contract is interleaved.
        if (info.componentCount > 1 && decoder.getInterleaveMode?.() === 0) out = planarToInterleaved(out, info.componentCount);
        return out;
      } finally {
        decoder.delete();
      }
    },
  };
}

registerPixelDecoder(
  [TransferSyntax.JPEG2000Lossless, TransferSyntax.JPEG2000],
  wasmCodecDecoder({
    label: 'JPEG 2000 (@cornerstonejs/codec-openjpeg)',
    load: async () => (await import('@cornerstonejs/codec-openjpeg/decodewasmjs')).default,
    className: 'J2KDecoder',
    convertsToRgb: true,
  }),
);
registerPixelDecoder(
  [TransferSyntax.JPEGLSLossless, TransferSyntax.JPEGLSNearLossless],
  wasmCodecDecoder({
    label: 'JPEG-LS (@cornerstonejs/codec-charls)',
    load: async () => (await import('@cornerstonejs/codec-charls/decodewasmjs')).default,
    className: 'JpegLSDecoder',
    convertsToRgb: false,
  }),
);
registerPixelDecoder(
  [TransferSyntax.JPEGBaseline8Bit],
  wasmCodecDecoder({
    // 8-bit only; JPEG Extended (12-bit) is ijg-jpeg-pixel.decoder.ts.
    label: 'JPEG baseline (@cornerstonejs/codec-libjpeg-turbo-8bit)',
    load: async () => (await import('@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs')).default,
    className: 'JPEGDecoder',
    convertsToRgb: true,
  }),
);
registerPixelDecoder(
  [TransferSyntax.HTJ2KLossless, TransferSyntax.HTJ2KLosslessRPCL, TransferSyntax.HTJ2K],
  wasmCodecDecoder({
    label: 'HTJ2K (@cornerstonejs/codec-openjph)',
    load: async () => (await import('@cornerstonejs/codec-openjph/wasmjs')).default,
    className: 'HTJ2KDecoder',
    convertsToRgb: true,
  }),
);
