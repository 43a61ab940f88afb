import { open } from 'node:fs/promises';
import { HttpException, HttpStatus, Injectable, Logger } from '@nestjs/common';
import { type DicomInstance, readDicomHeader, TransferSyntax } from '@polyrad/dicom';
import { PolyradError } from '@polyrad/sdk';
import { describeInstance, type DicomJson, PIXEL_DATA_TAG } from './dicom-json.reader.js';
import { DicomwebIndexRepository, type DicomwebScope, type StoredFile } from './dicomweb-index.repository.js';
import { DICOMWEB_NOT_FOUND, INVALID_DICOMWEB_REQUEST } from './dicomweb.errors.js';
import { assertScope } from './dicomweb-request.js';
import type { RelatedAnswer, RelatedPart } from './multipart-related.writer.js';
import { encodePng, renderable, renderFrame, type VoiWindow } from './rendered-frame.renderer.js';

const EXPLICIT_LE = TransferSyntax.ExplicitVRLittleEndian;
const NATIVE_SYNTAXES = new Set<string>([TransferSyntax.ImplicitVRLittleEndian, TransferSyntax.ExplicitVRLittleEndian, TransferSyntax.ExplicitVRBigEndian]);

/** The image media type of each compressed transfer syntax (PS3.18 table 8.7.3-2). */
const FRAME_MEDIA_TYPES: Record<string, string> = {
  '1.2.840.10008.1.2.5': 'image/x-dicom-rle',
  '1.2.840.10008.1.2.4.50': 'image/jpeg',
  '1.2.840.10008.1.2.4.51': 'image/jpeg',
  '1.2.840.10008.1.2.4.57': 'image/jpeg',
  '1.2.840.10008.1.2.4.70': 'image/jpeg',
  '1.2.840.10008.1.2.4.80': 'image/jls',
  '1.2.840.10008.1.2.4.81': 'image/jls',
  '1.2.840.10008.1.2.4.90': 'image/jp2',
  '1.2.840.10008.1.2.4.91': 'image/jp2',
  '1.2.840.10008.1.2.4.92': 'image/jpx',
  '1.2.840.10008.1.2.4.93': 'image/jpx',
  '1.2.840.10008.1.2.4.201': 'image/jphc',
  '1.2.840.10008.1.2.4.202': 'image/jphc',
  '1.2.840.10008.1.2.4.203': 'image/jphc',
};

/** One media range of an Accept header: `multipart/related; type="…"; transfer-syntax=…`. */
interface MediaRange {
  mediaType: string;
  type?: string;
  transferSyntax?: string;
}

const notAcceptable = (message: string): HttpException => new HttpException({ message }, HttpStatus.NOT_ACCEPTABLE);

/**
 * WADO-RS (PS3.18 10.4): instances as stored (no transcoding: a request for another transfer syntax is
 * answered 406), metadata as DICOM JSON with a BulkDataURI for Pixel Data, and frames: uncompressed ones
 * as little-endian bytes, compressed ones as stored when the client accepts their transfer syntax.
 */
@Injectable()
export class WadoService {
  private readonly logger = new Logger(WadoService.name);

  constructor(private readonly index: DicomwebIndexRepository) {}

  /** Study, series or instance as multipart/related; type="application/dicom". */
  async instances(scope: DicomwebScope, accept: string | undefined): Promise<RelatedAnswer> {
    const ranges = parseAccept(accept);
    const dicomRanges = ranges.filter((r) => r.mediaType === '*/*' || (r.mediaType === 'multipart/related' && (r.type ?? 'application/dicom') === 'application/dicom'));
    if (dicomRanges.length === 0) throw notAcceptable('instances are sent as multipart/related; type="application/dicom"');
    const files = await this.filesOf(scope);
    const wanted = new Set(dicomRanges.map((r) => r.transferSyntax ?? '*'));
    const logger = this.logger;
    const first = await readDicomHeader(files[0].path);
    if (!wanted.has('*') && !wanted.has(first.TransferSyntaxUID)) {
      throw notAcceptable(`instances are kept as received (${first.TransferSyntaxUID}) and not transcoded; ask with transfer-syntax=* or that syntax`);
    }
    return {
      type: 'application/dicom',
      parts: (async function* () {
        for (const file of files) {
          let header: DicomInstance;
          try {
            header = file === files[0] ? first : await readDicomHeader(file.path);
          } catch (error) {
            logger.warn(`WADO-RS: instance ${file.sop} cannot be read and was left out: ${(error as Error).message}`);
            continue;
          }
          // a study may hold several syntaxes: those the client did not accept are left out, not transcoded
          if (!wanted.has('*') && !wanted.has(header.TransferSyntaxUID)) continue;
          yield { contentType: `application/dicom; transfer-syntax=${header.TransferSyntaxUID}`, body: { path: file.path, start: 0, length: header.fileSize } } satisfies RelatedPart;
        }
      })(),
    };
  }

