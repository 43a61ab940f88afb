import type { DicomInstance } from '@polyrad/dicom';
import type { Report, Vec3 } from '@polyrad/sdk';

/** An image of the source study that findings can reference. */
export interface SourceImage {
  SOPClassUID: string;
  SOPInstanceUID: string;
  /** where the slice lies (LPS, mm), to find the slice through a finding */
  ImagePositionPatient?: Vec3;
  ImageOrientationPatient?: [number, number, number, number, number, number];
}

/** Farthest a finding may lie from the nearest slice's plane and still be said to be seen on it, mm. */
const MAX_SLICE_DISTANCE_MM = 10;

/** The single-frame image whose plane passes closest to `point`, if one passes within MAX_SLICE_DISTANCE_MM. */
export function imageThrough(series: SourceSeries | undefined, point: Vec3): SourceImage | undefined {
  let best: { image: SourceImage; distance: number } | undefined;
  for (const image of series?.instances ?? []) {
    const [p, o] = [image.ImagePositionPatient, image.ImageOrientationPatient];
    if (!p || !o) continue;
    const normal = [o[1] * o[5] - o[2] * o[4], o[2] * o[3] - o[0] * o[5], o[0] * o[4] - o[1] * o[3]];
    const distance = Math.abs(normal.reduce((sum, n, i) => sum + n * (point[i] - p[i]), 0));
    if (!best || distance < best.distance) best = { image, distance };
  }
  return best && best.distance <= MAX_SLICE_DISTANCE_MM ? best.image : undefined;
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
        instances: [
          ...new Map(
            images.map((i) => [
              i.SOPInstanceUID,
              {
                SOPClassUID: i.SOPClassUID,
                SOPInstanceUID: i.SOPInstanceUID,
                // a multi-frame image has no single plane to point at
                ...(i.NumberOfFrames === 1 && i.ImagePositionPatient && i.ImageOrientationPatient ? { ImagePositionPatient: i.ImagePositionPatient, ImageOrientationPatient: i.ImageOrientationPatient } : {}),
              },
            ]),
          ).values(),
        ],
      };
    }),
  };
}
