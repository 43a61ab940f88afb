/** The level of the DICOM information model a QIDO-RS search returns. */
export type QidoLevel = 'study' | 'series' | 'instance';

/** How a query key matches (PS3.4 C.2.2.2): UID list, text with wildcards, person name, date or time range, integer, or ModalitiesInStudy. */
export type MatchKind = 'uid' | 'text' | 'list' | 'pn' | 'date' | 'time' | 'int' | 'modalities';

/** An attribute the DICOMweb index keeps: returned by default at its level, matchable when it has a column. */
export interface IndexedAttribute {
  keyword: string;
  tag: string;
  level: QidoLevel;
  /** returned without includefield at its level (PS3.18 table 6.7.1-2) */
  returned: boolean;
  match?: { kind: MatchKind; column: string };
}

const attribute = (keyword: string, tag: string, level: QidoLevel, returned: boolean, match?: IndexedAttribute['match']): IndexedAttribute => ({
  keyword,
  tag,
  level,
  returned,
  ...(match ? { match } : {}),
});

/** What is indexed per instance (jsonb `attributes`), and which of it can be matched on (a column each). */
export const INDEXED_ATTRIBUTES: IndexedAttribute[] = [
  attribute('SpecificCharacterSet', '00080005', 'study', true),
  attribute('StudyDate', '00080020', 'study', true, { kind: 'date', column: 'study_date' }),
  attribute('StudyTime', '00080030', 'study', true, { kind: 'time', column: 'study_time' }),
  attribute('AccessionNumber', '00080050', 'study', true, { kind: 'text', column: 'accession_number' }),
  attribute('ModalitiesInStudy', '00080061', 'study', true, { kind: 'modalities', column: 'modality' }),
  attribute('ReferringPhysicianName', '00080090', 'study', true, { kind: 'pn', column: 'referring_physician_name' }),
  attribute('TimezoneOffsetFromUTC', '00080201', 'study', true),
  attribute('StudyDescription', '00081030', 'study', true, { kind: 'text', column: 'study_description' }),
  attribute('PatientName', '00100010', 'study', true, { kind: 'pn', column: 'patient_name' }),
  attribute('PatientID', '00100020', 'study', true, { kind: 'text', column: 'patient_id' }),
  attribute('PatientBirthDate', '00100030', 'study', true),
  attribute('PatientSex', '00100040', 'study', true),
  attribute('StudyInstanceUID', '0020000D', 'study', true, { kind: 'uid', column: 'study_instance_uid' }),
  attribute('StudyID', '00200010', 'study', true),
  attribute('Modality', '00080060', 'series', true, { kind: 'list', column: 'modality' }),
  attribute('SeriesDate', '00080021', 'series', false),
  attribute('SeriesTime', '00080031', 'series', false),
  attribute('SeriesDescription', '0008103E', 'series', true),
  attribute('BodyPartExamined', '00180015', 'series', false),
  attribute('SeriesInstanceUID', '0020000E', 'series', true, { kind: 'uid', column: 'series_instance_uid' }),
  attribute('SeriesNumber', '00200011', 'series', true, { kind: 'int', column: 'series_number' }),
  attribute('PerformedProcedureStepStartDate', '00400244', 'series', true),
  attribute('PerformedProcedureStepStartTime', '00400245', 'series', true),
  attribute('ImageType', '00080008', 'instance', false),
  attribute('SOPClassUID', '00080016', 'instance', true, { kind: 'uid', column: 'sop_class_uid' }),
  attribute('SOPInstanceUID', '00080018', 'instance', true, { kind: 'uid', column: 'sop_instance_uid' }),
  attribute('ContentDate', '00080023', 'instance', false),
  attribute('ContentTime', '00080033', 'instance', false),
  attribute('Manufacturer', '00080070', 'instance', false),
  attribute('SliceThickness', '00180050', 'instance', false),
  attribute('AcquisitionNumber', '00200012', 'instance', false),
  attribute('InstanceNumber', '00200013', 'instance', true, { kind: 'int', column: 'instance_number' }),
  attribute('ImagePositionPatient', '00200032', 'instance', false),
  attribute('ImageOrientationPatient', '00200037', 'instance', false),
  attribute('FrameOfReferenceUID', '00200052', 'instance', false),
  attribute('SliceLocation', '00201041', 'instance', false),
  attribute('SamplesPerPixel', '00280002', 'instance', false),
  attribute('PhotometricInterpretation', '00280004', 'instance', false),
  attribute('NumberOfFrames', '00280008', 'instance', true),
  attribute('Rows', '00280010', 'instance', true),
  attribute('Columns', '00280011', 'instance', true),
  attribute('PixelSpacing', '00280030', 'instance', false),
  attribute('BitsAllocated', '00280100', 'instance', true),
  attribute('BitsStored', '00280101', 'instance', false),
  attribute('PixelRepresentation', '00280103', 'instance', false),
  attribute('WindowCenter', '00281050', 'instance', false),
  attribute('WindowWidth', '00281051', 'instance', false),
  attribute('RescaleIntercept', '00281052', 'instance', false),
  attribute('RescaleSlope', '00281053', 'instance', false),
];

const byKeyword = new Map(INDEXED_ATTRIBUTES.map((a) => [a.keyword, a]));
const byTag = new Map(INDEXED_ATTRIBUTES.map((a) => [a.tag, a]));

/** An indexed attribute by keyword (as PS3.6 spells it) or tag (8 hex digits, any case). */
export function indexedAttribute(key: string): IndexedAttribute | undefined {
  return byKeyword.get(key) ?? (/^[0-9a-fA-F]{8}$/.test(key) ? byTag.get(key.toUpperCase()) : undefined);
}

const LEVEL_RANK: Record<QidoLevel, number> = { study: 0, series: 1, instance: 2 };

/** Whether attributes of `level` may be matched and returned in a search at `searched` (a level and those above it). */
export function visibleAt(level: QidoLevel, searched: QidoLevel): boolean {
  return LEVEL_RANK[level] <= LEVEL_RANK[searched];
}