  /** Every instance's attributes as DICOM JSON, Pixel Data by BulkDataURI. */
  async metadata(scope: DicomwebScope, baseUrl: string): Promise<AsyncIterable<DicomJson>> {
    const files = await this.filesOf(scope);
    const logger = this.logger;
    return (async function* () {
      for (const file of files) {
        try {
          const { dataset } = await describeInstance(file.path);
          if (dataset[PIXEL_DATA_TAG]) dataset[PIXEL_DATA_TAG] = { vr: dataset[PIXEL_DATA_TAG].vr, BulkDataURI: `${instanceUrl(baseUrl, file)}/frames/${frameList(dataset)}` };
          yield dataset;
        } catch (error) {
          logger.warn(`WADO-RS: metadata of instance ${file.sop} cannot be read and was left out: ${(error as Error).message}`);
        }
      }
    })();
  }

  /** Frames of one instance (numbers from 1) as multipart/related parts, in the order asked. */
  async frames(scope: Required<Pick<DicomwebScope, 'study' | 'series' | 'sop'>>, frames: string, accept: string | undefined): Promise<RelatedAnswer> {
    const numbers = parseFrameList(frames);
    const [file] = await this.filesOf(scope);
    const header = await readDicomHeader(file.path);
    if (!header.hasPixelData || header.pixelDataOffset === undefined) throw new PolyradError(DICOMWEB_NOT_FOUND, `instance ${file.sop} has no pixel data to take frames from`);
    const beyond = numbers.find((n) => n > header.NumberOfFrames);
    if (beyond !== undefined) throw new PolyradError(DICOMWEB_NOT_FOUND, `instance ${file.sop} has ${header.NumberOfFrames} frame(s); there is no frame ${beyond}`);
    const native = NATIVE_SYNTAXES.has(header.TransferSyntaxUID);
    const ranges = parseAccept(accept).filter((r) => r.mediaType === '*/*' || r.mediaType === 'multipart/related');
    const imageType = FRAME_MEDIA_TYPES[header.TransferSyntaxUID];
    const fits = (r: MediaRange): boolean => {
      if (r.mediaType === '*/*' || r.type === '*/*') return true;
      const type = r.type ?? 'application/octet-stream';
      if (type === 'application/octet-stream') return native ? [undefined, '*', EXPLICIT_LE].includes(r.transferSyntax) : r.transferSyntax === '*' || r.transferSyntax === header.TransferSyntaxUID;
      return !native && type === imageType && (r.transferSyntax === undefined || r.transferSyntax === '*' || r.transferSyntax === header.TransferSyntaxUID);
    };
    const chosen = ranges.find(fits);
    if (!chosen) {
      throw notAcceptable(
        native
          ? 'uncompressed frames are sent as multipart/related; type="application/octet-stream"'
          : `the frames are stored compressed (${header.TransferSyntaxUID}) and not decoded here; ask for type="application/octet-stream"; transfer-syntax=* or type="${imageType ?? 'application/octet-stream'}"`,
      );
    }
    const partType = native
      ? `application/octet-stream; transfer-syntax=${EXPLICIT_LE}`
      : `${chosen.type && chosen.type !== '*/*' ? chosen.type : 'application/octet-stream'}; transfer-syntax=${header.TransferSyntaxUID}`;
    const locate = native ? nativeFrames(header) : await encapsulatedFrames(header);
    const bigEndian = header.TransferSyntaxUID === TransferSyntax.ExplicitVRBigEndian && header.BitsAllocated > 8;
    return {
      type: chosen.type && chosen.type !== '*/*' ? chosen.type : 'application/octet-stream',
      parts: (async function* () {
        for (const n of numbers) {
          const pieces = locate(n);
          if (pieces.length === 1 && !bigEndian) {
            yield { contentType: partType, body: { path: header.path, ...pieces[0] } } satisfies RelatedPart;
            continue;
          }
          const bytes = Buffer.concat(await Promise.all(pieces.map((p) => readRange(header.path, p.start, p.length))));
          // PS3.18: uncompressed frames travel little endian
          if (bigEndian) swapWords(bytes, header.BitsAllocated / 8);
          yield { contentType: partType, body: bytes } satisfies RelatedPart;
        }
      })(),
    };
  }

