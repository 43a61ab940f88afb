import { randomUUID } from 'node:crypto';

/** A new globally unique DICOM UID: the "2.25." root followed by a random UUID as a decimal integer (PS3.5 B.2). */
export function generateDicomUid(): string {
  return `2.25.${BigInt(`0x${randomUUID().replace(/-/g, '')}`).toString()}`;
}
