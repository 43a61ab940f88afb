import type { SeriesFingerprint } from '@polyrad/sdk';
import { contrastInHeaderOf } from './contrast.attribute.js';
import { orientationOf } from './orientation.attribute.js';
import { round } from './round.js';
import { sliceCountOf } from './slice-count.attribute.js';
import { sliceGeometryOf } from './slice-geometry.attribute.js';

/** The header attributes a fingerprint is computed from (DICOM keywords verbatim). */
export interface FingerprintHeader {
  Modality?: string;
  SOPClassUID?: string;
  SeriesDescription?: string;
  BodyPartExamined?: string;
  ImageType?: string[];
  ConvolutionKernel?: string | string[];
  ContrastBolusAgent?: string;
  Manufacturer?: string;
  SliceThickness?: number;
  Rows?: number;
  Columns?: number;
  PixelSpacing?: number[];
  ImagePositionPatient?: number[];
  ImageOrientationPatient?: number[];
  NumberOfFrames?: number;
  PhotometricInterpretation?: string;
  ViewPosition?: string;
}

/** What the headers alone tell; the pixel content and the combined contrast come later (study.scanner.ts). */
export type HeaderFingerprint = Omit<SeriesFingerprint, 'bodyRegions' | 'lungCoverage' | 'lungAirMl' | 'mediastinalBloodHu' | 'contrastMeasured' | 'contentError' | 'contrast'>;

/** Header facts (the first instance's) and geometry computed from every instance's header. Pure. */
export function fingerprintSeries(headers: FingerprintHeader[]): HeaderFingerprint {
  const first = headers[0] ?? {};
  const iop = first.ImageOrientationPatient;
  const orientation = orientationOf(iop);
  // key order is the order report.json and `polyrad explain` show
  return {
    Modality: first.Modality,
    SOPClassUID: first.SOPClassUID,
    SeriesDescription: first.SeriesDescription ?? '',
    BodyPartExamined: first.BodyPartExamined ?? '',
    ImageType: first.ImageType,
    ConvolutionKernel: first.ConvolutionKernel,
    Manufacturer: first.Manufacturer,
    SliceThickness: first.SliceThickness,
    Rows: first.Rows,
    Columns: first.Columns,
    PhotometricInterpretation: first.PhotometricInterpretation || undefined,
    ViewPosition: first.ViewPosition || undefined,
    pixelSpacingMm: first.PixelSpacing?.map((v) => round(v, 3)),
    orientation,
    instanceCount: headers.length,
    sliceCount: sliceCountOf(headers),
    contrastInHeader: contrastInHeaderOf(first.ContrastBolusAgent),
    ...sliceGeometryOf(
      headers.map((h) => h.ImagePositionPatient),
      iop,
      orientation,
    ),
  };
}
