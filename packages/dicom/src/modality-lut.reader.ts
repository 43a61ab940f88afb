import type { DataSet } from 'dicom-parser';
import { PolyradError } from '@polyrad/sdk/errors';
import type { ModalityLut } from './dicom-instance.types.js';

/**
 * The Modality LUT Sequence (0028,3000, PS3.3 C.11.1), when present: stored values map through its
 * table instead of RescaleSlope/Intercept. Its LUT Descriptor gives the entry count (0 means 65536),
 * the first stored value mapped (US or SS with PixelRepresentation) and the entries' bit depth; LUT
 * Data holds one 16-bit word per entry. A table that does not match its descriptor is refused, naming
 * the field: falling back to the rescale would give wrong values silently.
 */
export function readModalityLut(ds: DataSet, signed: boolean, path: string): ModalityLut | undefined {
  const item = ds.elements.x00283000?.items?.[0]?.dataSet;
  if (!item) return undefined;
  const fail = (why: string): never => {
    throw new PolyradError('DICOM_INVALID_ATTRIBUTE', `Modality LUT Sequence (0028,3000) ${why}; the stored values cannot be turned into output values`, path);
  };
  const descriptor = item.elements.x00283002;
  const data = item.elements.x00283006;
  if (!descriptor || descriptor.length < 6) fail('has no LUT Descriptor (0028,3002) of three values');
  if (!data) fail('has no LUT Data (0028,3006)');
  const entries = item.uint16('x00283002', 0) || 65536;
  const raw = item.uint16('x00283002', 1)!;
  const firstMapped = signed && raw >= 0x8000 ? raw - 0x10000 : raw;
  const bits = item.uint16('x00283002', 2)!;
  if (bits < 8 || bits > 16) fail(`LUT Descriptor declares ${bits}-bit entries; 8 to 16 bits are allowed`);
  if (data!.length < entries * 2) fail(`LUT Data holds ${data!.length} bytes for ${entries} 16-bit entries`);
  if (data!.dataOffset + entries * 2 > item.byteArray.length) fail('LUT Data runs past the end of the file');
  const LUTData = new Uint16Array(entries);
  for (let n = 0; n < entries; n++) LUTData[n] = item.uint16('x00283006', n)!;
  return { LUTDescriptor: [entries, firstMapped, bits], LUTData, ModalityLUTType: (item.string('x00283004') ?? '').trim() };
}
