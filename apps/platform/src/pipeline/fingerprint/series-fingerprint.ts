/**
 * What the dispatcher knows about a series before any plugin runs: header facts (DICOM keywords
 * verbatim) and derived geometry (camelCase). Pure: computed from the instances' headers.
 */
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

export type SeriesFingerprint = Record<string, unknown>;

function orientationOf(iop: number[] | undefined): string | undefined {
  if (!iop || iop.length !== 6) return undefined;
  const normal = [iop[1] * iop[5] - iop[2] * iop[4], iop[2] * iop[3] - iop[0] * iop[5], iop[0] * iop[4] - iop[1] * iop[3]];
  const axis = normal.map(Math.abs);
  const max = Math.max(...axis);
  // Within ~10 degrees of a main plane counts as that plane.
  if (max < 0.985) return 'oblique';
  return ['sagittal', 'coronal', 'axial'][axis.indexOf(max)];
}

function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export function fingerprintSeries(headers: FingerprintHeader[]): SeriesFingerprint {
  const first = headers[0] ?? {};
  const iop = first.ImageOrientationPatient;
  const orientation = orientationOf(iop);
  const fingerprint: SeriesFingerprint = {
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
    sliceCount: headers.reduce((sum, h) => sum + (h.NumberOfFrames && h.NumberOfFrames > 1 ? h.NumberOfFrames : 1), 0),
    contrastInHeader: Boolean(first.ContrastBolusAgent && first.ContrastBolusAgent.trim()),
  };
  if (iop && iop.length === 6) {
    const normal = [iop[1] * iop[5] - iop[2] * iop[4], iop[2] * iop[3] - iop[0] * iop[5], iop[0] * iop[4] - iop[1] * iop[3]];
    const positions = headers
      .map((h) => h.ImagePositionPatient)
      .filter((p): p is number[] => Array.isArray(p) && p.length === 3)
      .map((p) => p[0] * normal[0] + p[1] * normal[1] + p[2] * normal[2])
      .sort((a, b) => a - b);
    if (positions.length > 1) {
      const steps = positions.slice(1).map((p, n) => p - positions[n]);
      fingerprint.coverageMm = round(positions[positions.length - 1] - positions[0], 1);
      fingerprint.sliceSpacingMm = round(steps.sort((a, b) => a - b)[Math.floor(steps.length / 2)], 3);
      if (orientation === 'axial') {
        fingerprint.zRangeMm = [round(positions[0], 1), round(positions[positions.length - 1], 1)];
      }
    }
  }
  return fingerprint;
}
