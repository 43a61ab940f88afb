import { endianness } from 'node:os';
import { PolyradError } from '@polyrad/sdk/errors';
import { registerPixelDecoder, samplesPerFrame, type PixelDecoder, type PixelFrameRequest, type StoredSamples } from './pixel-decoder.registry.js';
import { TransferSyntax } from './transfer-syntax.names.js';
import { planarToInterleaved } from './rle-pixel.decoder.js';

const hostLittleEndian = endianness() === 'LE';

function nativeDecoder(name: string, littleEndian: boolean): PixelDecoder {
  return {
    name,
    decodeFrame({ parsed, instance, frameIndex, path }: PixelFrameRequest): StoredSamples {
      const element = parsed.pixelData!;
      const bytesPerSample = instance.BitsAllocated / 8;
      const frameBytes = samplesPerFrame(instance) * bytesPerSample;
      const start = element.dataOffset + frameIndex * frameBytes;
      const byteArray = parsed.dataSet.byteArray;
      if (start + frameBytes > byteArray.length || (!element.hadUndefinedLength && (frameIndex + 1) * frameBytes > element.length)) {
        throw new PolyradError(
          'DICOM_TRUNCATED',
          `the pixel data is shorter than ${instance.Rows}x${instance.Columns}x${instance.BitsAllocated}-bit frame ${frameIndex + 1} needs (${frameBytes} bytes); the file is incomplete or its header is wrong`,
          path,
        );
      }
      // Copy into an aligned buffer: the file's bytes may start at an odd offset.
      const out = bytesPerSample === 1 ? new Uint8Array(frameBytes) : bytesPerSample === 2 ? new Uint16Array(frameBytes / 2) : new Uint32Array(frameBytes / 4);
      const outBytes = new Uint8Array(out.buffer);
      outBytes.set(byteArray.subarray(start, start + frameBytes));
      if (bytesPerSample > 1 && littleEndian !== hostLittleEndian) {
        for (let n = 0; n < frameBytes; n += bytesPerSample) outBytes.subarray(n, n + bytesPerSample).reverse();
      }
      // 8-bit samples in OW under big endian are byte-swapped in pairs (PS3.5 8.1.1), as DCMTK reads them.
      if (bytesPerSample === 1 && !littleEndian && element.vr === 'OW' && frameBytes % 2 === 0 && start % 2 === 0) {
        Buffer.from(outBytes.buffer, outBytes.byteOffset, frameBytes).swap16();
      }
      // The registry contract is pixel-interleaved colour.
      if (instance.SamplesPerPixel > 1 && instance.PlanarConfiguration === 1) return planarToInterleaved(out, instance.SamplesPerPixel);
      return out;
    },
  };
}

registerPixelDecoder(
  [TransferSyntax.ImplicitVRLittleEndian, TransferSyntax.ExplicitVRLittleEndian, TransferSyntax.DeflatedExplicitVRLittleEndian],
  nativeDecoder('native little endian', true),
);
registerPixelDecoder([TransferSyntax.ExplicitVRBigEndian], nativeDecoder('native big endian', false));
