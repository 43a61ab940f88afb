import type { Bundle, BundleEntry, CodeableConcept, Coding, Device, DiagnosticReport, ImagingStudy, Observation, Patient, Quantity, Reference, Resource } from 'fhir/r4.js';
import type { DocumentFinding, ReportDocument } from '../pipeline/report/report-document.js';
import { deliveryIdentifiers } from './delivery-identifiers.js';
import { findingConcept, POLYRAD_FHIR_SYSTEM, ucumUnit, type CodedConcept } from './finding-concepts.js';
import type { SourceStudy } from './source-study.js';

const SYSTEMS: Record<string, string> = {
  SCT: 'http://snomed.info/sct',
  LN: 'http://loinc.org',
  DCM: 'http://dicom.nema.org/resources/ontology/DCM',
  UCUM: 'http://unitsofmeasure.org',
  '99POLYRAD': POLYRAD_FHIR_SYSTEM,
};
const DICOM_UID = 'urn:dicom:uid';
const POLYRAD_ID = 'urn:polyrad:id';

const coding = (c: CodedConcept): Coding => ({ system: SYSTEMS[c.scheme], code: c.value, display: c.meaning });

/** "urn:uuid:" form of a 32-hex-digit derived id, for references inside the transaction. */
const urn = (id: string) => `urn:uuid:${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20, 32)}`;

/**
 * A conditional update keyed by the resource's derived identifier: posting the bundle again updates what the
 * server already has instead of creating duplicates.
 */
function entry<T extends Resource & { identifier?: Array<{ system?: string; value?: string }> }>(id: string, resource: T): BundleEntry {
  const key = resource.identifier?.[0];
  return { fullUrl: urn(id), resource, request: { method: 'PUT', url: `${resource.resourceType}?identifier=${encodeURIComponent(`${key?.system}|${key?.value}`)}` } };
}

function fhirDate(dicomDate: string): string | undefined {
  return /^\d{8}$/.test(dicomDate) ? `${dicomDate.slice(0, 4)}-${dicomDate.slice(4, 6)}-${dicomDate.slice(6, 8)}` : undefined;
}

function patient(source: SourceStudy): Patient {
  const [family, given] = source.PatientName.split('^');
  const gender = ({ M: 'male', F: 'female', O: 'other' } as const)[source.PatientSex as 'M' | 'F' | 'O'];
  return {
    resourceType: 'Patient',
    identifier: [{ system: source.IssuerOfPatientID ? `urn:polyrad:issuer:${encodeURIComponent(source.IssuerOfPatientID)}` : 'urn:polyrad:patient-id', value: source.PatientID }],
    ...(family ? { name: [{ family, ...(given ? { given: given.split(' ') } : {}) }] } : {}),
    ...(gender ? { gender } : {}),
    ...(fhirDate(source.PatientBirthDate) ? { birthDate: fhirDate(source.PatientBirthDate) } : {}),
  };
}

function imagingStudy(source: SourceStudy, subject: Reference): ImagingStudy {
  const numberOfInstances = source.series.reduce((n, s) => n + s.instances.length, 0);
  return {
    resourceType: 'ImagingStudy',
    identifier: [
      { system: DICOM_UID, value: `urn:oid:${source.StudyInstanceUID}` },
      ...(source.AccessionNumber ? [{ type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'ACSN' }] }, value: source.AccessionNumber }] : []),
    ],
    status: 'available',
    subject,
    ...(fhirDate(source.StudyDate) ? { started: fhirDate(source.StudyDate) } : {}),
    ...(source.StudyDescription ? { description: source.StudyDescription } : {}),
    numberOfSeries: source.series.length,
    ...(numberOfInstances ? { numberOfInstances } : {}),
    series: source.series.map((s) => ({
      uid: s.SeriesInstanceUID,
      modality: { system: SYSTEMS.DCM, code: s.Modality },
      ...(s.SeriesNumber !== undefined ? { number: s.SeriesNumber } : {}),
      ...(s.SeriesDescription ? { description: s.SeriesDescription } : {}),
      ...(s.instances.length ? { numberOfInstances: s.instances.length, instance: s.instances.map((i) => ({ uid: i.SOPInstanceUID, sopClass: { system: 'urn:ietf:rfc:3986', code: `urn:oid:${i.SOPClassUID}` } })) } : {}),
    })),
  };
}

function device(algorithm: { id: string; version: string }): Device {
  return {
    resourceType: 'Device',
    identifier: [{ system: 'urn:polyrad:algorithm', value: `${algorithm.id}@${algorithm.version}` }],
    deviceName: [{ name: algorithm.id, type: 'model-name' }],
    version: [{ value: algorithm.version }],
  };
}

function quantity(value: number, unit: string): Quantity {
  const ucum = ucumUnit(unit);
  return { value, unit: unit || ucum.meaning, system: SYSTEMS.UCUM, code: ucum.value };
}

