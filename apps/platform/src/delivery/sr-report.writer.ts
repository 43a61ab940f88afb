import type { DocumentFinding, ReportDocument } from '../pipeline/report/report-document.js';
import { deliveryIdentifiers, derivedUid, reportRelease, type DeliveryIdentifiers } from './delivery-identifiers.js';
import { dicomDateTime, sourceStudyAttributes, writePart10 } from './dicom-part10.js';
import { comparisonItems, findingConcept, POLYRAD_SCHEME, ucumUnit, type CodedConcept } from './finding-concepts.js';
import { SEGMENTATION_STORAGE, type WrittenSegmentation } from './seg-report.writer.js';
import { imageThrough, type SourceSeries, type SourceStudy } from './source-study.js';

export const COMPREHENSIVE_3D_SR = '1.2.840.10008.5.1.4.1.1.88.34';

type Item = Record<string, unknown>;

const dcm = (value: string, meaning: string): CodedConcept => ({ scheme: 'DCM', value, meaning });
const CONCEPT = {
  report: dcm('126000', 'Imaging Measurement Report'),
  language: dcm('121049', 'Language of Content Item and Descendants'),
  observerType: dcm('121005', 'Observer Type'),
  device: dcm('121007', 'Device'),
  deviceUid: dcm('121012', 'Device Observer UID'),
  deviceName: dcm('121013', 'Device Observer Name'),
  procedure: dcm('121058', 'Procedure reported'),
  imageLibrary: dcm('111028', 'Image Library'),
  imageLibraryGroup: dcm('126200', 'Image Library Group'),
  measurements: dcm('126010', 'Imaging Measurements'),
  group: dcm('125007', 'Measurement Group'),
  trackingId: dcm('112039', 'Tracking Identifier'),
  trackingUid: dcm('112040', 'Tracking Unique Identifier'),
  finding: dcm('121071', 'Finding'),
  findingSite: { scheme: 'SCT', value: '363698007', meaning: 'Finding Site' } as CodedConcept,
  method: { scheme: 'SCT', value: '370129005', meaning: 'Measurement Method' } as CodedConcept,
  sourceSeries: dcm('121232', 'Source series for segmentation'),
  referencedSegment: dcm('121214', 'Referenced Segment'),
  algorithmName: dcm('111001', 'Algorithm Name'),
  algorithmVersion: dcm('111003', 'Algorithm Version'),
  center: dcm('111010', 'Center'),
  sourceOfMeasurement: dcm('121112', 'Source of Measurement'),
  comment: dcm('121106', 'Comment'),
  measurementFailure: dcm('114006', 'Measurement failure'),
  processingEquipment: dcm('109102', 'Processing Equipment'),
  category: { scheme: POLYRAD_SCHEME, value: 'category', meaning: 'Category' } as CodedConcept,
  reference: { scheme: POLYRAD_SCHEME, value: 'reference', meaning: 'Reference range' } as CodedConcept,
  shortAxis: { scheme: 'SCT', value: '103340004', meaning: 'Short Axis' } as CodedConcept,
  derivation: dcm('121401', 'Derivation'),
  maximum: { scheme: 'SCT', value: '56851009', meaning: 'Maximum' } as CodedConcept,
  valueBound: { scheme: POLYRAD_SCHEME, value: 'value-bound', meaning: 'Value bound' } as CodedConcept,
  atLeast: { scheme: POLYRAD_SCHEME, value: 'at-least', meaning: 'At least (lower bound)' } as CodedConcept,
  volume: { scheme: 'SCT', value: '118565006', meaning: 'Volume' } as CodedConcept,
};
const ENGLISH: CodedConcept = { scheme: 'RFC5646' as CodedConcept['scheme'], value: 'en-US', meaning: 'English (United States)' };
const PROCEDURE: Record<string, CodedConcept> = { CT: { scheme: 'SCT', value: '77477000', meaning: 'Computed tomography' } };
const IMAGING_PROCEDURE: CodedConcept = { scheme: 'SCT', value: '363679005', meaning: 'Imaging' };

