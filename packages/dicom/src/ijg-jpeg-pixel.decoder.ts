import { createRequire } from 'node:module';
import { PolyradError } from '@polyrad/sdk/errors';
import { parserErrorText } from './dicom-dataset.parser.js';
import { encapsulatedFrame } from './encapsulated-frame.reader.js';
import { registerPixelDecoder, samplesPerFrame, type PixelFrameRequest, type StoredSamples } from './pixel-decoder.registry.js';
import { TransferSyntax } from './transfer-syntax.names.js';

type DcmjsCodecs = typeof import('dcmjs-codecs');

let codecs: DcmjsCodecs | undefined;
let loading: Promise<void> | undefined;

/**
 * DCMTK's IJG codecs compiled to WASM (dcmjs-codecs), loaded on first use, for JPEG Extended
 * (process 2 and 4, 8 or 12-bit: libjpeg-turbo's 8-bit build cannot read 12-bit streams) and JPEG
 * Lossless (process 14 and SV1). For lossless they replaced jpeg-lossless-decoder-js, which was 2-3x
 * slower and left the last pixel of some LIDC frames 0 where DCMTK's dcmdjpeg reads -1024 HU.
 */
registerPixelDecoder([TransferSyntax.JPEGExtended12Bit, TransferSyntax.JPEGLossless, TransferSyntax.JPEGLosslessSV1], {
  name: 'JPEG Extended and Lossless (dcmjs-codecs, DCMTK IJG)',
  convertsToRgb: true,
  prepare(): Promise<void> {
    loading ??= (async () => {
      try {
        // A CommonJS bundle that Node exposes as the default export only (its typings say named exports).
        const imported = await import('dcmjs-codecs');
        const module = (imported as { default?: DcmjsCodecs }).default ?? imported;
        module.log.setLevel('silent');
        const wasm = createRequire(import.meta.url).resolve('dcmjs-codecs/build/dcmjs-native-codecs.wasm');
        await module.NativeCodecs.initializeAsync({ webAssemblyModulePathOrUrl: wasm });
        codecs = module;
      } catch (thrown) {
        loading = undefined;
        throw new PolyradError('DICOM_CODEC_UNAVAILABLE', `the JPEG codec (dcmjs-codecs) could not be loaded (${parserErrorText(thrown)}); reinstall @polyrad/dicom's dependencies`);
      }
    })();
    return loading;
  },
  decodeFrame(request: PixelFrameRequest): StoredSamples {
    const { instance, frameIndex, path } = request;
    if (!codecs) throw new PolyradError('DICOM_CODEC_UNAVAILABLE', 'the JPEG codec was used before it was loaded (call prepare first)', path);
    const frame = encapsulatedFrame(request);
    const fail = (why: string): never => {
      throw new PolyradError('DICOM_DECODE_FAILED', `JPEG frame ${frameIndex + 1} could not be decoded (${why}); the compressed data is corrupt or the header does not match it`, path);
    };
    let decoded: Uint8Array | undefined;
    try {
      const context = new codecs.Context({
        width: instance.Columns,
        height: instance.Rows,
        bitsAllocated: instance.BitsAllocated,
        bitsStored: instance.BitsStored,
        samplesPerPixel: instance.SamplesPerPixel,
        pixelRepresentation: instance.PixelRepresentation,
        planarConfiguration: 0,
        photometricInterpretation: instance.PhotometricInterpretation,
        encodedBuffer: frame,
      });
      decoded = codecs.NativeCodecs.decodeJpeg(context, { convertColorspaceToRgb: true }).getDecodedBuffer();
    } catch (thrown) {
      fail(parserErrorText(thrown));
    }
    const expected = samplesPerFrame(instance);
    const bytesPerSample = instance.BitsAllocated <= 8 ? 1 : 2;
    if (!decoded || decoded.length !== expected * bytesPerSample) fail(`${decoded?.length ?? 0} bytes decoded, ${expected * bytesPerSample} expected`);
    // Copy into an aligned buffer of stored words (the codec's buffer may start at any offset).
    const out = bytesPerSample === 1 ? new Uint8Array(expected) : new Uint16Array(expected);
    new Uint8Array(out.buffer).set(decoded!);
    return out;
  },
});
