import { DeliveryError } from './delivery.errors.js';

/** A destination reached over HTTP (DICOMweb, FHIR REST). */
export interface HttpDestination {
  /** the service root, e.g. http://pacs:8042/dicom-web or https://ehr.example/fhir */
  url: string;
  /** sent as `Authorization: Bearer` when given */
  token?: string;
  timeoutMs?: number;
}

/**
 * POSTs `body` to `path` under the destination's root. No answer or a 5xx is unreachable (worth retrying);
 * any other status that is not 2xx is a rejection (the same content would be refused again).
 */
export async function postToDestination(
  where: string,
  destination: HttpDestination,
  path: string,
  request: { contentType: string; accept: string; body: string | Buffer },
): Promise<{ status: number; text: string }> {
  let response: Response;
  try {
    response = await fetch(`${destination.url.replace(/\/$/, '')}${path}`, {
      method: 'POST',
      headers: {
        'Content-Type': request.contentType,
        Accept: request.accept,
        ...(destination.token ? { Authorization: `Bearer ${destination.token}` } : {}),
      },
      body: request.body,
      signal: AbortSignal.timeout(destination.timeoutMs ?? 30_000),
    });
  } catch (error) {
    throw new DeliveryError('DELIVERY_UNREACHABLE', `no answer: ${error instanceof Error ? error.message : String(error)}`, where);
  }
  const text = await response.text();
  if (response.status >= 500) throw new DeliveryError('DELIVERY_UNREACHABLE', `the server answered ${response.status}`, where);
  if (!response.ok) throw new DeliveryError('DELIVERY_REJECTED', `the server answered ${response.status}: ${text.slice(0, 500)}`, where);
  return { status: response.status, text };
}
