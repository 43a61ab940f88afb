import dicomParser from 'dicom-parser';
import { locateFragments, toPolyradError } from './dicom-dataset.parser.js';
import type { PixelFrameRequest } from './pixel-decoder.registry.js';

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
