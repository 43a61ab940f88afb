import dicomParser, { type DataSet, type Element } from 'dicom-parser';
import { inflateRawSync } from 'node:zlib';
import { PolyradError } from '@polyrad/sdk/errors';
import { TransferSyntax } from './transfer-syntax.names.js';

export const PIXEL_DATA_TAG = 'x7fe00010';

/** A dataset parsed up to (not into) Pixel Data, with the bytes it was parsed from. */
export interface ParsedDataSet {
  dataSet: DataSet;
  TransferSyntaxUID: string;
  /** The Pixel Data element header when present; its value has not been read. */
  pixelData?: Element;
  /** True when the file started with the 128-byte preamble and "DICM". */
  part10: boolean;
}

// Two-letter VRs, to tell an explicit VR dataset without a preamble from an implicit one.
const VRS = new Set(
  'AE AS AT CS DA DS DT FD FL IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV'.split(' '),
);

function hasDicmPrefix(bytes: Uint8Array): boolean {
  return bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d;
}

/**
 * Files without the Part 10 preamble still occur (old archives, raw network dumps). Accept them only
 * when the first element looks like a real group 0008 (or 0002) element, so a text file or random
 * bytes are not "parsed" into garbage. Returns the transfer syntax to parse with, or undefined.
 */
function sniffRawDataSet(bytes: Uint8Array): string | undefined {
  if (bytes.length < 8) return undefined;
  const groupLE = bytes[0] | (bytes[1] << 8);
  const groupBE = (bytes[0] << 8) | bytes[1];
  const elementLE = bytes[2] | (bytes[3] << 8);
  const vr = String.fromCharCode(bytes[4], bytes[5]);
  if ((groupLE === 0x0008 || groupLE === 0x0002) && elementLE < 0x0100) {
    if (VRS.has(vr)) return TransferSyntax.ExplicitVRLittleEndian;
    const length = (bytes[4] | (bytes[5] << 8) | (bytes[6] << 16) | (bytes[7] << 24)) >>> 0;
    return length <= bytes.length ? TransferSyntax.ImplicitVRLittleEndian : undefined;
  }
  if ((groupBE === 0x0008 || groupBE === 0x0002) && VRS.has(vr)) return TransferSyntax.ExplicitVRBigEndian;
  return undefined;
}

/** dicom-parser throws strings, Errors, or { exception, dataSet }; get the text out. */
export function parserErrorText(thrown: unknown): string {
  if (typeof thrown === 'string') return thrown;
  if (thrown instanceof Error) return thrown.message;
  if (thrown && typeof thrown === 'object' && 'exception' in thrown) return parserErrorText((thrown as { exception: unknown }).exception);
  return String(thrown);
}

function isOutOfBytes(text: string): boolean {
  return /past end|overread|overrun|greater than or equal to 'byteArray' length|not found at offset|eof|maxP ?osition/i.test(text);
}

/** Maps whatever dicom-parser threw to a typed error naming the file. */
/** Largest inflated dataset of a deflated file (far above any real image's header and pixels). */
export const MAX_INFLATED_BYTES = 512 * 1024 ** 2;

export function toPolyradError(thrown: unknown, path: string, what: string): PolyradError {
  if (thrown instanceof PolyradError) return thrown;
  const text = parserErrorText(thrown);
  if (/0002,0010/.test(text)) {
    return new PolyradError(
      'DICOM_MISSING_ATTRIBUTE',
      'the file meta header has no TransferSyntaxUID (0002,0010), so its encoding is unknown; re-export it from the source system',
      path,
    );
  }
  if (isOutOfBytes(text)) {
    return new PolyradError('DICOM_TRUNCATED', `the file ends in the middle of ${what}; it was probably cut short in a copy or transfer, get it again from the source`, path);
  }
  return new PolyradError('DICOM_MALFORMED', `${what} could not be parsed (${text.replace(/^dicomParser\.?\w*:?\s*/, '')}); the file is corrupt or not DICOM`, path);
}

/**
 * Parses a DICOM file's bytes up to Pixel Data. `bytes` may be only the start of the file
 * (`complete` false): then running out of bytes is reported as DICOM_TRUNCATED and the caller can
 * retry with the whole file.
 */