/** A code sequence item; values longer than CodeValue's 16 characters go to LongCodeValue (PS3.3 8.8). */
function code(c: CodedConcept): Item {
  const value = c.value.length > 16 ? { LongCodeValue: c.value } : { CodeValue: c.value };
  return { ...value, CodingSchemeDesignator: c.scheme, CodeMeaning: c.meaning.slice(0, 64) };
}

const item = (RelationshipType: string, ValueType: string, name: CodedConcept, rest: Item = {}): Item => ({ RelationshipType, ValueType, ConceptNameCodeSequence: [code(name)], ...rest });
const text = (rel: string, name: CodedConcept, value: string) => item(rel, 'TEXT', name, { TextValue: value });
const codeItem = (rel: string, name: CodedConcept, value: CodedConcept) => item(rel, 'CODE', name, { ConceptCodeSequence: [code(value)] });
const uidref = (rel: string, name: CodedConcept, uid: string) => item(rel, 'UIDREF', name, { UID: uid });
const num = (name: CodedConcept, value: number, unit: string, children: Item[] = []) =>
  item('CONTAINS', 'NUM', name, { MeasuredValueSequence: [{ NumericValue: value, MeasurementUnitsCodeSequence: [code(ucumUnit(unit))] }], ...(children.length ? { ContentSequence: children } : {}) });
const container = (rel: string, name: CodedConcept, children: Item[]) => item(rel, 'CONTAINER', name, { ContinuityOfContent: 'SEPARATE', ContentSequence: children });

/** The measured value of a finding: NUM for numbers, TEXT for categories ("4B"), an empty NUM with a qualifier when not assessed. */
function measurement(finding: DocumentFinding, name: CodedConcept, methodConcept?: CodedConcept): Item {
  const method = methodConcept ? [codeItem('HAS CONCEPT MOD', CONCEPT.method, methodConcept)] : [];
  if (finding.value === null) {
    return item('CONTAINS', 'NUM', name, { MeasuredValueSequence: [], NumericValueQualifierCodeSequence: [code(CONCEPT.measurementFailure)] });
  }
  if (typeof finding.value === 'string') return text('CONTAINS', name, finding.value);
  return num(name, finding.value, finding.unit, [...method, ...(finding.lowerBound ? lowerBound(finding.value, finding.unit) : [])]);
}

/**
 * A maximum measured over part of the structure only (an aorta whose limbs are partly out of the field): the
 * true value is at least this. TID 300 has no comparator for a NUM (Numeric Value Qualifier, CID 42, is for a
 * value that is absent or not a number), so: the standard Derivation "Maximum", a concept modifier of the
 * documented private scheme saying it is a lower bound, and the same in words for any SR viewer.
 */
function lowerBound(value: number, unit: string): Item[] {
  return [
    codeItem('HAS CONCEPT MOD', CONCEPT.derivation, CONCEPT.maximum),
    codeItem('HAS CONCEPT MOD', CONCEPT.valueBound, CONCEPT.atLeast),
    text('HAS PROPERTIES', CONCEPT.comment, `At least ${value}${unit ? ` ${unit}` : ''}: the maximum over the part of the structure in the images; the true value may be larger`),
  ];
}

/** The lesion size details a nodule or mass carries beside its long axis. */
function lesionDetails(finding: DocumentFinding): Item[] {
  const { shortAxisMm, volumeMm3 } = finding.details;
  return [
    ...(typeof shortAxisMm === 'number' ? [num(CONCEPT.shortAxis, shortAxisMm, 'mm')] : []),
    ...(typeof volumeMm3 === 'number' ? [num(CONCEPT.volume, volumeMm3, 'mm3')] : []),
  ];
}

/** The comparison with the prior exam as content items of the finding's measurement group: prior value and date, change, doubling time, growth. */
function comparison(finding: DocumentFinding): Item[] {
  if (!finding.comparison) return [];
  return comparisonItems(finding.comparison, finding.unit).map((c) =>
    'number' in c ? num(c.concept, c.number, c.unit) : 'date' in c ? item('CONTAINS', 'DATE', c.concept, { Date: c.date }) : text('CONTAINS', c.concept, c.text),
  );
}

