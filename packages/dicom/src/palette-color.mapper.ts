import type { DataSet } from 'dicom-parser';
import { PolyradError } from '@polyrad/sdk';
import type { DicomInstance } from './dicom-instance.types.js';
import type { StoredSamples } from './pixel-decoder.registry.js';

/** A PALETTE COLOR image's lookup, reduced to one luminance value per stored index. */
export interface PaletteLuminance {
  /** Stored value mapped to entry 0 (Palette Color Lookup Table Descriptor, second value). */
  firstMapped: number;
  /** Luminance per entry, in the range of the table's entries (0-255 or 0-65535). */
  table: Uint16Array;
  /** 8 or 16: the entries' bit depth, for the note. */
  entryBits: number;
}

const CHANNELS = [
  { name: 'Red', descriptor: 'x00281101', data: 'x00281201', segmented: 'x00281221' },
  { name: 'Green', descriptor: 'x00281102', data: 'x00281202', segmented: 'x00281222' },
  { name: 'Blue', descriptor: 'x00281103', data: 'x00281203', segmented: 'x00281223' },
] as const;

/**
 * Reads the red, green and blue palette tables (PS3.3 C.7.6.3.1.5-6) and combines them into a
 * luminance table with the ITU-R BT.601 weights the RGB path uses. Entry size is taken from the data
 * length (as pydicom and DCMTK do): some writers put 8-bit entries in 16-bit words.
 */
export function paletteLuminance(ds: DataSet, instance: DicomInstance): PaletteLuminance {
  const { path } = instance;
  const fail = (why: string): never => {
    throw new PolyradError('DICOM_UNSUPPORTED_PIXEL_FORMAT', `is a PALETTE COLOR image whose colour table cannot be used (${why}); convert it to RGB or greyscale`, path);
  };
  const channels = CHANNELS.map(({ name, descriptor, data, segmented }) => {
    const descriptorElement = ds.elements[descriptor];
    const dataElement = ds.elements[data];
    if (!dataElement && ds.elements[segmented]) fail(`segmented ${name} palette (${segmented.slice(1, 5)},${segmented.slice(5)}), which is not supported`);
    if (!descriptorElement || descriptorElement.length < 6 || !dataElement) fail(`${name} Palette Color Lookup Table Descriptor or Data missing`);
    const entries = ds.uint16(descriptor, 0) || 65536;
    // The first mapped value is US or SS following PixelRepresentation.
    const raw = ds.uint16(descriptor, 1)!;
    const firstMapped = instance.PixelRepresentation === 1 && raw >= 0x8000 ? raw - 0x10000 : raw;
    const bytesPerEntry = dataElement!.length / entries;
    if (bytesPerEntry !== 1 && bytesPerEntry !== 2) fail(`${name} table holds ${dataElement!.length} bytes for ${entries} entries`);
    if (dataElement!.dataOffset + dataElement!.length > ds.byteArray.length) fail(`${name} table runs past the end of the file`);
    const values = new Uint16Array(entries);
    for (let n = 0; n < entries; n++) values[n] = bytesPerEntry === 2 ? ds.uint16(data, n)! : ds.byteArray[dataElement!.dataOffset + n];
    return { entries, firstMapped, values, entryBits: ds.uint16(descriptor, 2) === 8 || bytesPerEntry === 1 ? 8 : 16 };
  });
  const [r, g, b] = channels;
  if (g.entries !== r.entries || b.entries !== r.entries || g.firstMapped !== r.firstMapped || b.firstMapped !== r.firstMapped) {
    fail('the red, green and blue tables differ in size or first mapped value');
  }
  const table = new Uint16Array(r.entries);
  for (let n = 0; n < table.length; n++) table[n] = Math.round(0.299 * r.values[n] + 0.587 * g.values[n] + 0.114 * b.values[n]);
  return { firstMapped: r.firstMapped, table, entryBits: Math.max(r.entryBits, g.entryBits, b.entryBits) };
}

/**
 * Maps stored indices (masked to BitsStored, sign-extended when PixelRepresentation is 1) through the
 * luminance table; indices below the first mapped value take entry 0 and above the table its last
 * entry, as the standard prescribes. Hot loop on typed arrays, written by hand.
 */
export function applyPalette(samples: StoredSamples, palette: PaletteLuminance, instance: DicomInstance): Uint16Array {
  const { table, firstMapped } = palette;
  const last = table.length - 1;
  const bits = instance.BitsStored;
  const mask = 2 ** bits - 1;
  const half = 2 ** (bits - 1);
  const shift = instance.HighBit + 1 - bits;
  const signed = instance.PixelRepresentation === 1;
  const out = new Uint16Array(samples.length);
  for (let n = 0; n < samples.length; n++) {
    let v = (samples[n] >>> shift) & mask;
    if (signed && v >= half) v -= 2 * half;
    let index = v - firstMapped;
    if (index < 0) index = 0;
    else if (index > last) index = last;
    out[n] = table[index];
  }
  return out;
}
