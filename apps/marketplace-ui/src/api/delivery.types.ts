/** The delivery API's shapes the app reads (apps/platform/src/delivery). */
export type DeliveryOutput = 'sr' | 'fhir' | 'hl7' | 'pdf';
export type DestinationKind = 'dicom-store' | 'dicomweb' | 'fhir' | 'hl7-mllp';

/** A destination as the API shows it: a bearer token is never read back, only whether one is set. */
export type DestinationView =
  | { id: string; kind: 'dicom-store'; host: string; port: number; calledAeTitle: string; callingAeTitle?: string }
  | { id: string; kind: 'dicomweb' | 'fhir'; url: string; tokenSet?: true }
  | { id: string; kind: 'hl7-mllp'; host: string; port: number };

/** A condition left out matches everything. */
export interface RoutingRule {
  destination: string;
  outputs: DeliveryOutput[];
  modalities?: string[];
  priorities?: Array<'urgent' | 'routine'>;
  statuses?: Array<'draft' | 'signed'>;
}

export interface DeliveryAttemptRecord {
  at: string;
  outcome: 'delivered' | 'failed';
  code?: string;
  message?: string;
  retryInMs?: number;
}

/** One report's delivery to one destination, with every attempt (GET /api/studies/{uid}/deliveries). */
export interface StudyDelivery {
  id: number;
  site: string;
  destination: string;
  kind?: DestinationKind;
  outputs: DeliveryOutput[];
  reportVersion: number;
  /** 0 preliminary, 1 final, 1 + n the n-th amendment */
  release: number;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  nextAttemptAt?: string;
  createdAt: string;
  log: DeliveryAttemptRecord[];
}
