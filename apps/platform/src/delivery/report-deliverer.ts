import { deliverWithRetry, DEFAULT_RETRY_POLICY, type DeliveryAttempt, type RetryPolicy } from './delivery-retry.js';
import { checkRouting, routeReport, type DeliveryOutput, type Destination, type RoutingRule } from './delivery-routing.js';
import { stowInstances } from './dicomweb-stow.destination.js';
import { storeInstance } from './dicom-store.destination.js';
import { postFhirBundle } from './fhir-rest.destination.js';
import { sendHl7 } from './hl7-mllp.destination.js';
import type { RenderedReport } from './report-renderer.js';

/** What became of one report at one destination: the delivery log entry. */
export interface DeliveryLogEntry {
  destination: string;
  outputs: DeliveryOutput[];
  delivered: boolean;
  attempts: DeliveryAttempt[];
}

/** The DICOM instances of a report a PACS gets: the SR, the SEGs and the key images' Secondary Captures. */
const dicomInstances = (report: RenderedReport): Buffer[] => [report.sr, ...report.segs.map((s) => s.bytes), ...report.keyImages];

/** Sends what the destination's protocol carries of a rendered report: the SR with SEGs and key images, the FHIR bundle (with the PDF) or the ORU (with the PDF). */
export async function sendToDestination(destination: Destination, report: RenderedReport): Promise<void> {
  switch (destination.kind) {
    case 'dicom-store':
      for (const instance of dicomInstances(report)) await storeInstance(destination, instance);
      return;
    case 'dicomweb':
      return stowInstances(destination, dicomInstances(report));
    case 'fhir':
      return void (await postFhirBundle(destination, report.fhir));
    case 'hl7-mllp':
      return sendHl7(destination, report.hl7);
  }
}

/**
 * Sends a rendered report wherever the rules route it, every destination at once and each with its own
 * retries, so one that is down delays nobody else. Never throws for a destination: the log says what
 * arrived; a bad configuration is refused before anything is sent.
 */
export async function deliverReport(
  report: RenderedReport,
  destinations: Destination[],
  rules: RoutingRule[],
  options: { policy?: RetryPolicy; wait?: (ms: number) => Promise<unknown> } = {},
): Promise<DeliveryLogEntry[]> {
  checkRouting(destinations, rules);
  const byId = new Map(destinations.map((d) => [d.id, d]));
  return Promise.all(
    routeReport(report.doc, rules).map(async ({ destination, outputs }) => {
      const target = byId.get(destination) as Destination;
      const { delivered, attempts } = await deliverWithRetry(() => sendToDestination(target, report), options.policy ?? DEFAULT_RETRY_POLICY, options.wait);
      return { destination, outputs, delivered, attempts };
    }),
  );
}
