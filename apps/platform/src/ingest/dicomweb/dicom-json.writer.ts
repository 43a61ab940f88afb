import { createReadStream, createWriteStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { PolyradError } from '@polyrad/sdk';
import dcmjs from 'dcmjs';
import { type DicomJson, type DicomJsonAttribute, PIXEL_DATA_TAG } from './dicom-json.reader.js';
import { INVALID_DICOMWEB_REQUEST } from './dicomweb.errors.js';

const { DicomDict } = dcmjs.data;

const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
const BINARY_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'UN']);
const TAG = /^[0-9A-F]{8}$/;
const VR = /^[A-Z]{2}$/;

/** A bulk data part of a STOW-RS request, kept in a file until its instance is written. */
export interface BulkDataPart {
  path: string;
  /** its media type: only uncompressed bulk data (application/octet-stream) is taken */
  contentType: string;
}

/** A bulk data part in a form the platform does not take (compressed pixel data). */
export const DICOMWEB_BULK_DATA_UNSUPPORTED = 'DICOMWEB_BULK_DATA_UNSUPPORTED';

const invalid = (where: string, reason: string): PolyradError => new PolyradError(INVALID_DICOMWEB_REQUEST, `${where}: ${reason}`);

/**
 * Writes one instance of a STOW-RS metadata request (PS3.18 10.5.1.2.2: DICOM JSON with bulk data) as an
 * explicit VR little endian Part 10 file at `path`. Binary values come from InlineBinary or from the bulk
 * part their BulkDataURI names (its Content-Location); Pixel Data is streamed from its part after the other
 * attributes, so an instance's pixels are never held in memory. `where` names the item in refusals.
 */
export async function writeInstanceFromJson(dataset: unknown, bulk: (uri: string) => BulkDataPart | undefined, path: string, where: string): Promise<void> {
  if (typeof dataset !== 'object' || dataset === null || Array.isArray(dataset)) throw invalid(where, 'is not a DICOM JSON dataset (an object keyed by tag)');
  const { [PIXEL_DATA_TAG]: pixelData, ...rest } = dataset as DicomJson;
  const dict = await toDcmjsDict(rest, bulk, where);
  const uid = (tag: string): string => String((dict[tag]?.Value as unknown[] | undefined)?.[0] ?? '');
  const meta = {
    '00020001': { vr: 'OB', Value: [new Uint8Array([0, 1]).buffer] },
    '00020002': { vr: 'UI', Value: [uid('00080016')] },
    '00020003': { vr: 'UI', Value: [uid('00080018')] },
    '00020010': { vr: 'UI', Value: [EXPLICIT_VR_LITTLE_ENDIAN] },
  };
  const file = new DicomDict(meta);
  file.dict = dict;
  let head: Buffer;
  try {
    head = Buffer.from(file.write());
  } catch (error) {
    throw invalid(where, `cannot be encoded (${(error as Error).message})`);
  }
  const pixels = pixelData ? await pixelSource(pixelData, bulk, where) : undefined;
  const out = createWriteStream(path);
  await pipeline(async function* () {
    yield head;
    if (!pixels) return;
    const padded = pixels.length + (pixels.length % 2);
    const header = Buffer.alloc(12);
    header.writeUInt16LE(0x7fe0, 0);
    header.writeUInt16LE(0x0010, 2);
    header.write(pixels.vr, 4, 'ascii');
    header.writeUInt32LE(padded, 8);
    yield header;
    if (pixels.inline) yield pixels.inline;
    else yield* createReadStream(pixels.path!);
    if (padded !== pixels.length) yield Buffer.alloc(1);
  }, out);
}

/** Where the pixel data's bytes come from, and how many there are. */
async function pixelSource(attribute: DicomJsonAttribute, bulk: (uri: string) => BulkDataPart | undefined, where: string): Promise<{ vr: string; length: number; inline?: Buffer; path?: string }> {
  const vr = attribute.vr === 'OB' ? 'OB' : 'OW';
  if (attribute.InlineBinary !== undefined) {
    const inline = Buffer.from(attribute.InlineBinary, 'base64');
    return { vr, length: inline.length, inline };
  }
  if (attribute.BulkDataURI === undefined) throw invalid(where, 'Pixel Data (7FE00010) has neither InlineBinary nor BulkDataURI');
  const part = bulkPart(attribute.BulkDataURI, bulk, where, PIXEL_DATA_TAG);
  return { vr, length: (await stat(part.path)).size, path: part.path };
}

function bulkPart(uri: string, bulk: (uri: string) => BulkDataPart | undefined, where: string, tag: string): BulkDataPart {
  const part = bulk(uri);
  if (!part) throw invalid(where, `the BulkDataURI of ${tag}, ${JSON.stringify(uri)}, names no part of the request (its Content-Location)`);
  if (part.contentType !== 'application/octet-stream') {
    // compressed pixel data would need its encapsulation rebuilt from frames; a Part 10 part carries it as is
    throw new PolyradError(DICOMWEB_BULK_DATA_UNSUPPORTED, `${where}: the bulk data of ${tag} is ${part.contentType || 'untyped'}; only application/octet-stream is taken (send compressed images as application/dicom)`);
  }
  return part;
}

/** The DICOM JSON model as dcmjs's dictionary: checked tags and VRs, binary values as ArrayBuffers, nulls as empty values. */
async function toDcmjsDict(dataset: DicomJson, bulk: (uri: string) => BulkDataPart | undefined, where: string): Promise<Record<string, { vr: string; Value: unknown[] }>> {
  const dict: Record<string, { vr: string; Value: unknown[] }> = {};
  for (const [key, attribute] of Object.entries(dataset)) {
    const tag = key.toUpperCase();
    if (!TAG.test(tag)) throw invalid(where, `${JSON.stringify(key)} is not a tag (8 hexadecimal digits)`);
    if (typeof attribute !== 'object' || attribute === null || typeof attribute.vr !== 'string' || !VR.test(attribute.vr)) throw invalid(where, `${tag} has no valid vr`);
    const { vr } = attribute;
    if (BINARY_VRS.has(vr)) {
      let bytes: Buffer = Buffer.alloc(0);
      if (attribute.InlineBinary !== undefined) bytes = Buffer.from(String(attribute.InlineBinary), 'base64');
      else if (attribute.BulkDataURI !== undefined) bytes = await readFile(bulkPart(String(attribute.BulkDataURI), bulk, where, tag).path);
      dict[tag] = { vr, Value: bytes.length > 0 ? [bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)] : [] };
      continue;
    }
    const values = attribute.Value ?? [];
    if (!Array.isArray(values)) throw invalid(where, `the Value of ${tag} is not an array`);
    if (vr === 'SQ') {
      const items = [];
      for (const [n, item] of values.entries()) {
        if (typeof item !== 'object' || item === null) throw invalid(where, `item ${n + 1} of ${tag} is not a dataset`);
        items.push(await toDcmjsDict(item as DicomJson, bulk, `${where}, ${tag} item ${n + 1}`));
      }
      dict[tag] = { vr, Value: items };
    } else {
      dict[tag] = { vr, Value: values.map((v) => (v === null ? '' : v)) };
    }
  }
  return dict;
}