/**
 * The segment a finding was measured on: in a SEG of the finding's series, the label the finding names
 * (`segmentLabel`: a nodule, a vertebral body), else the structure whose label the finding code names
 * (lung.right.volume on lung.right, aorta.ascending.diameter on aorta.ascending), the longest such label.
 */
function segmentOf(finding: DocumentFinding, segs: WrittenSegmentation[]): { seg: WrittenSegmentation; segmentNumber: number } | undefined {
  let best: { seg: WrittenSegmentation; segmentNumber: number; length: number } | undefined;
  const named = finding.details.segmentLabel;
  for (const seg of segs.filter((s) => s.sourceSeriesInstanceUid === finding.provenance.seriesInstanceUid)) {
    for (const { label, segmentNumber } of seg.segments) {
      if (typeof named === 'string') {
        if (label === named) return { seg, segmentNumber };
      } else if ((finding.code === label || finding.code.startsWith(`${label}.`)) && label.length > (best?.length ?? 0)) best = { seg, segmentNumber, length: label.length };
    }
  }
  return best;
}

/** TID 1411's Referenced Segment: the SEG instance and segment number the finding was measured on. */
function segmentReference(finding: DocumentFinding, segs: WrittenSegmentation[]): Item[] {
  const found = segmentOf(finding, segs);
  if (!found) return [];
  const ref = { ReferencedSOPClassUID: SEGMENTATION_STORAGE, ReferencedSOPInstanceUID: found.seg.sopInstanceUid, ReferencedSegmentNumber: found.segmentNumber };
  return [item('CONTAINS', 'IMAGE', CONCEPT.referencedSegment, { ReferencedSOPSequence: [ref] })];
}

/** One TID 1501 measurement group per finding, measured or not (then with the reason as a comment). */
function measurementGroup(finding: DocumentFinding, trackingUid: string, series: SourceSeries | undefined, segs: WrittenSegmentation[]): Item {
  const concept = findingConcept(finding);
  const { center } = finding.provenance;
  const image = center ? imageThrough(series, center) : undefined;
  const children: Item[] = [
    text('HAS OBS CONTEXT', CONCEPT.trackingId, `${finding.code} #${finding.index + 1}`),
    uidref('HAS OBS CONTEXT', CONCEPT.trackingUid, trackingUid),
    ...(concept.finding ? [codeItem('CONTAINS', CONCEPT.finding, concept.finding)] : []),
    codeItem('HAS CONCEPT MOD', CONCEPT.findingSite, concept.site),
    text('HAS CONCEPT MOD', CONCEPT.algorithmName, finding.provenance.algorithmId),
    text('HAS CONCEPT MOD', CONCEPT.algorithmVersion, finding.provenance.algorithmVersion),
    uidref('CONTAINS', CONCEPT.sourceSeries, finding.provenance.seriesInstanceUid),
    ...segmentReference(finding, segs),
    measurement(finding, concept.quantity, concept.method),
    ...lesionDetails(finding),
    ...comparison(finding),
    ...(finding.category ? [text('CONTAINS', CONCEPT.category, finding.category)] : []),
    ...(finding.indeterminate ? [text('CONTAINS', CONCEPT.comment, `Indeterminate: ${finding.indeterminate.reason.replace(/^borderline: /, '')}`)] : []),
    ...(finding.reference ? [text('CONTAINS', CONCEPT.reference, finding.reference.text)] : []),
    ...(finding.reason ? [text('CONTAINS', CONCEPT.comment, `Not assessed: ${finding.reason}`)] : []),
    ...(image
      ? [item('CONTAINS', 'IMAGE', CONCEPT.sourceOfMeasurement, { ReferencedSOPSequence: [{ ReferencedSOPClassUID: image.SOPClassUID, ReferencedSOPInstanceUID: image.SOPInstanceUID }] })]
      : []),
    ...(center && series?.FrameOfReferenceUID
      ? [item('CONTAINS', 'SCOORD3D', CONCEPT.center, { GraphicType: 'POINT', GraphicData: center, ReferencedFrameOfReferenceUID: series.FrameOfReferenceUID })]
      : []),
  ];
  return container('CONTAINS', CONCEPT.group, children);
}

