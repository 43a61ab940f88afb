import type { DeliveryOutput } from '@polyrad/sdk';

/** The delivery API's shapes the app reads (apps/platform/src/delivery); the delivery log's come from the SDK. */
export type { DeliveryDestinationKind as DestinationKind, DeliveryOutput, StudyDelivery } from '@polyrad/sdk';

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
