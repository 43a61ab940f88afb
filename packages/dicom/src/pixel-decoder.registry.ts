import { PolyradError } from '@polyrad/sdk/errors';
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
  /**
   * Colour frames come back pixel-interleaved (R,G,B,R,G,B...) whatever the file's PlanarConfiguration.
   * Codecs that convert YBR to RGB themselves (JPEG baseline, JPEG 2000) say so here.
   */
  decodeFrame(request: PixelFrameRequest): StoredSamples;
  /** True when colour frames come back as RGB even if the file says YBR_*. */
  convertsToRgb?: boolean;
  /** Loads the codec (WASM) once, before the first decodeFrame; decoders that need nothing omit it. */
  prepare?(): Promise<void>;
}

const decoders = new Map<string, PixelDecoder>();

/** Adds (or replaces) the decoder for some transfer syntaxes; codecs slot in here. */
export function registerPixelDecoder(transferSyntaxUIDs: string[], decoder: PixelDecoder): void {
  for (const uid of transferSyntaxUIDs) decoders.set(uid, decoder);
}

/** Prepares (loads) every decoder the given transfer syntaxes need; typed errors for unknown ones. */
export async function preparePixelDecoders(items: { TransferSyntaxUID: string; path: string }[]): Promise<void> {
  const pending = new Set<PixelDecoder>();
  for (const item of items) pending.add(pixelDecoderFor(item.TransferSyntaxUID, item.path));
  for (const decoder of pending) await decoder.prepare?.();
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