/** The Image Library (TID 1600) of the source images; none when they are not at hand (report.json alone). */
function imageLibrary(source: SourceStudy): Item[] {
  const images = source.series.flatMap((s) => s.instances).map((i) => ({ RelationshipType: 'CONTAINS', ValueType: 'IMAGE', ReferencedSOPSequence: [{ ReferencedSOPClassUID: i.SOPClassUID, ReferencedSOPInstanceUID: i.SOPInstanceUID }] }));
  return images.length ? [container('CONTAINS', CONCEPT.imageLibrary, [container('CONTAINS', CONCEPT.imageLibraryGroup, images)])] : [];
}

/** Every algorithm of the report, with what became of it (PS3.3 C.12.1.1.7: Contributing Equipment). */
function contributingEquipment(doc: ReportDocument): Item[] {
  return doc.algorithms.map((a) => ({
    PurposeOfReferenceCodeSequence: [code(CONCEPT.processingEquipment)],
    Manufacturer: a.id.split('.')[0],
    ManufacturerModelName: a.id.slice(0, 64),
    SoftwareVersions: a.version,
    ContributionDescription: `${a.status}${a.reason ? `: ${a.reason}` : ''}`.slice(0, 1024),
  }));
}

/**
 * Images of the source study the report rests on, and the SEGs its measurement groups reference (SR Document
 * General: Current Requested Procedure Evidence; every referenced instance must be listed there).
 */
function evidence(source: SourceStudy, segs: WrittenSegmentation[]): Item[] {
  const series = source.series.filter((s) => s.instances.length > 0);
  if (!series.length) return [];
  return [{
    StudyInstanceUID: source.StudyInstanceUID,
    ReferencedSeriesSequence: [
      ...series.map((s) => ({
        SeriesInstanceUID: s.SeriesInstanceUID,
        ReferencedSOPSequence: s.instances.map((i) => ({ ReferencedSOPClassUID: i.SOPClassUID, ReferencedSOPInstanceUID: i.SOPInstanceUID })),
      })),
      ...segs.map((seg) => ({ SeriesInstanceUID: seg.seriesInstanceUid, ReferencedSOPSequence: [{ ReferencedSOPClassUID: SEGMENTATION_STORAGE, ReferencedSOPInstanceUID: seg.sopInstanceUid }] })),
    ],
  }];
}

function verifyingObserver(username: string, at: string): Item {
  const when = dicomDateTime(at);
  return {
    // the username as the family-name component: without a caret, its dots would read as the retired ACR-NEMA name form
    VerifyingObserverName: `${username.slice(0, 63)}^`,
    VerifyingObserverIdentificationCodeSequence: [],
    VerifyingOrganization: 'Polyrad',
    VerificationDateTime: `${when.date}${when.time}`,
  };
}

/**
 * A signed report is VERIFIED by its reader (PS3.3 C.17.2: the Verifying Observer with the time of signing); an
 * amended one also by the radiologist who amended it, who vouches for the new content.
 */
function verification(doc: ReportDocument): Item {
  if (!doc.signoff) return { VerificationFlag: 'UNVERIFIED' };
  const amender = doc.amendment ? [verifyingObserver(doc.amendment.amendedBy, doc.amendment.amendedAt)] : [];
  return { VerificationFlag: 'VERIFIED', VerifyingObserverSequence: [verifyingObserver(doc.signoff.signedBy, doc.signoff.signedAt), ...amender] };
}

