import { Hl7Field, Hl7Message, Hl7Segment } from '@medplum/core';
import type { DocumentFinding, ReportDocument } from '../pipeline/report/report-document.js';
import { deliveryIdentifiers } from './delivery-identifiers.js';
import { comparisonItems, findingConcept, POLYRAD_SCHEME, ucumUnit, type CodedConcept } from './finding-concepts.js';
import type { SourceStudy } from './source-study.js';

/** HL7 v2 coding system names (table 0396) of our coding schemes. */
const SYSTEM: Record<string, string> = { SCT: 'SCT', LN: 'LN', DCM: 'DCM', UCUM: 'UCUM', [POLYRAD_SCHEME]: POLYRAD_SCHEME };

/** HL7 escape sequences for the delimiters (v2.5.1 2.7), so report text never splits a field. */
export function escapeHl7(text: string): string {
  return text.replace(/\\/g, '\\E\\').replace(/\|/g, '\\F\\').replace(/\^/g, '\\S\\').replace(/&/g, '\\T\\').replace(/~/g, '\\R\\').replace(/\r?\n/g, '\\.br\\');
}

/** A segment from fields given as components (already escaped); a field may repeat. */
function segment(name: string, ...fields: Array<string | string[] | string[][]>): Hl7Segment {
  const asField = (f: string | string[] | string[][]) => new Hl7Field(typeof f === 'string' ? [[f]] : Array.isArray(f[0]) ? (f as string[][]) : [f as string[]]);
  return new Hl7Segment([new Hl7Field([[name]]), ...fields.map(asField)]);
}

const ce = (c: CodedConcept) => [escapeHl7(c.value), escapeHl7(c.meaning), SYSTEM[c.scheme] ?? c.scheme];

