/**
 * A small Explicit VR Little Endian encoder for the few datasets Polyrad writes itself (sequences
 * with explicit lengths only). Values are given already typed; strings are UTF-8 (SpecificCharacterSet ISO_IR 192).
 */
export type EncodedVr = 'AE' | 'AS' | 'CS' | 'DA' | 'DS' | 'IS' | 'LO' | 'LT' | 'PN' | 'SH' | 'TM' | 'UI' | 'US' | 'UL' | 'OB' | 'OW' | 'SQ';

export interface DicomElementValue {
  /** (group << 16) | element, e.g. 0x00100020 for PatientID */
  tag: number;
  vr: EncodedVr;
  /** Text for string VRs, numbers for US/UL, bytes for OB/OW, items (each a list of elements) for SQ. */
  value: string | number[] | Uint8Array | DicomElementValue[][];
}

// VRs whose length field is 4 bytes after 2 reserved bytes (PS3.5 7.1.2).
const LONG_VRS = new Set<EncodedVr>(['OB', 'OW', 'SQ']);

/** Sequence items (FFFE,E000) with explicit lengths. */
function itemBytes(items: DicomElementValue[][]): Uint8Array {
  return concat(
    items.map((item) => {
      const body = encodeDataSet(item);
      const header = new Uint8Array(8);
      const view = new DataView(header.buffer);
      view.setUint16(0, 0xfffe, true);
      view.setUint16(2, 0xe000, true);
      view.setUint32(4, body.length, true);
      return concat([header, body]);
    }),
  );
}

/** DS allows 16 characters; keep as many significant digits as fit. */
export function formatDecimalString(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`DS value ${value} is not a finite number`);
  if (Object.is(value, -0) || value === 0) return '0';
  let text = String(value);
  for (let precision = 15; text.length > 16 && precision > 0; precision--) {
    text = String(Number(value.toPrecision(precision)));
  }
  return text;
}

function valueBytes(element: DicomElementValue): Uint8Array {
  const { vr, value } = element;
  if (vr === 'SQ') return itemBytes(value as DicomElementValue[][]);
  if (value instanceof Uint8Array) return value.length % 2 ? concat([value, new Uint8Array(1)]) : value;
  if (Array.isArray(value)) {
    const size = vr === 'UL' ? 4 : 2;
    const bytes = new Uint8Array(value.length * size);
    const view = new DataView(bytes.buffer);
    (value as number[]).forEach((v, n) => (size === 4 ? view.setUint32(n * 4, v, true) : view.setUint16(n * 2, v, true)));
    return bytes;
  }
  const text = Buffer.from(value, 'utf8');
  if (text.length % 2 === 0) return text;
  // Even lengths: UI pads with NUL, text VRs with a space.
  return concat([text, Uint8Array.of(vr === 'UI' ? 0 : 0x20)]);
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export function encodeElement(element: DicomElementValue): Uint8Array {
  const data = valueBytes(element);
  const long = LONG_VRS.has(element.vr);
  const header = new Uint8Array(long ? 12 : 8);
  const view = new DataView(header.buffer);
  view.setUint16(0, element.tag >>> 16, true);
  view.setUint16(2, element.tag & 0xffff, true);
  header[4] = element.vr.charCodeAt(0);
  header[5] = element.vr.charCodeAt(1);
  if (long) view.setUint32(8, data.length, true);
  else {
    if (data.length > 0xffff) throw new RangeError(`value of (${element.tag.toString(16)}) too long for VR ${element.vr}`);
    view.setUint16(6, data.length, true);
  }
  return concat([header, data]);
}

/** Encodes elements in ascending tag order, as PS3.5 requires. */
export function encodeDataSet(elements: DicomElementValue[]): Uint8Array {
  return concat([...elements].sort((a, b) => a.tag - b.tag).map(encodeElement));
}

/** A Part 10 file: 128-byte preamble, "DICM", the group 0002 meta header, then the dataset. */
export function encodePart10(meta: DicomElementValue[], dataSet: Uint8Array): Uint8Array {
  const metaBody = encodeDataSet(meta.filter((e) => e.tag !== 0x00020000));
  const groupLength = encodeElement({ tag: 0x00020000, vr: 'UL', value: [metaBody.length] });
  const prefix = new Uint8Array(132);
  prefix.set([0x44, 0x49, 0x43, 0x4d], 128);
  return concat([prefix, groupLength, metaBody, dataSet]);
}