  /**
   * One frame rendered as PNG (PS3.18 10.4.1.1.3): uncompressed grey or RGB frames; `window` as
   * "center,width" or "center,width,linear" in modality units. Compressed frames are not decoded here (406).
   */
  async rendered(scope: Required<Pick<DicomwebScope, 'study' | 'series' | 'sop'>>, frame: string, accept: string | undefined, window: unknown): Promise<Buffer> {
    const ranges = parseAccept(accept);
    if (!ranges.some((r) => ['*/*', 'image/*', 'image/png'].includes(r.mediaType))) throw notAcceptable('rendered frames are sent as image/png');
    const [number] = parseFrameList(frame);
    if (frame.includes(',')) throw new PolyradError(INVALID_DICOMWEB_REQUEST, 'a rendered frame is one frame number');
    const voi = parseWindow(window);
    const [file] = await this.filesOf(scope);
    const header = await readDicomHeader(file.path);
    if (number > header.NumberOfFrames) throw new PolyradError(DICOMWEB_NOT_FOUND, `instance ${file.sop} has ${header.NumberOfFrames} frame(s); there is no frame ${number}`);
    if (!NATIVE_SYNTAXES.has(header.TransferSyntaxUID)) throw notAcceptable(`frames stored compressed (${header.TransferSyntaxUID}) are not rendered here; retrieve the frame with transfer-syntax=* and render it in the viewer`);
    if (!renderable(header) || header.pixelDataOffset === undefined) {
      throw notAcceptable(`${header.PhotometricInterpretation} frames of ${header.BitsAllocated} bits are not rendered here; retrieve the frame instead`);
    }
    const [range] = nativeFrames(header)(number);
    const bytes = await readRange(header.path, range.start, range.length);
    if (header.TransferSyntaxUID === TransferSyntax.ExplicitVRBigEndian && header.BitsAllocated > 8) swapWords(bytes, header.BitsAllocated / 8);
    return encodePng(renderFrame(bytes, header, voi));
  }

  private async filesOf(scope: DicomwebScope): Promise<StoredFile[]> {
    assertScope(scope);
    const files = await this.index.files(scope);
    if (files.length === 0) {
      const what = scope.sop ? `instance ${scope.sop}` : scope.series ? `series ${scope.series}` : `study ${scope.study}`;
      throw new PolyradError(DICOMWEB_NOT_FOUND, `${what} is not stored here`);
    }
    return files;
  }
}

const instanceUrl = (baseUrl: string, file: StoredFile): string => `${baseUrl}/studies/${file.study}/series/${file.series}/instances/${file.sop}`;

function frameList(dataset: DicomJson): string {
  const count = Math.max(1, Number(dataset['00280008']?.Value?.[0] ?? 1) || 1);
  return Array.from({ length: count }, (_, i) => i + 1).join(',');
}

function parseFrameList(frames: string): number[] {
  const numbers = frames.split(',').map((f) => f.trim());
  if (numbers.length === 0 || numbers.length > 10000 || !numbers.every((n) => /^[1-9]\d{0,8}$/.test(n))) {
    throw new PolyradError(INVALID_DICOMWEB_REQUEST, `frame numbers are positive integers separated by commas, got ${JSON.stringify(frames.slice(0, 100))}`);
  }
  return numbers.map(Number);
}

/** The `window` query parameter: center,width[,linear] (other VOI functions are refused). */
function parseWindow(window: unknown): VoiWindow | undefined {
  if (window === undefined) return undefined;
  const [center, width, fn, ...rest] = String(window).split(',').map((v) => v.trim());
  const c = Number(center);
  const w = Number(width);
  if (typeof window !== 'string' || rest.length > 0 || !Number.isFinite(c) || !Number.isFinite(w) || w < 1 || (fn !== undefined && fn.toLowerCase() !== 'linear')) {
    throw new PolyradError(INVALID_DICOMWEB_REQUEST, `window must be "center,width" or "center,width,linear" with a width of at least 1, got ${JSON.stringify(String(window).slice(0, 100))}`);
  }
  return { center: c, width: w };
}

