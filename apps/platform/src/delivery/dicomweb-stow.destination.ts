import { randomUUID } from 'node:crypto';
import { DeliveryError } from './delivery.errors.js';

/** A DICOMweb server that takes STOW-RS (PS3.18 10.5). */
export interface DicomWebDestination {
  /** the DICOMweb root, e.g. http://pacs:8042/dicom-web */
  url: string;
  /** sent as `Authorization: Bearer` when given */
  token?: string;
  timeoutMs?: number;
}

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
  let response: Response;
  try {
    response = await fetch(`${destination.url.replace(/\/$/, '')}/studies`, {
      method: 'POST',
      headers: {
        'Content-Type': `multipart/related; type="application/dicom"; boundary=${boundary}`,
        Accept: 'application/dicom+json',
        ...(destination.token ? { Authorization: `Bearer ${destination.token}` } : {}),
      },
      body,
      signal: AbortSignal.timeout(destination.timeoutMs ?? 30_000),
    });
  } catch (error) {
    throw new DeliveryError('DELIVERY_UNREACHABLE', `no answer: ${error instanceof Error ? error.message : String(error)}`, where);
  }
  const text = await response.text();
  if (response.status >= 500) throw new DeliveryError('DELIVERY_UNREACHABLE', `the server answered ${response.status}`, where);
  if (!response.ok) throw new DeliveryError('DELIVERY_REJECTED', `the server answered ${response.status}: ${text.slice(0, 300)}`, where);
  const answer = (text ? JSON.parse(text) : {}) as Record<string, { Value?: unknown[] }>;
  const failed = answer[FAILED_SOP_SEQUENCE]?.Value?.length ?? 0;
  if (failed > 0 || response.status === 202) throw new DeliveryError('DELIVERY_REJECTED', `${failed} of ${instances.length} instances refused`, where);
}
