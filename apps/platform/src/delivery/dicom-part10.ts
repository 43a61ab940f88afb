import dcmjs from 'dcmjs';
import { derivedUid } from './delivery-identifiers.js';
import { POLYRAD_SCHEME, POLYRAD_SCHEME_NAME } from './finding-concepts.js';
import type { SourceStudy } from './source-study.js';

const { DicomDict, DicomMetaDictionary } = dcmjs.data;

const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
const IMPLEMENTATION_CLASS_UID = derivedUid('polyrad-implementation-class');

type Item = Record<string, unknown>;

/** A DICOM date and time (DA, TM) from an ISO time, in UTC. */
export function dicomDateTime(iso: string): { date: string; time: string } {
  const [date, time] = new Date(iso).toISOString().split('T');
  return { date: date!.replace(/-/g, ''), time: time!.replace(/[:Z]/g, '').slice(0, 10) };
}

/** Creation, series and content date and time of an instance that Polyrad makes, with its series, at `iso`. */
export function creationDateTimes(iso: string): Item {
  const { date, time } = dicomDateTime(iso);
  return { InstanceCreationDate: date, InstanceCreationTime: time, SeriesDate: date, SeriesTime: time, ContentDate: date, ContentTime: time };
}

/**
 * What every instance Polyrad writes into the source study copies or states alike: patient, study and
 * equipment attributes, and the private coding scheme its codes may use (PS3.3 8.2.1).
 */
export function sourceStudyAttributes(source: SourceStudy, generatorVersion: string): Item {
  return {
    SpecificCharacterSet: 'ISO_IR 192',
    StudyDate: source.StudyDate,
    StudyTime: source.StudyTime,
    AccessionNumber: source.AccessionNumber,
    Manufacturer: 'Polyrad',
    ReferringPhysicianName: '',
    CodingSchemeIdentificationSequence: [{ CodingSchemeDesignator: POLYRAD_SCHEME, CodingSchemeName: POLYRAD_SCHEME_NAME, CodingSchemeResponsibleOrganization: 'Polyrad' }],
    StudyDescription: source.StudyDescription,
    ManufacturerModelName: 'polyrad',
    PatientName: source.PatientName,
    PatientID: source.PatientID,
    ...(source.IssuerOfPatientID ? { IssuerOfPatientID: source.IssuerOfPatientID } : {}),
    PatientBirthDate: source.PatientBirthDate,
    PatientSex: source.PatientSex,
    DeviceSerialNumber: '1',
    SoftwareVersions: generatorVersion,
    StudyInstanceUID: source.StudyInstanceUID,
    StudyID: '',
  };
}

/** A naturalized dataset as Part 10 bytes, explicit VR little endian (dcmjs writes the elements in tag order). */
export function writePart10(dataset: Item, generatorVersion: string): Buffer {
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: dataset.SOPClassUID,
    MediaStorageSOPInstanceUID: dataset.SOPInstanceUID,
    TransferSyntaxUID: EXPLICIT_VR_LITTLE_ENDIAN,
    ImplementationClassUID: IMPLEMENTATION_CLASS_UID,
    ImplementationVersionName: `POLYRAD_${generatorVersion}`.slice(0, 16),
  };
  const dict = new DicomDict(DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = DicomMetaDictionary.denaturalizeDataset(dataset);
  return Buffer.from(dict.write());
}
