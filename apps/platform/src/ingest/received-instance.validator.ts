import type { DicomInstance } from '@polyrad/dicom';
import { PolyradError } from '@polyrad/sdk';

export const DICOM_MISSING_ATTRIBUTE = 'DICOM_MISSING_ATTRIBUTE';
export const DICOM_INVALID_ATTRIBUTE = 'DICOM_INVALID_ATTRIBUTE';
export const DICOM_TRUNCATED_PIXEL_DATA = 'DICOM_TRUNCATED_PIXEL_DATA';

// PS3.5 9.1: digits separated by dots, no leading zero in a component, 64 characters at most
const UID = /^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$/;

/**
 * Refuses a received image that cannot be stored as what it claims to be: an identifying UID missing or
 * malformed (it would be indexed under an empty or foreign key), geometry that is not numbers, or native
 * pixel data shorter than its Rows x Columns x frames declare. Throws PolyradError naming the attribute.
 */
export function checkReceivedInstance(header: DicomInstance): void {
  for (const [keyword, tag] of [['SOPInstanceUID', '0008,0018'], ['StudyInstanceUID', '0020,000D'], ['SeriesInstanceUID', '0020,000E']] as const) {
    const value = header[keyword];
    if (value === '') throw new PolyradError(DICOM_MISSING_ATTRIBUTE, `${keyword} (${tag}) is missing; the sender must give every instance its UIDs`, header.path);
    if (value.length > 64 || !UID.test(value)) throw new PolyradError(DICOM_INVALID_ATTRIBUTE, `${keyword} (${tag}) "${value.slice(0, 80)}" is not a valid UID`, header.path);
  }
  if (header.unusableAttributes) {
    throw new PolyradError(DICOM_INVALID_ATTRIBUTE, `${header.unusableAttributes.join(', ')} ${header.unusableAttributes.length === 1 ? 'is' : 'are'} not valid numbers`, header.path);
  }
  if (header.Rows === 0 || header.Columns === 0 || header.BitsAllocated === 0) {
    throw new PolyradError(DICOM_MISSING_ATTRIBUTE, 'Rows, Columns or BitsAllocated (0028,0010/0011/0100) is missing, so the pixel data cannot be read', header.path);
  }
  if (header.pixelDataLength !== undefined) {
    const bits = header.Rows * header.Columns * header.SamplesPerPixel * header.NumberOfFrames * header.BitsAllocated;
    const expected = Math.ceil(bits / 8);
    if (header.pixelDataLength < expected) {
      throw new PolyradError(
        DICOM_TRUNCATED_PIXEL_DATA,
        `the pixel data holds ${header.pixelDataLength} bytes where ${header.Rows} x ${header.Columns} x ${header.SamplesPerPixel} samples x ${header.NumberOfFrames} frames at ${header.BitsAllocated} bits need ${expected}`,
        header.path,
      );
    }
  }
}
