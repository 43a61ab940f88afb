import { open, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { DataSet } from 'dicom-parser';
import { PolyradError } from '@polyrad/sdk/errors';
import type { Vec3 } from '@polyrad/sdk';
import type { DicomInstance } from './dicom-instance.types.js';
import { elementPastEnd, parseDataSet, type ParsedDataSet } from './dicom-dataset.parser.js';
import { TransferSyntax } from './transfer-syntax.names.js';
import { unreadable } from './file-error.mapper.js';
import { readModalityLut } from './modality-lut.reader.js';
import { fixed, number, numbers, text } from './dicom-values.reader.js';
import { frameAttributes, frameStacks } from './enhanced-frames.reader.js';

export const DICOMDIR_SOP_CLASS_UID = '1.2.840.10008.1.3.10';

export interface ReadDicomHeaderOptions {
  /** Reject files without Pixel Data (SR, RT plans, DICOMDIR...). Default true. */
  requirePixelData?: boolean;
}

// Headers are almost always well inside this; larger ones are read again with a longer prefix.
const HEADER_FIRST_READ_BYTES = 16 * 1024;

/** Two spacings that can be used as distances: finite and positive; anything else reads as absent. */
function positivePair(values: number[] | undefined): [number, number] | undefined {
  return values && values.length === 2 && values[0] > 0 && values[1] > 0 ? (values as [number, number]) : undefined;
}


function us(ds: DataSet, tag: string): number | undefined {
  const element = ds.elements[tag];
  return element && element.length >= 2 ? ds.uint16(tag) : undefined;
}

/** US-or-SS attributes (padding values) follow PixelRepresentation; read the 16-bit pattern and interpret it. */
function usOrSs(ds: DataSet, tag: string, signed: boolean): number | undefined {
  const raw = us(ds, tag);
  if (raw === undefined) return undefined;
  return signed && raw >= 0x8000 ? raw - 0x10000 : raw;
}

/** The instance record of a parsed dataset. */
export function instanceFromDataSet(path: string, fileSize: number, parsed: ParsedDataSet): DicomInstance {
  const ds = parsed.dataSet;
  const PixelRepresentation = us(ds, 'x00280103') ?? 0;
  const BitsAllocated = us(ds, 'x00280100') ?? 0;
  const BitsStored = us(ds, 'x00280101') ?? BitsAllocated;
  return {
    path,
    fileSize,
    TransferSyntaxUID: parsed.TransferSyntaxUID,
    MediaStorageSOPClassUID: text(ds, 'x00020002'),
    SOPClassUID: text(ds, 'x00080016'),
    SOPInstanceUID: text(ds, 'x00080018'),
    StudyInstanceUID: text(ds, 'x0020000d'),
    SeriesInstanceUID: text(ds, 'x0020000e'),
    FrameOfReferenceUID: text(ds, 'x00200052'),
    PatientID: text(ds, 'x00100020'),
    PatientName: text(ds, 'x00100010'),
    PatientBirthDate: text(ds, 'x00100030'),
    IssuerOfPatientID: text(ds, 'x00100021'),
    PatientSex: text(ds, 'x00100040'),
    PatientAge: text(ds, 'x00101010'),
    StudyDate: text(ds, 'x00080020'),
    StudyTime: text(ds, 'x00080030'),
    SeriesDate: text(ds, 'x00080021'),
    AccessionNumber: text(ds, 'x00080050'),
    StudyDescription: text(ds, 'x00081030'),
    SeriesDescription: text(ds, 'x0008103e'),
    Modality: text(ds, 'x00080060'),
    SeriesNumber: number(ds, 'x00200011'),
    InstanceNumber: number(ds, 'x00200013'),
    AcquisitionNumber: number(ds, 'x00200012'),
    BodyPartExamined: text(ds, 'x00180015'),
    ViewPosition: text(ds, 'x00185101'),
    ImageType: text(ds, 'x00080008').split('\\').map((v) => v.trim()).filter(Boolean),
    ConvolutionKernel: text(ds, 'x00181210'),
    ContrastBolusAgent: text(ds, 'x00180010'),
    KVP: number(ds, 'x00180060'),
    Manufacturer: text(ds, 'x00080070'),
    ManufacturerModelName: text(ds, 'x00081090'),
    PatientPosition: text(ds, 'x00185100'),
    Rows: us(ds, 'x00280010') ?? 0,
    Columns: us(ds, 'x00280011') ?? 0,
    BitsAllocated,
    BitsStored,
    HighBit: us(ds, 'x00280102') ?? BitsStored - 1,
    PixelRepresentation,
    SamplesPerPixel: us(ds, 'x00280002') ?? 1,
    PhotometricInterpretation: text(ds, 'x00280004'),
    PlanarConfiguration: us(ds, 'x00280006'),
    ImagePositionPatient: fixed(numbers(ds, 'x00200032'), 3) as Vec3 | undefined,
    ImageOrientationPatient: fixed(numbers(ds, 'x00200037'), 6) as DicomInstance['ImageOrientationPatient'],
    PixelSpacing: positivePair(numbers(ds, 'x00280030')),
    ImagerPixelSpacing: positivePair(numbers(ds, 'x00181164')),
    SliceThickness: number(ds, 'x00180050'),
    SpacingBetweenSlices: number(ds, 'x00180088'),
    SliceLocation: number(ds, 'x00201041'),
    RescaleSlope: number(ds, 'x00281053') ?? 1,
    RescaleIntercept: number(ds, 'x00281052') ?? 0,
    RescaleType: text(ds, 'x00281054'),
    ModalityLUTSequence: readModalityLut(ds, PixelRepresentation === 1, path),
    PixelPaddingValue: usOrSs(ds, 'x00280120', PixelRepresentation === 1),
    PixelPaddingRangeLimit: usOrSs(ds, 'x00280121', PixelRepresentation === 1),
    NumberOfFrames: number(ds, 'x00280008') ?? 1,
    WindowCenter: number(ds, 'x00281050'),
    WindowWidth: number(ds, 'x00281051'),
    hasPixelData: Boolean(parsed.pixelData),
    ...pixelDataLocation(parsed),
    ...unusableGeometry(ds),
  };
}

/** Geometry attributes that are present but not the finite (and for spacings positive) numbers DICOM requires. */
function unusableGeometry(ds: DataSet): Pick<DicomInstance, 'unusableAttributes'> {
  const present = (tag: string): boolean => text(ds, tag) !== '';
  const unusable = [
    present('x00280030') && !positivePair(numbers(ds, 'x00280030')) ? 'PixelSpacing (0028,0030)' : undefined,
    present('x00181164') && !positivePair(numbers(ds, 'x00181164')) ? 'ImagerPixelSpacing (0018,1164)' : undefined,
    present('x00200032') && !fixed(numbers(ds, 'x00200032'), 3) ? 'ImagePositionPatient (0020,0032)' : undefined,
    present('x00200037') && !fixed(numbers(ds, 'x00200037'), 6) ? 'ImageOrientationPatient (0020,0037)' : undefined,
  ].filter((name): name is string => name !== undefined);
  return unusable.length > 0 ? { unusableAttributes: unusable } : {};
}

/** Where the pixel values start in the file, when file offsets mean something (everything but deflate). */
function pixelDataLocation(parsed: ParsedDataSet): Pick<DicomInstance, 'pixelDataOffset' | 'pixelDataLength'> {
  const element = parsed.pixelData;
  if (!element || parsed.TransferSyntaxUID === TransferSyntax.DeflatedExplicitVRLittleEndian) return {};
  return { pixelDataOffset: element.dataOffset, pixelDataLength: element.hadUndefinedLength ? undefined : element.length };
}

type FileHandle = Awaited<ReturnType<typeof open>>;

async function openFile(path: string): Promise<FileHandle> {
  try {
    return await open(path, 'r');
  } catch (error) {
    throw unreadable(error, path);
  }
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Uint8Array> {
  const bytes = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(bytes, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return bytes.subarray(0, done);
}

/**
 * Walks the item headers of encapsulated Pixel Data (8 bytes each, no pixel bytes read) so a file
 * cut inside its compressed frames is caught at scan time, not when a volume is loaded.
 */
async function checkEncapsulatedComplete(handle: FileHandle, start: number, fileSize: number, path: string): Promise<void> {
  let position = start;
  // Enough for any real multi-frame object; past it, decoding will tell.
  for (let items = 0; items < 20000; items++) {
    if (position === fileSize && items > 1) return; // no sequence delimiter, but whole items: tolerated
    if (position + 8 > fileSize) break;
    const header = await readAt(handle, position, 8);
    const view = new DataView(header.buffer, header.byteOffset, 8);
    const group = view.getUint16(0, true);
    const element = view.getUint16(2, true);
    const length = view.getUint32(4, true);
    if (group === 0xfffe && element === 0xe0dd) return;
    if (group !== 0xfffe || element !== 0xe000) {
      throw new PolyradError('DICOM_MALFORMED', `the compressed pixel data is corrupt (unexpected tag (${group.toString(16)},${element.toString(16)}) at byte ${position})`, path);
    }
    position += 8 + length;
    if (position > fileSize) break;
  }
  if (position <= fileSize) return;
  throw new PolyradError('DICOM_TRUNCATED', 'the compressed pixel data is cut short; the file was probably not copied completely, get it again from the source', path);
}

/** Reads the first `length` bytes of a file (a header before Pixel Data); typed errors as readWholeFile. */
export async function readFilePrefix(path: string, length: number): Promise<Uint8Array> {
  const handle = await openFile(path);
  try {
    return await readAt(handle, 0, length);
  } catch (error) {
    throw unreadable(error, path);
  } finally {
    await handle.close();
  }
}

/** Reads a whole file; typed errors for missing or unreadable files. */
export async function readWholeFile(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    throw unreadable(error, path);
  }
}

/**
 * Parses a file's header from a prefix of the file: first 16 KiB (most headers fit), then 8 times more
 * until Pixel Data is reached, so a big file is never read whole just to learn what it is. Also
 * checks that the file is complete as far as the header can tell.
 */
export async function parseDicomFileHeader(filePath: string): Promise<{ parsed: ParsedDataSet; fileSize: number; path: string }> {
  const path = resolve(filePath);
  const handle = await openFile(path);
  try {
    let fileSize: number;
    try {
      fileSize = (await handle.stat()).size;
    } catch (error) {
      throw unreadable(error, path);
    }
    let bytes: Uint8Array;
    let parsed: ParsedDataSet | undefined;
    for (let size = Math.min(fileSize, HEADER_FIRST_READ_BYTES); ; ) {
      try {
        bytes = await readAt(handle, 0, size);
      } catch (error) {
        throw unreadable(error, path);
      }
      // Whole file read, or it shrank under us: parse what there is (a cut file fails there).
      if (bytes.length >= fileSize || bytes.length < size) break;
      try {
        parsed = parseDataSet(bytes, path, fileSize);
        // Stopped at the prefix's end rather than at Pixel Data, or needs the whole file to inflate: read more.
        if (parsed.pixelData && parsed.TransferSyntaxUID !== TransferSyntax.DeflatedExplicitVRLittleEndian) break;
        size = parsed.TransferSyntaxUID === TransferSyntax.DeflatedExplicitVRLittleEndian ? fileSize : Math.min(fileSize, size * 8);
      } catch (error) {
        if (error instanceof PolyradError && (error.code === 'DICOM_NOT_DICOM' || error.code === 'DICOM_EMPTY_FILE')) throw error;
        size = Math.min(fileSize, size * 8);
      }
      parsed = undefined;
    }
    parsed ??= parseDataSet(bytes, path, fileSize);
    const complete = bytes.length >= fileSize;
    const pastEnd = complete ? elementPastEnd(parsed.dataSet, parsed.dataSet.byteArray.length) : undefined;
    if (pastEnd) {
      throw new PolyradError('DICOM_TRUNCATED', `the file ends inside attribute (${pastEnd.slice(1, 5)},${pastEnd.slice(5)}); it was probably cut short in a copy or transfer`, path);
    }
    const pixel = parsed.pixelData;
    if (pixel && parsed.TransferSyntaxUID !== TransferSyntax.DeflatedExplicitVRLittleEndian) {
      if (pixel.hadUndefinedLength) {
        await checkEncapsulatedComplete(handle, pixel.dataOffset, fileSize, path);
      } else if (pixel.dataOffset + pixel.length > fileSize) {
        throw new PolyradError(
          'DICOM_TRUNCATED',
          `the pixel data is cut short: ${pixel.length} bytes declared, only ${Math.max(0, fileSize - pixel.dataOffset)} present; the file was probably not copied completely`,
          path,
        );
      }
    }
    return { parsed, fileSize, path };
  } finally {
    await handle.close();
  }
}

/**
 * Reads one DICOM file's header (everything before Pixel Data) into an instance record; pixels are
 * not decoded. Throws PolyradError (subject = the file) for empty, non-DICOM, truncated or corrupt
 * files, and for files without pixel data unless `requirePixelData` is false.
 */
/**
 * Several stacks in one enhanced file (a three-plane localizer, axial and sagittal MR), noted at scan
 * time, where the functional groups are parsed anyway, so groupSeries can split them. Only a hint:
 * groups that cannot be read give none here and a typed error when the file is loaded.
 */
function stacksOf(instance: DicomInstance, parsed: ParsedDataSet): DicomInstance['stacks'] {
  try {
    const attributes = frameAttributes(parsed.dataSet, instance.NumberOfFrames);
    const stacks = attributes?.every((a) => a.ImagePositionPatient) ? frameStacks(attributes, instance.ImageOrientationPatient) : [];
    return stacks.length > 1 ? stacks : undefined;
  } catch {
    return undefined;
  }
}

export async function readDicomHeader(filePath: string, options: ReadDicomHeaderOptions = {}): Promise<DicomInstance> {
  const { parsed, fileSize, path } = await parseDicomFileHeader(filePath);
  const instance = instanceFromDataSet(path, fileSize, parsed);
  const stacks = instance.NumberOfFrames > 1 ? stacksOf(instance, parsed) : undefined;
  if (stacks) instance.stacks = stacks;
  if (options.requirePixelData ?? true) {
    if (instance.MediaStorageSOPClassUID === DICOMDIR_SOP_CLASS_UID) {
      throw new PolyradError('DICOM_DICOMDIR', 'is a DICOMDIR (an index of other files), not an image; its folder is read instead', path);
    }
    if (!instance.hasPixelData) {
      const what = instance.Modality ? `a ${instance.Modality} object` : 'a DICOM object';
      throw new PolyradError('DICOM_NO_PIXEL_DATA', `${what} without pixel data (SOPClassUID ${instance.SOPClassUID || 'missing'}); it is not an image`, path);
    }
  }
  return instance;
}
