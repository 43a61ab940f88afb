import { randomUUID } from 'node:crypto';
import { DeliveryError } from './delivery.errors.js';
import { postToDestination, type HttpDestination } from './http-delivery.js';

/** A DICOMweb server that takes STOW-RS (PS3.18 10.5); `url` is its DICOMweb root. */
export type DicomWebDestination = HttpDestination;

/** FailedSOPSequence (0008,1198) of a STOW-RS answer in DICOM JSON. */
const FAILED_SOP_SEQUENCE = '00081198';

/**
 * Stores Part 10 instances with one STOW-RS request. Success is a 200 naming no failed instance; a 4xx or a
 * failed instance is a rejection, anything else (no answer, 5xx) unreachable, worth retrying.
 */
export async function stowInstances(destination: DicomWebDestination, instances: Buffer[]): Promise<void> {
  const where = `STOW-RS@${destination.url}`;
  const boundary = `polyrad-${randomUUID()}`;
  const body = Buffer.concat([
    ...instances.flatMap((part) => [Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`), part, Buffer.from('\r\n')]),
    Buffer.from(`--${boundary}--\r\n`),
  ]);
  const { status, text } = await postToDestination(where, destination, '/studies', {
    contentType: `multipart/related; type="application/dicom"; boundary=${boundary}`,
    accept: 'application/dicom+json',
    body,
  });
  const answer = (text ? JSON.parse(text) : {}) as Record<string, { Value?: unknown[] }>;
  const failed = answer[FAILED_SOP_SEQUENCE]?.Value?.length ?? 0;
  if (failed > 0 || status === 202) throw new DeliveryError('DELIVERY_REJECTED', `${failed} of ${instances.length} instances refused`, where);
}
