import type { Bundle } from 'fhir/r4.js';
import { postToDestination, type HttpDestination } from './http-delivery.js';

/** An EHR's FHIR R4 REST endpoint; `url` is its FHIR base. */
export type FhirDestination = HttpDestination;

/**
 * Posts the transaction bundle to the FHIR base and resolves with the server's answer once it committed it.
 * Every entry is an update at an id derived from the report, so re-sending rewrites rather than duplicates.
 */
export async function postFhirBundle(destination: FhirDestination, bundle: Bundle): Promise<Bundle> {
  const { text } = await postToDestination(`FHIR@${destination.url}`, destination, '', {
    contentType: 'application/fhir+json',
    accept: 'application/fhir+json',
    body: JSON.stringify(bundle),
  });
  return JSON.parse(text) as Bundle;
}