export function parseDataSet(bytes: Uint8Array, path: string, fileSize: number): ParsedDataSet {
  if (fileSize === 0) throw new PolyradError('DICOM_EMPTY_FILE', 'the file is empty (0 bytes)', path);
  const part10 = hasDicmPrefix(bytes);
  let rawSyntax: string | undefined;
  if (!part10) {
    rawSyntax = sniffRawDataSet(bytes);
    if (!rawSyntax) {
      throw new PolyradError(
        'DICOM_NOT_DICOM',
        fileSize < 132
          ? `not a DICOM file (only ${fileSize} bytes, no "DICM" marker)`
          : 'not a DICOM file (no "DICM" marker at byte 128 and it does not start like a DICOM dataset)',
        path,
      );
    }
  }
  let dataSet: DataSet;
  try {
    dataSet = dicomParser.parseDicom(bytes, {
      untilTag: PIXEL_DATA_TAG,
      ...(rawSyntax ? { TransferSyntaxUID: rawSyntax } : {}),
      // Deflated datasets: inflate with node's zlib rather than relying on the library finding it.
      inflater: (array: Uint8Array, position: number) => {
        let inflated: Buffer;
        try {
          // a few MB of deflate can expand a thousandfold: the output is capped before it is allocated
          inflated = inflateRawSync(array.subarray(position), { maxOutputLength: MAX_INFLATED_BYTES });
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ERR_BUFFER_TOO_LARGE') throw error;
          throw new PolyradError('DICOM_DEFLATE_TOO_LARGE', `the deflated dataset expands past ${MAX_INFLATED_BYTES / 1024 ** 2} MiB; refused as a decompression bomb`, path);
        }
        const whole = new Uint8Array(position + inflated.length);
        whole.set(array.subarray(0, position), 0);
        whole.set(inflated, position);
        return whole;
      },
    } as Parameters<typeof dicomParser.parseDicom>[1]);
  } catch (thrown) {
    throw toPolyradError(thrown, path, 'the DICOM header');
  }
  const TransferSyntaxUID = rawSyntax ?? (dataSet.string('x00020010') ?? '').replace(/\0/g, '').trim();
  const pixelData = dataSet.elements[PIXEL_DATA_TAG];
  return { dataSet, TransferSyntaxUID, pixelData, part10 };
}

/**
 * Elements whose value runs past the end of the bytes (implicit VR parsing does not notice).
 * Returns the first such tag, or undefined.
 */
export function elementPastEnd(dataSet: DataSet, byteLength: number): string | undefined {
  for (const element of Object.values(dataSet.elements)) {
    if (element.tag === PIXEL_DATA_TAG || element.hadUndefinedLength) continue;
    if (element.dataOffset + element.length > byteLength) return element.tag;
  }
  return undefined;
}

/**
 * Finds the fragments of encapsulated Pixel Data, which parsing stopped in front of; reading them
 * ourselves keeps trailing bytes after Pixel Data (seen in real files) from failing the parse.
 */
export function locateFragments(parsed: ParsedDataSet, path: string): Element {
  const element = parsed.pixelData!;
  if (element.fragments) return element;
  const byteArray = parsed.dataSet.byteArray;
  try {
    const stream = new dicomParser.ByteStream(parsed.dataSet.byteArrayParser, byteArray, element.dataOffset);
    dicomParser.findEndOfEncapsulatedElement(stream, element, parsed.dataSet.warnings);
  } catch (thrown) {
    throw toPolyradError(thrown, path, 'the compressed pixel data');
  }
  // findEndOfEncapsulatedElement filled these in (the compiler still sees them as unset).
  const fragments = (element as Element).fragments ?? [];
  for (const fragment of fragments) {
    if (fragment.position + fragment.length > byteArray.length) {
      throw new PolyradError('DICOM_TRUNCATED', 'the compressed pixel data is cut short; the file was probably not copied completely', path);
    }
  }
  if (!fragments.length) {
    throw new PolyradError('DICOM_MALFORMED', 'the compressed pixel data holds no fragments; the file is corrupt', path);
  }
  return element;
}
