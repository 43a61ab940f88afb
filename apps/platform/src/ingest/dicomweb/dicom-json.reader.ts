import { open } from 'node:fs/promises';
import { type DicomInstance, readDicomHeader } from '@polyrad/dicom';
import dcmjs from 'dcmjs';

// dcmjs logs a line per private or unknown tag; the platform reports what matters itself
dcmjs.log.setLevel('silent');

/** One attribute in the DICOM JSON model (PS3.18 F.2). */
export interface DicomJsonAttribute {
  vr: string;
  Value?: unknown[];
  InlineBinary?: string;
  BulkDataURI?: string;
}

/** A dataset in the DICOM JSON model, keyed by tag (8 upper-case hex digits). */
export type DicomJson = Record<string, DicomJsonAttribute>;

export const PIXEL_DATA_TAG = '7FE00010';
const BINARY_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'UN']);

/** A stored instance as DICOMweb answers about it: its header record and every attribute before Pixel Data. */
export interface InstanceDescription {
  header: DicomInstance;
  dataset: DicomJson;
}

/**
 * Reads an instance's attributes (everything before Pixel Data) as DICOM JSON. Only the header's bytes are
 * read; Pixel Data appears with its VR alone, for the caller to give a BulkDataURI.
 */
export async function describeInstance(path: string): Promise<InstanceDescription> {
  const header = await readDicomHeader(path);
  const length = header.pixelDataOffset ?? header.fileSize;
  const bytes = new Uint8Array(length);
  const handle = await open(path, 'r');
  try {
    await handle.read(bytes, 0, length, 0);
  } finally {
    await handle.close();
  }
  const { dict } = dcmjs.data.DicomMessage.readFile(bytes.buffer, { untilTag: PIXEL_DATA_TAG, includeUntilTagValue: false, ignoreErrors: true });
  const dataset = toDicomJson(dict);
  if (header.hasPixelData) dataset[PIXEL_DATA_TAG] = { vr: header.BitsAllocated > 8 ? 'OW' : 'OB' };
  return { header, dataset };
}

function toDicomJson(dict: Record<string, { vr?: string; Value?: unknown[] }>): DicomJson {
  const out: DicomJson = {};
  for (const [tag, element] of Object.entries(dict)) {
    if (tag === PIXEL_DATA_TAG) continue;
    const vr = element.vr ?? 'UN';
    const values = element.Value ?? [];
    if (BINARY_VRS.has(vr)) {
      const bytes = values.filter((v): v is ArrayBuffer => v instanceof ArrayBuffer).map((v) => Buffer.from(v));
      out[tag] = bytes.length > 0 ? { vr, InlineBinary: Buffer.concat(bytes).toString('base64') } : { vr };
    } else if (vr === 'SQ') {
      out[tag] = values.length > 0 ? { vr, Value: values.map((item) => toDicomJson(item as Record<string, { vr?: string; Value?: unknown[] }>)) } : { vr };
    } else {
      // an empty value among several stays in its place, as null (PS3.18 F.2.5)
      const kept = values.map((v) => (v === '' || v === undefined ? null : v));
      out[tag] = kept.some((v) => v !== null) ? { vr, Value: kept } : { vr };
    }
  }
  return out;
}

/** The first value of an attribute as text (a person name: its alphabetic form), '' when absent. */
export function textOf(dataset: DicomJson, tag: string): string {
  const value = dataset[tag]?.Value?.[0];
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') return String((value as { Alphabetic?: string }).Alphabetic ?? '');
  return String(value).trim();
}