function hl7DateTime(iso: string): string {
  return new Date(iso).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

function observationIdentifier(finding: DocumentFinding): string[] {
  const concept = findingConcept(finding);
  const primary = concept.loinc ?? concept.quantity;
  // the Polyrad code as the alternate identifier, so a receiver can always tell findings apart
  return [...ce(primary), escapeHl7(finding.code), escapeHl7(concept.label), POLYRAD_SCHEME];
}

function abnormalFlag(finding: DocumentFinding): string {
  if (finding.assessment !== 'measured') return '';
  return finding.urgent ? 'AA' : finding.abnormal ? 'A' : '';
}

/**
 * OBX segments of the comparison with the prior exam (prior value and date, change, doubling time, growth), under
 * the finding's observation sub-ID so a receiver groups them with it.
 */
function comparisonSegments(finding: DocumentFinding, firstSetId: number, status: string): Hl7Segment[] {
  if (!finding.comparison) return [];
  return comparisonItems(finding.comparison, finding.unit).map((c, i) =>
    segment(
      'OBX',
      String(firstSetId + i),
      'number' in c ? 'NM' : 'date' in c ? 'DT' : 'ST',
      ce(c.concept),
      String(finding.index + 1),
      escapeHl7('number' in c ? String(c.number) : 'date' in c ? c.date : c.text),
      'number' in c ? ce(ucumUnit(c.unit)) : '',
      '', '', '', '',
      finding.amended ? 'C' : status,
    ),
  );
}

/** OBX (and NTE for the category or the reason) of one finding, then its comparison's OBX segments. */
function findingSegments(finding: DocumentFinding, setId: number, status: string): Hl7Segment[] {
  const measured = finding.value !== null;
  const numeric = typeof finding.value === 'number';
  const unit = numeric ? ucumUnit(finding.unit) : undefined;
  const obx = segment(
    'OBX',
    String(setId),
    // a lower bound is a structured numeric with its comparator (SN: ">=^43.7")
    numeric ? (finding.lowerBound ? 'SN' : 'NM') : 'ST',
    observationIdentifier(finding),
    String(finding.index + 1),
    measured ? (finding.lowerBound ? `>=^${finding.value}` : escapeHl7(String(finding.value))) : '',
    unit ? ce(unit) : '',
    escapeHl7(finding.reference?.text ?? ''),
    abnormalFlag(finding),
    '',
    '',
    // X: the result cannot be obtained (not assessed); the reason follows in NTE. C: corrected after the final
    !measured ? 'X' : finding.amended ? 'C' : status,
    '', '', '', '', '',
    '',
    escapeHl7(`${finding.provenance.algorithmId}@${finding.provenance.algorithmVersion}`),
  );
  // a borderline category has no abnormal flag in v2.5.1 (table 0078): the NTE says why it is not stated
  const notes = [
    finding.category ? `Category: ${finding.category}` : '',
    finding.indeterminate ? `Indeterminate: ${finding.indeterminate.reason.replace(/^borderline: /, '')}` : '',
    finding.reason ? `Not assessed: ${finding.reason}` : '',
  ].filter(Boolean);
  return [obx, ...notes.map((note, i) => segment('NTE', String(i + 1), 'L', escapeHl7(note))), ...comparisonSegments(finding, setId + 1, status)];
}

/**
 * The report as an HL7 v2.5.1 ORU^R01: MSH, PID, ORC, OBR (accession number as placer order number),
 * one OBX per finding (NM or ST; not assessed: status X with the reason in NTE), the impression as TX, and the
 * PDF as an encapsulated (ED) OBX. Result status P until a radiologist signs, F after, C (HL7 tables 0123 and
 * 0085: a correction replacing a final result) on an amendment, for the report, the findings it changed, the
 * impression and the PDF. MSH-10 is derived from the report and its release, so re-sending the same version
 * repeats the same control ID and every new version is a new message.
 */
export function buildOruMessage(doc: ReportDocument, source: SourceStudy, pdf?: Buffer): Hl7Message {
  const ids = deliveryIdentifiers(doc);
  const status = doc.status === 'signed' ? 'F' : 'P';
  const reportStatus = doc.amendment ? 'C' : status;
  const [family = '', given = ''] = source.PatientName.split('^');
  const accession = escapeHl7(doc.study.accessionNumber);
  const filler = [ids.hl7FillerOrderNumber, 'POLYRAD'];
  const reported = hl7DateTime(doc.amendment?.amendedAt ?? doc.signoff?.signedAt ?? doc.generatedAt);
  // OBX-1 counts every OBX: a finding's comparison segments follow it
  let setId = 0;
  const findingSegmentsAll = doc.findings.flatMap((f) => {
    const segments = findingSegments(f, setId + 1, status);
    setId += segments.filter((x) => x.name === 'OBX').length;
    return segments;
  });
  const impression = segment('OBX', String(++setId), 'TX', ['19005-8', 'Radiology Imaging study [Impression] (narrative)', 'LN'], '', [...doc.impression.lines, doc.disclaimer].map((line) => [escapeHl7(line)]), '', '', doc.priority === 'urgent' ? 'AA' : '', '', '', reportStatus);
  const pdfSegment = pdf ? [segment('OBX', String(++setId), 'ED', ['PDF', 'Report PDF', POLYRAD_SCHEME], '', ['POLYRAD', 'AP', 'PDF', 'Base64', pdf.toString('base64')], '', '', '', '', '', reportStatus)] : [];
  const segments = [
    new Hl7Segment(['MSH', '^~\\&', 'POLYRAD', 'POLYRAD', '', '', reported, '', 'ORU^R01^ORU_R01', ids.hl7ControlId, 'P', '2.5.1', '', '', 'AL', 'NE', '', 'UNICODE UTF-8']),
    segment('PID', '1', '', [escapeHl7(source.PatientID), '', '', escapeHl7(source.IssuerOfPatientID)], '', [escapeHl7(family), escapeHl7(given)], '', source.PatientBirthDate, escapeHl7(source.PatientSex)),
    segment('ORC', 'RE', accession, filler, '', doc.status === 'signed' ? 'CM' : 'IP'),
    segment('OBR', '1', accession, filler, ['18748-4', 'Diagnostic imaging study', 'LN'], '', '', escapeHl7(source.StudyDate), '', '', '', '', '', '', '', '', '', '', '', '', '', '', reported, '', escapeHl7(doc.series[0]?.modality ?? ''), reportStatus),
    ...findingSegmentsAll,
    impression,
    ...pdfSegment,
  ];
  return new Hl7Message(segments);
}
