/**
 * DICOM UIDs are dot-separated digit groups, at most 64 characters. Leading zeros in a group break
 * the letter of PS3.5 but occur in real archives, so they are accepted: a study stored from such an
 * archive must remain retrievable.
 */
const UID_PATTERN = /^\d+(\.\d+)*$/;

export function isDicomUid(value: string): boolean {
  return value.length > 0 && value.length <= 64 && UID_PATTERN.test(value);
}
