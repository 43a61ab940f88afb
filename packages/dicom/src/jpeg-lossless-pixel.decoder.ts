import dicomParser from 'dicom-parser';
import { PolyradError } from '@polyrad/sdk/errors';
import { locateFragments, parserErrorText, toPolyradError } from './dicom-dataset.parser.js';
import { registerPixelDecoder, samplesPerFrame, type PixelFrameRequest, type StoredSamples } from './pixel-decoder.registry.js';
import { TransferSyntax } from './transfer-syntax.names.js';

/** The compressed bytes of one frame of encapsulated Pixel Data. */
export function encapsulatedFrame({ parsed, instance, frameIndex, path }: PixelFrameRequest): Uint8Array {
  const element = locateFragments(parsed, path);
  const ds = parsed.dataSet;
  try {
    if (instance.NumberOfFrames <= 1) {
      // One frame: every fragment belongs to it, whatever the offset table says.
      return dicomParser.readEncapsulatedPixelDataFromFragments(ds, element, 0, element.fragments!.length);
    }
    const table = element.basicOffsetTable?.length ? element.basicOffsetTable : dicomParser.createJPEGBasicOffsetTable(ds, element);
    return dicomParser.readEncapsulatedImageFrame(ds, element, frameIndex, table);
  } catch (thrown) {
    throw toPolyradError(thrown, path, `compressed frame ${frameIndex + 1}`);
  }
}

let Decoder: typeof import('jpeg-lossless-decoder-js').Decoder | undefined;

registerPixelDecoder([TransferSyntax.JPEGLossless, TransferSyntax.JPEGLosslessSV1], {
  name: 'JPEG Lossless (jpeg-lossless-decoder-js)',
  // Loaded on first use, like the WASM codecs: a series without JPEG Lossless does not pay its memory.
  async prepare(): Promise<void> {
    Decoder ??= (await import('jpeg-lossless-decoder-js')).Decoder;
  },
  decodeFrame(request: PixelFrameRequest): StoredSamples {
    const { instance, frameIndex, path } = request;
    if (!Decoder) throw new PolyradError('DICOM_CODEC_UNAVAILABLE', 'the JPEG Lossless decoder was used before it was loaded (call prepare first)', path);
    const frame = encapsulatedFrame(request);
    let decoded: Uint8Array | Uint16Array;
    try {
      decoded = new Decoder().decode(frame.buffer as ArrayBuffer, frame.byteOffset, frame.length, instance.BitsAllocated <= 8 ? 1 : 2);
    } catch (thrown) {
      throw new PolyradError('DICOM_DECODE_FAILED', `JPEG Lossless frame ${frameIndex + 1} could not be decoded (${parserErrorText(thrown)}); the compressed data is corrupt`, path);
    }
    if (decoded.length !== samplesPerFrame(instance)) {
      throw new PolyradError(
        'DICOM_DECODE_FAILED',
        `JPEG Lossless frame ${frameIndex + 1} decoded to ${decoded.length} samples, but the header says ${instance.Rows}x${instance.Columns}x${instance.SamplesPerPixel}; the file is inconsistent`,
        path,
      );
    }
    return decoded;
  },
});
