import { PolyradError } from '@polyrad/sdk';
import type { DicomInstance } from './dicom-instance.types.js';
import type { ParsedDataSet } from './dicom-dataset.parser.js';
import { transferSyntaxName } from './transfer-syntax.names.js';

/** Stored sample words of one frame as the file holds them: not yet masked to BitsStored, not rescaled. */
export type StoredSamples = Uint8Array | Uint16Array | Uint32Array;

export interface PixelFrameRequest {
  parsed: ParsedDataSet;
  instance: DicomInstance;
  frameIndex: number;
  path: string;
}

/** Turns one frame of one transfer syntax into stored sample words. */
export interface PixelDecoder {
  name: string;
  decodeFrame(request: PixelFrameRequest): StoredSamples;
}

const decoders = new Map<string, PixelDecoder>();

/** Adds (or replaces) the decoder for some transfer syntaxes; codecs slot in here. */
export function registerPixelDecoder(transferSyntaxUIDs: string[], decoder: PixelDecoder): void {
  for (const uid of transferSyntaxUIDs) decoders.set(uid, decoder);
}

export function supportedTransferSyntaxes(): string[] {
  return [...decoders.keys()].sort();
}

/** The decoder for a file's transfer syntax, or DICOM_UNSUPPORTED_TRANSFER_SYNTAX naming it. */
export function pixelDecoderFor(TransferSyntaxUID: string, path: string): PixelDecoder {
  const decoder = decoders.get(TransferSyntaxUID);
  if (!decoder) {
    throw new PolyradError(
      'DICOM_UNSUPPORTED_TRANSFER_SYNTAX',
      `pixel data uses transfer syntax ${TransferSyntaxUID || '(none)'} (${transferSyntaxName(TransferSyntaxUID)}), which Polyrad cannot decode yet; ` +
        `convert the series to Explicit VR Little Endian (e.g. dcmconv +te) or JPEG Lossless`,
      path,
    );
  }
  return decoder;
}

/** Samples per frame, checked against what the header claims, for decoders to size their output. */
export function samplesPerFrame(instance: DicomInstance): number {
  return instance.Rows * instance.Columns * instance.SamplesPerPixel;
}
