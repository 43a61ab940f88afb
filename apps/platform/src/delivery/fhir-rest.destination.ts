import type { Bundle } from 'fhir/r4.js';
import { DeliveryError } from './delivery.errors.js';

/** An EHR's FHIR R4 REST endpoint. */
export interface FhirDestination {
  /** the FHIR base URL, e.g. https://ehr.example/fhir */
  url: string;
  /** sent as `Authorization: Bearer` when given */
  token?: string;
  timeoutMs?: number;
}

/**
 * Posts the transaction bundle to the FHIR base and resolves when the server committed it. The entries are
 * conditional updates on derived identifiers, so re-sending updates what is there rather than duplicating it.
 */
export async function postFhirBundle(destination: FhirDestination, bundle: Bundle): Promise<Bundle> {
  const where = `FHIR@${destination.url}`;
  let response: Response;
  try {
    response = await fetch(destination.url.replace(/\/$/, ''), {
      method: 'POST',
      headers: {
        'Content-Type': 'application/fhir+json',
        Accept: 'application/fhir+json',
        ...(destination.token ? { Authorization: `Bearer ${destination.token}` } : {}),
      },
      body: JSON.stringify(bundle),
      signal: AbortSignal.timeout(destination.timeoutMs ?? 30_000),
    });
  } catch (error) {
    throw new DeliveryError('DELIVERY_UNREACHABLE', `no answer: ${error instanceof Error ? error.message : String(error)}`, where);
  }
  const text = await response.text();
  if (response.status >= 500) throw new DeliveryError('DELIVERY_UNREACHABLE', `the server answered ${response.status}`, where);
  if (!response.ok) throw new DeliveryError('DELIVERY_REJECTED', `the server answered ${response.status}: ${text.slice(0, 500)}`, where);
  return JSON.parse(text) as Bundle;
}