function observationValue(finding: DocumentFinding): Partial<Observation> {
  if (finding.value === null) {
    return { dataAbsentReason: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/data-absent-reason', code: 'not-performed', display: 'Not Performed' }], text: finding.reason } };
  }
  return typeof finding.value === 'number' ? { valueQuantity: quantity(finding.value, finding.unit) } : { valueString: finding.value };
}

function interpretation(finding: DocumentFinding): CodeableConcept[] {
  if (!finding.category && !finding.abnormal) return [];
  const flag = finding.urgent ? { code: 'AA', display: 'Critical abnormal' } : finding.abnormal ? { code: 'A', display: 'Abnormal' } : undefined;
  return [{ ...(flag ? { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', ...flag }] } : {}), ...(finding.category ? { text: finding.category } : {}) }];
}

/** One Observation per finding, after the HL7 "DICOM SR to FHIR" mapping of a TID 1500 measurement. */
function observation(finding: DocumentFinding, id: string, trackingUid: string, refs: { subject: Reference; study: Reference; device: Reference }, doc: ReportDocument): Observation {
  const concept = findingConcept(finding.code);
  const { reference } = finding;
  return {
    resourceType: 'Observation',
    identifier: [{ system: POLYRAD_ID, value: id }, { system: DICOM_UID, value: `urn:oid:${trackingUid}` }],
    status: doc.status === 'signed' ? 'final' : 'preliminary',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'imaging', display: 'Imaging' }] }],
    code: {
      coding: [...(concept.loinc ? [coding(concept.loinc)] : []), coding(concept.quantity), { system: POLYRAD_FHIR_SYSTEM, code: finding.code, display: concept.label }].filter(
        (c, i, all) => all.findIndex((o) => o.system === c.system && o.code === c.code) === i,
      ),
      text: concept.label,
    },
    subject: refs.subject,
    ...(fhirDate(doc.study.studyDate) ? { effectiveDateTime: fhirDate(doc.study.studyDate) } : {}),
    issued: doc.generatedAt,
    ...observationValue(finding),
    ...(interpretation(finding).length ? { interpretation: interpretation(finding) } : {}),
    bodySite: { coding: [coding(concept.site)] },
    ...(concept.method ? { method: { coding: [coding(concept.method)] } } : {}),
    device: refs.device,
    derivedFrom: [refs.study],
    ...(reference
      ? {
          referenceRange: [{
            ...(reference.min !== undefined ? { low: quantity(reference.min, finding.unit) } : {}),
            ...(reference.max !== undefined ? { high: quantity(reference.max, finding.unit) } : {}),
            text: `${reference.text} (${reference.source})`,
          }],
        }
      : {}),
  };
}

/**
 * The report as a FHIR R4 transaction Bundle: Patient, ImagingStudy, one Device per algorithm, one Observation
 * per finding (not-assessed ones with dataAbsentReason and the reason), and a DiagnosticReport (LOINC 18748-4,
 * preliminary until signed) with the PDF as presentedForm. Every entry is a conditional update on a derived
 * identifier, so re-sending the same report never duplicates.
 */
export function buildFhirBundle(doc: ReportDocument, source: SourceStudy, pdf?: Buffer): Bundle {
  const ids = deliveryIdentifiers(doc);
  const subject: Reference = { reference: urn(ids.fhir.patient) };
  const study: Reference = { reference: urn(ids.fhir.imagingStudy) };
  const devices = new Map(doc.algorithms.map((a) => [`${a.id}@${a.version}`, { id: ids.fhir.device(`${a.id}@${a.version}`), resource: device(a) }]));
  const deviceRef = (f: DocumentFinding): Reference => {
    const known = devices.get(`${f.provenance.algorithmId}@${f.provenance.algorithmVersion}`);
    return known ? { reference: urn(known.id) } : { display: `${f.provenance.algorithmId} ${f.provenance.algorithmVersion}` };
  };
  const observations = doc.findings.map((f) => ({
    id: ids.fhir.observation(f.index),
    resource: observation(f, ids.fhir.observation(f.index), ids.trackingUid(f.index, f.details.trackingUid), { subject, study, device: deviceRef(f) }, doc),
  }));
  const report: DiagnosticReport = {
    resourceType: 'DiagnosticReport',
    identifier: [{ system: DICOM_UID, value: `urn:oid:${ids.srSopInstanceUid}` }],
    status: doc.status === 'signed' ? 'final' : 'preliminary',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'RAD', display: 'Radiology' }] }],
    code: { coding: [{ system: SYSTEMS.LN, code: '18748-4', display: 'Diagnostic imaging study' }] },
    subject,
    ...(fhirDate(doc.study.studyDate) ? { effectiveDateTime: fhirDate(doc.study.studyDate) } : {}),
    issued: doc.generatedAt,
    imagingStudy: [study],
    result: observations.map((o) => ({ reference: urn(o.id) })),
    conclusion: [...doc.impression.lines, ...doc.unavailableAlgorithms.map((a) => `Algorithm ${a.id} ${a.version} ${a.status}: ${a.reason}`), doc.disclaimer].join('\n'),
    ...(pdf ? { presentedForm: [{ contentType: 'application/pdf', data: pdf.toString('base64'), title: 'Polyrad report (PDF)' }] } : {}),
  };
  return {
    resourceType: 'Bundle',
    identifier: { system: POLYRAD_ID, value: ids.fhir.bundle },
    type: 'transaction',
    entry: [
      entry(ids.fhir.patient, patient(source)),
      entry(ids.fhir.imagingStudy, imagingStudy(source, subject)),
      ...[...devices.values()].map((d) => entry(d.id, d.resource)),
      ...observations.map((o) => entry(o.id, o.resource)),
      entry(ids.fhir.diagnosticReport, report),
    ],
  };
}
