import type { Bundle, BundleEntry, CodeableConcept, Coding, Device, DiagnosticReport, ImagingStudy, Observation, ObservationComponent, Quantity, Reference, Resource } from 'fhir/r4.js';
import type { DocumentFinding, ReportDocument } from '../pipeline/report/report-document.js';
import { deliveryIdentifiers } from './delivery-identifiers.js';
import { comparisonItems, findingConcept, POLYRAD_FHIR_SYSTEM, ucumUnit, type CodedConcept } from './finding-concepts.js';
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

/**
 * An update of the resource at its derived id (update as create): posting the bundle again rewrites the same
 * resources instead of creating duplicates, and needs no search on the server (conditional updates do, and
 * servers limit them inside transactions).
 */
function entry<T extends Resource & { id?: string }>(resource: T & { id: string }): BundleEntry {
  return { resource, request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` } };
}

const ref = (resource: Resource & { id?: string }): Reference => ({ reference: `${resource.resourceType}/${resource.id}` });

function fhirDate(dicomDate: string): string | undefined {
  return /^\d{8}$/.test(dicomDate) ? `${dicomDate.slice(0, 4)}-${dicomDate.slice(4, 6)}-${dicomDate.slice(6, 8)}` : undefined;
}

/**
 * The patient as a logical reference (identifier and name): the EHR owns its Patient resources and resolves
 * the identifier, so delivering a report never creates a second patient.
 */
function patientReference(source: SourceStudy): Reference {
  const name = source.PatientName.split('^').filter(Boolean).reverse().join(' ');
  return {
    type: 'Patient',
    identifier: { system: source.IssuerOfPatientID ? `urn:polyrad:issuer:${encodeURIComponent(source.IssuerOfPatientID)}` : 'urn:polyrad:patient-id', value: source.PatientID },
    ...(name ? { display: name } : {}),
  };
}

function imagingStudy(id: string, source: SourceStudy, subject: Reference): ImagingStudy & { id: string } {
  const numberOfInstances = source.series.reduce((n, s) => n + s.instances.length, 0);
  return {
    resourceType: 'ImagingStudy',
    id,
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

function device(id: string, algorithm: { id: string; version: string }): Device & { id: string } {
  return {
    resourceType: 'Device',
    id,
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
  if (typeof finding.value !== 'number') return { valueString: finding.value };
  // a maximum over part of the structure: the true value is at least this
  return { valueQuantity: { ...quantity(finding.value, finding.unit), ...(finding.lowerBound ? { comparator: '>=' as const } : {}) } };
}

function interpretation(finding: DocumentFinding): CodeableConcept[] {
  if (!finding.category && !finding.abnormal) return [];
  const flag = finding.urgent
    ? { code: 'AA', display: 'Critical abnormal' }
    : finding.abnormal
      ? { code: 'A', display: 'Abnormal' }
      : finding.indeterminate
        ? { code: 'IND', display: 'Indeterminate' }
        : undefined;
  const text = finding.indeterminate ? `${finding.category}: ${finding.indeterminate.reason.replace(/^borderline: /, '')}` : finding.category;
  return [{ ...(flag ? { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', ...flag }] } : {}), ...(text ? { text } : {}) }];
}

/** The comparison with the prior exam as components: prior value and date, change, doubling time, growth. */
function comparisonComponents(finding: DocumentFinding): ObservationComponent[] {
  if (!finding.comparison) return [];
  return comparisonItems(finding.comparison, finding.unit).map((c) => ({
    code: { coding: [coding(c.concept)], text: c.concept.meaning },
    ...('number' in c ? { valueQuantity: quantity(c.number, c.unit) } : 'date' in c ? { valueDateTime: fhirDate(c.date) ?? c.date } : { valueString: c.text }),
  }));
}

/** Preliminary until signed, final once signed, amended after a correction to the signed report. */
function reportStatus(doc: ReportDocument): 'preliminary' | 'final' | 'amended' {
  return doc.amendment ? 'amended' : doc.signoff ? 'final' : 'preliminary';
}

/** When this version was made available: analysed, signed, or amended. */
const issued = (doc: ReportDocument): string => doc.amendment?.amendedAt ?? doc.signoff?.signedAt ?? doc.generatedAt;

/** One Observation per finding, after the HL7 "DICOM SR to FHIR" mapping of a TID 1500 measurement. */
function observation(finding: DocumentFinding, id: string, trackingUid: string, refs: { subject: Reference; study: Reference; device: Reference }, doc: ReportDocument): Observation & { id: string } {
  const concept = findingConcept(finding);
  const { reference } = finding;
  return {
    resourceType: 'Observation',
    id,
    identifier: [{ system: POLYRAD_ID, value: id }, { system: DICOM_UID, value: `urn:oid:${trackingUid}` }],
    // an amendment changes only the findings it names
    status: finding.amended ? 'amended' : doc.status === 'signed' ? 'final' : 'preliminary',
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
    ...(finding.comparison ? { component: comparisonComponents(finding) } : {}),
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
 * The report as a FHIR R4 transaction Bundle: ImagingStudy, one Device per algorithm, one Observation per
 * finding (not-assessed ones with dataAbsentReason and the reason), and a DiagnosticReport (LOINC 18748-4,
 * preliminary until signed, then final, then amended) with the PDF as presentedForm, all about the patient by identifier. Every
 * resource has an id derived from the study and the report, so re-sending the same report never duplicates.
 */
export function buildFhirBundle(doc: ReportDocument, source: SourceStudy, pdf?: Buffer): Bundle {
  const ids = deliveryIdentifiers(doc);
  const subject = patientReference(source);
  const study = imagingStudy(ids.fhir.imagingStudy, source, subject);
  const devices = new Map(doc.algorithms.map((a) => [`${a.id}@${a.version}`, device(ids.fhir.device(`${a.id}@${a.version}`), a)]));
  const deviceRef = (f: DocumentFinding): Reference => {
    const known = devices.get(`${f.provenance.algorithmId}@${f.provenance.algorithmVersion}`);
    return known ? ref(known) : { display: `${f.provenance.algorithmId} ${f.provenance.algorithmVersion}` };
  };
  const observations = doc.findings.map((f) =>
    observation(f, ids.fhir.observation(f.index), ids.trackingUid(f.index, f.details.trackingUid), { subject, study: ref(study), device: deviceRef(f) }, doc),
  );
  const report: DiagnosticReport & { id: string } = {
    resourceType: 'DiagnosticReport',
    id: ids.fhir.diagnosticReport,
    identifier: [{ system: DICOM_UID, value: `urn:oid:${ids.srSopInstanceUid}` }],
    status: reportStatus(doc),
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'RAD', display: 'Radiology' }] }],
    code: { coding: [{ system: SYSTEMS.LN, code: '18748-4', display: 'Diagnostic imaging study' }] },
    subject,
    ...(fhirDate(doc.study.studyDate) ? { effectiveDateTime: fhirDate(doc.study.studyDate) } : {}),
    issued: issued(doc),
    imagingStudy: [ref(study)],
    // FHIR arrays are never empty
    ...(observations.length ? { result: observations.map(ref) } : {}),
    conclusion: [...doc.impression.lines, ...doc.unavailableAlgorithms.map((a) => `Algorithm ${a.id} ${a.version} ${a.status}: ${a.reason}`), doc.disclaimer].join('\n'),
    ...(pdf ? { presentedForm: [{ contentType: 'application/pdf', data: pdf.toString('base64'), title: 'Polyrad report (PDF)' }] } : {}),
  };
  return {
    resourceType: 'Bundle',
    identifier: { system: POLYRAD_ID, value: ids.fhir.bundle },
    type: 'transaction',
    entry: [entry(study), ...[...devices.values()].map(entry), ...observations.map(entry), entry(report)],
  };
}
