import { createHash } from 'node:crypto';
import type { ReportDocument } from '../pipeline/report/report-document.js';

/**
 * Identifiers of everything delivered for one report, derived (never random) from the study UID and the
 * report's identity: its generation time, which changes only when the study is analysed again, and its
 * release (preliminary, final, each amendment). Writing or re-sending the same release therefore gives the
 * same SR SOP Instance UID, FHIR identifiers and HL7 control ID, so a PACS, an EHR or a RIS that already has
 * it replaces or ignores it instead of storing a duplicate. A new release is a new SR instance (an SR's
 * content never changes under its UID, PS3.3 C.17.2) and a new HL7 message, while the FHIR resources keep
 * their ids and change status; a new analysis is a new report and gets new ones.
 */
export interface DeliveryIdentifiers {
  srSeriesInstanceUid: string;
  srSopInstanceUid: string;
  /** the SR of the release before this one (the final's preliminary, an amendment's final or previous amendment) */
  srPredecessorUid?: string;
  /** FHIR logical id and identifier value of each resource (FHIR ids: up to 64 of [A-Za-z0-9-.]) */
  fhir: { bundle: string; diagnosticReport: string; imagingStudy: string; observation(index: number): string; device(algorithm: string): string };
  /** HL7 MSH-10 (at most 20 characters) */
  hl7ControlId: string;
  /** HL7 ORC-2 / OBR-2 placer and ORC-3 / OBR-3 filler order number */
  hl7FillerOrderNumber: string;
  /** The tracking UID of a finding: the plugin's own when it gave one (a nodule followed across studies), else derived. */
  trackingUid(index: number, pluginTrackingUid?: unknown): string;
}

function digest(...parts: string[]): Buffer {
  return createHash('sha256').update(parts.join('\u0000')).digest();
}

/** A UID under the 2.25 root from 128 bits of a SHA-256 digest (PS3.5 B.2: a UUID-sized integer). */
export function derivedUid(...parts: string[]): string {
  return `2.25.${BigInt(`0x${digest(...parts).subarray(0, 16).toString('hex')}`).toString()}`;
}

function derivedId(length: number, ...parts: string[]): string {
  return digest(...parts).toString('hex').slice(0, length);
}

const UID = /^[0-2](\.(0|[1-9]\d*))+$/;

/** What a document is released as: 0 preliminary (a draft), 1 final (signed), 1 + n its n-th amendment. */
export interface ReportRelease {
  number: number;
  stage: 'preliminary' | 'final' | 'amended';
}

export function reportRelease(doc: Partial<Pick<ReportDocument, 'signoff' | 'amendment'>>): ReportRelease {
  if (doc.amendment) return { number: 1 + doc.amendment.number, stage: 'amended' };
  return doc.signoff ? { number: 1, stage: 'final' } : { number: 0, stage: 'preliminary' };
}

/** The parts a release adds to a derived identifier: none for the preliminary, so its identifiers never changed. */
const releaseParts = (release: number): string[] => (release === 0 ? [] : [`release-${release}`]);

export function deliveryIdentifiers(doc: Pick<ReportDocument, 'study' | 'generatedAt'> & Partial<Pick<ReportDocument, 'signoff' | 'amendment'>>): DeliveryIdentifiers {
  const study = doc.study.studyInstanceUid;
  const report = [study, doc.generatedAt];
  const release = reportRelease(doc).number;
  const srUid = (n: number) => derivedUid('polyrad-sr', ...report, ...releaseParts(n));
  return {
    srSeriesInstanceUid: derivedUid('polyrad-sr-series', study),
    srSopInstanceUid: srUid(release),
    ...(release > 0 ? { srPredecessorUid: srUid(release - 1) } : {}),
    fhir: {
      bundle: derivedId(32, 'fhir-bundle', ...report),
      diagnosticReport: derivedId(32, 'fhir-diagnostic-report', ...report),
      imagingStudy: derivedId(32, 'fhir-imaging-study', study),
      observation: (index) => derivedId(32, 'fhir-observation', ...report, String(index)),
      // an algorithm version is the same device in every report
      device: (algorithm) => derivedId(32, 'fhir-device', algorithm),
    },
    hl7ControlId: derivedId(20, 'hl7-oru', ...report, ...releaseParts(release)).toUpperCase(),
    hl7FillerOrderNumber: derivedId(16, 'hl7-order', study).toUpperCase(),
    trackingUid: (index, pluginTrackingUid) =>
      typeof pluginTrackingUid === 'string' && UID.test(pluginTrackingUid) && pluginTrackingUid.length <= 64 ? pluginTrackingUid : derivedUid('polyrad-finding', ...report, String(index)),
  };
}
