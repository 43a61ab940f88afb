import type { DicomInstance } from '@polyrad/dicom';
import type { Report } from '@polyrad/sdk';

/** An image of the source study that findings can reference. */
export interface SourceImage {
  SOPClassUID: string;
  SOPInstanceUID: string;
}

export interface SourceSeries {
  SeriesInstanceUID: string;
  Modality: string;
  SeriesNumber?: number;
  SeriesDescription: string;
  /** '' when unknown; SR spatial coordinates (finding centres) need it */
  FrameOfReferenceUID: string;
  instances: SourceImage[];
}

/**
 * The patient and study attributes delivered outputs copy from the source images (DICOM keywords verbatim),
 * which report.json does not hold: the SR's patient and study modules, the PDF header, FHIR ImagingStudy.
 */
export interface SourceStudy {
  PatientID: string;
  PatientName: string;
  PatientBirthDate: string;
  PatientSex: string;
  IssuerOfPatientID: string;
  StudyInstanceUID: string;
  StudyDate: string;
  StudyTime: string;
  AccessionNumber: string;
  StudyDescription: string;
  Manufacturer: string;
  series: SourceSeries[];
}

/** The source study from report.json alone (no images at hand): identifiers only, names left empty. */
export function sourceStudyFromReport(report: Report): SourceStudy {
  const { study } = report;
  return {
    PatientID: study.patientId,
    PatientName: '',
    PatientBirthDate: '',
    PatientSex: '',
    IssuerOfPatientID: '',
    StudyInstanceUID: study.studyInstanceUid,
    StudyDate: study.studyDate,
    StudyTime: '',
    AccessionNumber: study.accessionNumber,
    StudyDescription: '',
    Manufacturer: '',
    series: report.series.map((s) => ({ SeriesInstanceUID: s.seriesInstanceUid, Modality: s.modality, SeriesDescription: '', FrameOfReferenceUID: '', instances: [] })),
  };
}

/**
 * The source study from the headers of the analysed files: the series of the report, each with its images
 * (in InstanceNumber order, for a stable output), patient and study attributes from its first image.
 */
export function sourceStudyFromInstances(report: Report, instances: DicomInstance[]): SourceStudy {
  const fallback = sourceStudyFromReport(report);
  const ofStudy = instances.filter((i) => i.StudyInstanceUID === report.study.studyInstanceUid);
  const first = ofStudy[0];
  if (!first) return fallback;
  return {
    ...fallback,
    PatientName: first.PatientName,
    PatientBirthDate: first.PatientBirthDate,
    PatientSex: first.PatientSex,
    IssuerOfPatientID: first.IssuerOfPatientID ?? '',
    StudyTime: first.StudyTime,
    StudyDescription: first.StudyDescription,
    Manufacturer: first.Manufacturer,
    series: fallback.series.map((series) => {
      const images = ofStudy
        .filter((i) => i.SeriesInstanceUID === series.SeriesInstanceUID)
        .sort((a, b) => (a.InstanceNumber ?? 0) - (b.InstanceNumber ?? 0) || a.SOPInstanceUID.localeCompare(b.SOPInstanceUID));
      return {
        ...series,
        SeriesNumber: images[0]?.SeriesNumber,
        SeriesDescription: images[0]?.SeriesDescription ?? '',
        FrameOfReferenceUID: images[0]?.FrameOfReferenceUID ?? '',
        instances: [...new Map(images.map((i) => [i.SOPInstanceUID, { SOPClassUID: i.SOPClassUID, SOPInstanceUID: i.SOPInstanceUID }])).values()],
      };
    }),
  };
}
