/** The delivered forms of a report (the files `polyrad analyze` writes). */
export type DeliveryOutput = 'sr' | 'fhir' | 'hl7' | 'pdf';

/** The protocols a site's destinations speak. */
export type DeliveryDestinationKind = 'dicom-store' | 'dicomweb' | 'fhir' | 'hl7-mllp';

/** One try to deliver a report, as the platform's delivery log shows it. */
export interface DeliveryAttemptRecord {
  at: string;
  outcome: 'delivered' | 'failed';
  code?: string;
  message?: string;
  retryInMs?: number;
}

/** One report's delivery to one destination, with every attempt (the platform's GET /api/studies/\{uid\}/deliveries). */
export interface StudyDelivery {
  id: number;
  site: string;
  destination: string;
  /** the destination's protocol; absent once the destination was deleted */
  kind?: DeliveryDestinationKind;
  outputs: DeliveryOutput[];
  reportVersion: number;
  /** which release of the report this delivery sends: 0 preliminary, 1 final, 1 + n the n-th amendment */
  release: number;
  status: 'pending' | 'delivered' | 'failed';
  /** attempts since it was queued or last re-sent */
  attempts: number;
  /** when the next attempt is due (pending only) */
  nextAttemptAt?: string;
  createdAt: string;
  log: DeliveryAttemptRecord[];
}
