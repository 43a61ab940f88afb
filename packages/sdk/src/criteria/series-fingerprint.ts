/** A body region seen in a CT series' pixels. */
export type BodyRegion = 'head' | 'thorax' | 'abdomen';

/**
 * What the platform knows about a series before any plugin runs, and what manifest criteria are judged
 * on: header facts (DICOM keywords verbatim), geometry computed from the headers and, for CT stacks,
 * content measured from the pixels (camelCase). An object type rather than an interface, so it passes
 * where plugins receive the fingerprint as a plain record.
 */
export type SeriesFingerprint = {
  Modality?: string;
  SOPClassUID?: string;
  /** '' when absent */
  SeriesDescription: string;
  /** '' when absent; often empty or wrong, bodyRegions is measured */
  BodyPartExamined: string;
  ImageType?: string[];
  ConvolutionKernel?: string | string[];
  Manufacturer?: string;
  SliceThickness?: number;
  Rows?: number;
  Columns?: number;
  PhotometricInterpretation?: string;
  ViewPosition?: string;
  pixelSpacingMm?: number[];
  orientation?: 'axial' | 'coronal' | 'sagittal' | 'oblique';
  instanceCount: number;
  /** frames of every instance, a multi-frame file counting each frame */
  sliceCount: number;
  /** ContrastBolusAgent is filled in */
  contrastInHeader: boolean;
  /** first to last slice along the slice normal, mm */
  coverageMm?: number;
  /** median step between slices, mm */
  sliceSpacingMm?: number;
  /** first and last slice position of an axial stack, mm */
  zRangeMm?: [number, number];
  /** body regions with enough imaged slices, head to foot */
  bodyRegions?: BodyRegion[];
  /** lungs with both apex and base inside the scan ('complete'), cut off ('partial') or absent ('none') */
  lungCoverage?: 'complete' | 'partial' | 'none';
  /** air enclosed by the body on lung slices, mL (an estimate of the imaged lung volume) */
  lungAirMl?: number;
  /** median attenuation of the anterior mediastinal soft tissue, HU (about 40 unenhanced, above 120 with IV contrast) */
  mediastinalBloodHu?: number;
  /** IV contrast judged from mediastinalBloodHu */
  contrastMeasured?: boolean;
  /** why the pixels could not be read for bodyRegions and the other content fields */
  contentError?: string;
  /** IV contrast in the header or measured */
  contrast: boolean;
};

// A Record over the interface's keys: a field missing here, or one the interface lacks, fails to compile.
const FIELDS: Record<keyof SeriesFingerprint, true> = {
  Modality: true,
  SOPClassUID: true,
  SeriesDescription: true,
  BodyPartExamined: true,
  ImageType: true,
  ConvolutionKernel: true,
  Manufacturer: true,
  SliceThickness: true,
  Rows: true,
  Columns: true,
  PhotometricInterpretation: true,
  ViewPosition: true,
  pixelSpacingMm: true,
  orientation: true,
  instanceCount: true,
  sliceCount: true,
  contrastInHeader: true,
  coverageMm: true,
  sliceSpacingMm: true,
  zRangeMm: true,
  bodyRegions: true,
  lungCoverage: true,
  lungAirMl: true,
  mediastinalBloodHu: true,
  contrastMeasured: true,
  contentError: true,
  contrast: true,
};

/**
 * Every field a manifest criterion on the fingerprint may name; manifest validation refuses others, so a
 * typo cannot make a criterion that never matches.
 */
export const SERIES_FINGERPRINT_FIELDS = Object.freeze(Object.keys(FIELDS) as Array<keyof SeriesFingerprint>);
