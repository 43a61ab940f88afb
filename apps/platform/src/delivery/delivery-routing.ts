import { type DeliveryOutput, PolyradError } from '@polyrad/sdk';
import type { ReportDocument } from '../pipeline/report/report-document.js';

export type { DeliveryOutput } from '@polyrad/sdk';

/** Where a site sends reports, by protocol. */
export type Destination =
  | { id: string; kind: 'dicom-store'; host: string; port: number; calledAeTitle: string; callingAeTitle?: string }
  | { id: string; kind: 'dicomweb'; url: string; token?: string }
  | { id: string; kind: 'fhir'; url: string; token?: string }
  | { id: string; kind: 'hl7-mllp'; host: string; port: number };

/** What each protocol can carry: a PACS takes the SR, an EHR the FHIR bundle (with the PDF), a RIS the ORU (with the PDF). */
const CARRIES: Record<Destination['kind'], DeliveryOutput[]> = { 'dicom-store': ['sr'], dicomweb: ['sr'], fhir: ['fhir'], 'hl7-mllp': ['hl7'] };

/**
 * Sends `outputs` to `destination` for the reports it matches; a condition left out matches everything
 * (modality of any analysed series, urgent or routine, draft or signed).
 */
export interface RoutingRule {
  destination: string;
  outputs: DeliveryOutput[];
  modalities?: string[];
  priorities?: Array<ReportDocument['priority']>;
  statuses?: Array<ReportDocument['status']>;
}

export class RoutingConfigError extends PolyradError {
  constructor(message: string, subject: string) {
    super('DELIVERY_ROUTING_INVALID', message, subject);
    this.name = 'RoutingConfigError';
  }
}

/** Refuses rules that name an unknown destination or an output its protocol cannot carry, before anything is sent. */
export function checkRouting(destinations: Destination[], rules: RoutingRule[]): void {
  const byId = new Map(destinations.map((d) => [d.id, d]));
  rules.forEach((rule, i) => {
    const destination = byId.get(rule.destination);
    if (!destination) throw new RoutingConfigError(`names destination "${rule.destination}", which is not configured (known: ${[...byId.keys()].join(', ') || 'none'})`, `rule ${i + 1}`);
    const unsupported = rule.outputs.filter((o) => !CARRIES[destination.kind].includes(o));
    if (unsupported.length) throw new RoutingConfigError(`sends ${unsupported.join(', ')} to ${destination.kind} destination "${destination.id}", which carries only ${CARRIES[destination.kind].join(', ')}`, `rule ${i + 1}`);
  });
}

/** The outputs each destination gets for this report (rules matched, outputs merged per destination, in rule order). */
export function routeReport(doc: Pick<ReportDocument, 'series' | 'priority' | 'status'>, rules: RoutingRule[]): Array<{ destination: string; outputs: DeliveryOutput[] }> {
  const modalities = new Set(doc.series.map((s) => s.modality));
  const routes = new Map<string, Set<DeliveryOutput>>();
  for (const rule of rules) {
    if (rule.modalities && !rule.modalities.some((m) => modalities.has(m))) continue;
    if (rule.priorities && !rule.priorities.includes(doc.priority)) continue;
    if (rule.statuses && !rule.statuses.includes(doc.status)) continue;
    const outputs = routes.get(rule.destination) ?? new Set<DeliveryOutput>();
    rule.outputs.forEach((o) => outputs.add(o));
    routes.set(rule.destination, outputs);
  }
  return [...routes].map(([destination, outputs]) => ({ destination, outputs: [...outputs] }));
}