/** Media ranges of an Accept header; no header accepts anything. */
function parseAccept(accept: string | undefined): MediaRange[] {
  if (!accept?.trim()) return [{ mediaType: '*/*' }];
  return accept.split(',').map((range) => {
    const [mediaType, ...params] = range.split(';').map((p) => p.trim());
    const param = (name: string): string | undefined => {
      const found = params.find((p) => p.toLowerCase().startsWith(`${name}=`));
      return found?.slice(name.length + 1).replace(/^"|"$/g, '').trim();
    };
    const type = param('type')?.toLowerCase();
    const transferSyntax = param('transfer-syntax');
    return { mediaType: mediaType.toLowerCase(), ...(type ? { type } : {}), ...(transferSyntax ? { transferSyntax } : {}) };
  });
}

type ByteRange = { start: number; length: number };

/** Uncompressed frames lie one after another from the Pixel Data value on. */
function nativeFrames(header: DicomInstance): (n: number) => ByteRange[] {
  const bits = header.Rows * header.Columns * header.SamplesPerPixel * header.BitsAllocated;
  if (bits % 8 !== 0 && header.NumberOfFrames > 1) throw notAcceptable('frames of 1-bit multi-frame pixel data do not start on byte boundaries; retrieve the instance instead');
  const frameBytes = Math.ceil(bits / 8);
  const start = header.pixelDataOffset!;
  if (header.pixelDataLength !== undefined && header.pixelDataLength < frameBytes * header.NumberOfFrames) {
    throw new PolyradError(INVALID_DICOMWEB_REQUEST, `the pixel data of this instance holds ${header.pixelDataLength} bytes, less than its ${header.NumberOfFrames} frame(s) need`);
  }
  return (n) => [{ start: start + (n - 1) * frameBytes, length: frameBytes }];
}

/**
 * Splits encapsulated Pixel Data into frames by its item headers (no pixel bytes read): the Basic Offset
 * Table when it has one, else one fragment per frame, else every fragment for a single frame.
 */
async function encapsulatedFrames(header: DicomInstance): Promise<(n: number) => ByteRange[]> {
  const handle = await open(header.path, 'r');
  const items: ByteRange[] = [];
  try {
    const view = Buffer.alloc(8);
    for (let position = header.pixelDataOffset!; position + 8 <= header.fileSize && items.length < 100_000; ) {
      await handle.read(view, 0, 8, position);
      const group = view.readUInt16LE(0);
      const element = view.readUInt16LE(2);
      const length = view.readUInt32LE(4);
      if (group !== 0xfffe || element !== 0xe000) break;
      if (position + 8 + length > header.fileSize) throw new PolyradError('DICOM_TRUNCATED', 'the compressed pixel data is cut short');
      items.push({ start: position + 8, length });
      position += 8 + length;
    }
  } finally {
    await handle.close();
  }
  const [table, ...fragments] = items;
  if (!table || fragments.length === 0) throw new PolyradError('DICOM_MALFORMED', 'the compressed pixel data holds no fragments');
  if (header.NumberOfFrames <= 1) return () => fragments;
  if (table.length >= 4 * header.NumberOfFrames) {
    const offsets = await readRange(header.path, table.start, table.length);
    const firstFragmentItem = fragments[0].start - 8;
    const starts = Array.from({ length: header.NumberOfFrames }, (_, i) => offsets.readUInt32LE(i * 4));
    return (n) => {
      const from = firstFragmentItem + starts[n - 1];
      const to = n < starts.length ? firstFragmentItem + starts[n] : Infinity;
      return fragments.filter((f) => f.start - 8 >= from && f.start - 8 < to);
    };
  }
  if (fragments.length === header.NumberOfFrames) return (n) => [fragments[n - 1]];
  throw notAcceptable('the frames of this instance cannot be told apart (no offset table, and not one fragment per frame); retrieve the instance instead');
}

async function readRange(path: string, start: number, length: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const bytes = Buffer.alloc(length);
    const { bytesRead } = await handle.read(bytes, 0, length, start);
    if (bytesRead < length) throw new PolyradError('DICOM_TRUNCATED', 'the pixel data is cut short');
    return bytes;
  } finally {
    await handle.close();
  }
}

function swapWords(bytes: Buffer, width: number): void {
  if (width === 2) bytes.swap16();
  else if (width === 4) bytes.swap32();
}

