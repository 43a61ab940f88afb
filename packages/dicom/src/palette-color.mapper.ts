import type { DataSet } from 'dicom-parser';
import { PolyradError } from '@polyrad/sdk/errors';
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
 * Expands a segmented palette table (PS3.3 C.7.9.2) to `entries` values. Segments: 0 discrete (n
 * values follow), 1 linear (a ramp of n values from the previous value to the one that follows, ends
 * included, rounded), 2 indirect (copy n segments found at a word offset, as GDCM and pydicom read
 * it). Hostile tables stay bounded: the output never passes `entries`, every segment consumes words,
 * and an indirect segment may not lead to another indirect one. A table that ends short of `entries`
 * repeats its last value (indices past a table's end take its last entry anyway).
 */
export function expandSegmented(word: (n: number) => number, words: number, entries: number, fail: (why: string) => never): Uint16Array {
  const out = new Uint16Array(entries);
  let length = 0;
  const push = (value: number) => {
    if (length === entries) fail(`expands to more than the ${entries} entries its descriptor declares`);
    out[length++] = value;
  };
  const read = (at: number) => {
    if (at >= words) fail(`a segment at word ${at} runs past the end of the ${words}-word table`);
    return word(at);
  };
  // Returns the word after the segment at `at`.
  const segment = (at: number, indirectAllowed: boolean): number => {
    const opcode = read(at);
    const count = read(at + 1);
    if (opcode === 0) {
      for (let n = 0; n < count; n++) push(read(at + 2 + n));
      return at + 2 + count;
    }
    if (opcode === 1) {
      if (length === 0) fail('a linear segment comes first, with no value to start from');
      const from = out[length - 1];
      const to = read(at + 2);
      for (let n = 1; n <= count; n++) push(Math.round(from + ((to - from) * n) / count));
      return at + 3;
    }
    if (opcode === 2) {
      if (!indirectAllowed) fail('an indirect segment leads to another indirect segment');
      if (length === 0) fail('an indirect segment comes first');
      // Two words: the least significant first.
      let next = read(at + 2) + read(at + 3) * 65536;
      for (let n = 0; n < count; n++) next = segment(next, false);
      return at + 4;
    }
    return fail(`unknown segment type ${opcode} at word ${at}`);
  };
  for (let at = 0; at < words; ) at = segment(at, true);
  if (length === 0) fail('holds no entries');
  out.fill(out[length - 1], length);
  return out;
}

/**
 * Reads the red, green and blue palette tables (PS3.3 C.7.6.3.1.5-6) and combines them into a
 * luminance table with the ITU-R BT.601 weights the RGB path uses. Entry size is taken from the data
 * length (as pydicom and DCMTK do): some writers put 8-bit entries in 16-bit words. Segmented tables
 * are expanded first.
 */
export function paletteLuminance(ds: DataSet, instance: DicomInstance): PaletteLuminance {
  const { path } = instance;
  const fail = (why: string): never => {
    throw new PolyradError('DICOM_UNSUPPORTED_PIXEL_FORMAT', `is a PALETTE COLOR image whose colour table cannot be used (${why}); convert it to RGB or greyscale`, path);
  };
  const channels = CHANNELS.map(({ name, descriptor, data, segmented }) => {
    const descriptorElement = ds.elements[descriptor];
    const dataElement = ds.elements[data] ?? ds.elements[segmented];
    if (!descriptorElement || descriptorElement.length < 6 || !dataElement) fail(`${name} Palette Color Lookup Table Descriptor or Data missing`);
    if (dataElement!.dataOffset + dataElement!.length > ds.byteArray.length) fail(`${name} table runs past the end of the file`);
    const entries = ds.uint16(descriptor, 0) || 65536;
    // The first mapped value is US or SS following PixelRepresentation.
    const raw = ds.uint16(descriptor, 1)!;
    const firstMapped = instance.PixelRepresentation === 1 && raw >= 0x8000 ? raw - 0x10000 : raw;
    if (!ds.elements[data]) {
      const eightBit = ds.uint16(descriptor, 2) === 8;
      const words = eightBit ? dataElement!.length : dataElement!.length >> 1;
      const word = eightBit ? (n: number) => ds.byteArray[dataElement!.dataOffset + n] : (n: number) => ds.uint16(segmented, n)!;
      const values = expandSegmented(word, words, entries, (why) => fail(`segmented ${name} table: ${why}`));
      return { entries, firstMapped, values, entryBits: eightBit ? 8 : 16 };
    }
    const bytesPerEntry = dataElement!.length / entries;
    if (bytesPerEntry !== 1 && bytesPerEntry !== 2) fail(`${name} table holds ${dataElement!.length} bytes for ${entries} entries`);
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