/** The SR this release replaces (PS3.3 C.17.2.3, Predecessor Documents Sequence): the final its preliminary, an amendment the version before. */
function predecessor(ids: DeliveryIdentifiers, studyInstanceUid: string): Item {
  if (!ids.srPredecessorUid) return {};
  return {
    PredecessorDocumentsSequence: [
      {
        StudyInstanceUID: studyInstanceUid,
        ReferencedSeriesSequence: [{ SeriesInstanceUID: ids.srSeriesInstanceUid, ReferencedSOPSequence: [{ ReferencedSOPClassUID: COMPREHENSIVE_3D_SR, ReferencedSOPInstanceUID: ids.srPredecessorUid }] }],
      },
    ],
  };
}

function seriesDescription(doc: ReportDocument): string {
  if (doc.amendment) return `Polyrad measurements (amended by a radiologist, amendment ${doc.amendment.number})`;
  return doc.signoff ? 'Polyrad measurements (verified by a radiologist)' : 'Polyrad measurements (decision support, unverified)';
}

/**
 * The report as a Comprehensive 3D SR following TID 1500 (Imaging Measurement Report), explicit VR little
 * endian Part 10 bytes. Draft reports are UNVERIFIED and PARTIAL: a radiologist has not signed them; signed ones
 * are VERIFIED and COMPLETE, a new instance that names the preliminary as its predecessor, and each amendment
 * a new instance naming the version it replaces. A finding measured on a segmented structure references its
 * segment in the report's SEG (`segs`, written from the same analysis).
 */
export function writeReportSr(doc: ReportDocument, source: SourceStudy, segs: WrittenSegmentation[] = []): Buffer {
  const ids = deliveryIdentifiers(doc);
  const content = dicomDateTime(doc.generatedAt);
  const seriesByUid = new Map(source.series.map((s) => [s.SeriesInstanceUID, s]));
  const modality = doc.series[0]?.modality ?? '';
  const dataset: Item = {
    ...sourceStudyAttributes(source, doc.generator.version),
    InstanceCreationDate: content.date,
    InstanceCreationTime: content.time,
    SOPClassUID: COMPREHENSIVE_3D_SR,
    SOPInstanceUID: ids.srSopInstanceUid,
    ContentDate: content.date,
    ContentTime: content.time,
    Modality: 'SR',
    SeriesDescription: seriesDescription(doc),
    ReferencedPerformedProcedureStepSequence: [],
    ContributingEquipmentSequence: contributingEquipment(doc),
    SeriesInstanceUID: ids.srSeriesInstanceUid,
    SeriesNumber: 9901,
    InstanceNumber: 1 + reportRelease(doc).number,
    ValueType: 'CONTAINER',
    ConceptNameCodeSequence: [code(CONCEPT.report)],
    ContinuityOfContent: 'SEPARATE',
    ContentTemplateSequence: [{ MappingResource: 'DCMR', TemplateIdentifier: '1500' }],
    CompletionFlag: doc.signoff ? 'COMPLETE' : 'PARTIAL',
    ...verification(doc),
    ...predecessor(ids, source.StudyInstanceUID),
    ...(evidence(source, segs).length ? { CurrentRequestedProcedureEvidenceSequence: evidence(source, segs) } : {}),
    PerformedProcedureCodeSequence: [],
    ContentSequence: [
      codeItem('HAS CONCEPT MOD', CONCEPT.language, ENGLISH),
      codeItem('HAS OBS CONTEXT', CONCEPT.observerType, CONCEPT.device),
      uidref('HAS OBS CONTEXT', CONCEPT.deviceUid, derivedUid('polyrad-device', doc.generator.version)),
      text('HAS OBS CONTEXT', CONCEPT.deviceName, `polyrad ${doc.generator.version}`),
      codeItem('HAS CONCEPT MOD', CONCEPT.procedure, PROCEDURE[modality] ?? IMAGING_PROCEDURE),
      ...imageLibrary(source),
      // a container must hold something (PS3.3 C.17.3): a study without findings has no measurements container
      ...(doc.findings.length
        ? [container('CONTAINS', CONCEPT.measurements, doc.findings.map((f) => measurementGroup(f, ids.trackingUid(f.index, f.details.trackingUid), seriesByUid.get(f.provenance.seriesInstanceUid), segs)))]
        : []),
    ],
  };
  return writePart10(dataset, doc.generator.version);
}
