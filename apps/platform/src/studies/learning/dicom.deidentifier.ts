import { randomUUID } from 'node:crypto';
import dcmjs from 'dcmjs';

const { DicomMessage } = dcmjs.data;
const { cleanTags } = dcmjs.anonymizer;

/** StudyInstanceUID, SeriesInstanceUID, SOPInstanceUID, FrameOfReferenceUID: replaced, the same way across one export (PS3.15 E.1.1, "U"). */
const UID_TAGS = ['0020000D', '0020000E', '00080018', '00200052'];

/** A fresh UID for each original one, consistent within one export, so series and instances still belong together. */
export class UidReplacer {
  private readonly map = new Map<string, string>();

  replace(uid: string): string {
    let replaced = this.map.get(uid);
    if (!replaced) {
      // 2.25: a UID from a UUID (PS3.5 B.2), unrelated to the original
      replaced = `2.25.${BigInt(`0x${randomUUID().replaceAll('-', '')}`).toString()}`;
      this.map.set(uid, replaced);
    }
    return replaced;
  }
}

/**
 * A Part 10 file de-identified per the Basic Application Level Confidentiality Profile (PS3.15 E): dcmjs'
 * anonymizer empties or removes the profile's attributes (patient, physicians, institution, dates, free
 * text...), study, series, instance and frame-of-reference UIDs are replaced, private attributes removed, and
 * PatientIdentityRemoved / DeidentificationMethod say so. The pixels are kept.
 */
export function deidentifyDicom(part10: ArrayBuffer, uids: UidReplacer): ArrayBuffer {
  const file = DicomMessage.readFile(part10);
  const dict = file.dict;
  cleanTags(dict, { '00100010': 'ANONYMOUS', '00100020': 'ANONYMOUS' });
  for (const tag of Object.keys(dict)) if (Number.parseInt(tag.slice(0, 4), 16) % 2 === 1) delete dict[tag];
  for (const tag of UID_TAGS) {
    const value = dict[tag]?.Value?.[0];
    if (typeof value === 'string') dict[tag]!.Value = [uids.replace(value)];
  }
  const sop = dict['00080018']?.Value?.[0];
  if (typeof sop === 'string') file.meta['00020003'] = { vr: 'UI', Value: [sop] };
  dict['00120062'] = { vr: 'CS', Value: ['YES'] };
  dict['00120063'] = { vr: 'LO', Value: ['PS3.15 Basic Application Level Confidentiality Profile (dcmjs anonymizer, UIDs replaced)'] };
  return file.write();
}
