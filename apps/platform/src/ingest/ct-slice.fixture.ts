import { CT_IMAGE_STORAGE, IMPLICIT_LE, RawPeer, cStoreRq, implicitElement, type ProposedContext } from './raw-association.fixture.js';

/** The presentation context ctSlice is sent in. */
export const CT_SLICE_CONTEXT: ProposedContext = { id: 1, abstractSyntax: CT_IMAGE_STORAGE, transferSyntaxes: [IMPLICIT_LE] };

/** A DICOM string value padded to even length (UIDs with NUL, text with a space). */
export const text = (value: string, pad = ' '): Buffer => Buffer.from(value.length % 2 ? value + pad : value, 'ascii');
const us = (n: number): Buffer => Buffer.from([n & 0xff, n >> 8]);

/** An 8 x 8 CT slice in implicit VR little endian; each attribute can be replaced (a Buffer) or left out (null). */
export function ctSlice(uids: { study: string; series: string; sop: string }, changes: Record<string, Buffer | null> = {}): Buffer {
  const elements: Array<[string, number, number, Buffer]> = [
    ['SOPClassUID', 0x0008, 0x0016, text(CT_IMAGE_STORAGE, '\0')],
    ['SOPInstanceUID', 0x0008, 0x0018, text(uids.sop, '\0')],
    ['Modality', 0x0008, 0x0060, text('CT')],
    ['PatientName', 0x0010, 0x0010, text('HOSTILE^TEST')],
    ['PatientID', 0x0010, 0x0020, text('HOSTILE-1')],
    ['StudyInstanceUID', 0x0020, 0x000d, text(uids.study, '\0')],
    ['SeriesInstanceUID', 0x0020, 0x000e, text(uids.series, '\0')],
    ['ImagePositionPatient', 0x0020, 0x0032, text('0\\0\\0')],
    ['ImageOrientationPatient', 0x0020, 0x0037, text('1\\0\\0\\0\\1\\0')],
    ['SamplesPerPixel', 0x0028, 0x0002, us(1)],
    ['PhotometricInterpretation', 0x0028, 0x0004, text('MONOCHROME2')],
    ['Rows', 0x0028, 0x0010, us(8)],
    ['Columns', 0x0028, 0x0011, us(8)],
    ['PixelSpacing', 0x0028, 0x0030, text('0.5\\0.5')],
    ['BitsAllocated', 0x0028, 0x0100, us(16)],
    ['BitsStored', 0x0028, 0x0101, us(16)],
    ['HighBit', 0x0028, 0x0102, us(15)],
    ['PixelRepresentation', 0x0028, 0x0103, us(0)],
    ['PixelData', 0x7fe0, 0x0010, Buffer.alloc(8 * 8 * 2, 7)],
  ];
  return Buffer.concat(
    elements.flatMap(([keyword, group, element, value]) => {
      const changed = keyword in changes ? changes[keyword] : value;
      return changed === null ? [] : [implicitElement(group, element, changed!)];
    }),
  );
}

/** Sends one dataset by C-STORE on a fresh association in CT_SLICE_CONTEXT and returns the answer (status and error comment). */
export async function storeRaw(port: number, callingAe: string, sop: string, dataset: Buffer): Promise<{ status: number; errorComment: string }> {
  const peer = await RawPeer.open(port);
  try {
    const { accepted } = await peer.associate(callingAe, [CT_SLICE_CONTEXT]);
    if (!accepted.has(CT_SLICE_CONTEXT.id)) throw new Error('the listener refused the CT presentation context');
    const answer = await peer.request(CT_SLICE_CONTEXT.id, cStoreRq(1, CT_IMAGE_STORAGE, sop), dataset);
    if (!answer) throw new Error('the listener closed without answering the C-STORE');
    return answer;
  } finally {
    peer.close();
  }
}
