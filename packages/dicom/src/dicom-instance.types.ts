import type { Vec3 } from '@polyrad/sdk';

/**
 * What one DICOM file holds, read from its header without decoding pixels. Attribute names are
 * DICOM keywords verbatim; text attributes that are absent read as '' and numbers as undefined,
 * so a fingerprint can tell "empty" from "not a number" without guessing.
 */
export interface DicomInstance {
  /** Absolute path of the file. */
  path: string;
  fileSize: number;
  TransferSyntaxUID: string;
  /** (0002,0002); '1.2.840.10008.1.3.10' marks a DICOMDIR. */
  MediaStorageSOPClassUID: string;
  SOPClassUID: string;
  SOPInstanceUID: string;
  StudyInstanceUID: string;
  SeriesInstanceUID: string;
  FrameOfReferenceUID: string;
  PatientID: string;
  PatientName: string;
  PatientBirthDate: string;
  /** (0010,0021); '' when absent */
  IssuerOfPatientID?: string;
  PatientSex: string;
  PatientAge: string;
  StudyDate: string;
  StudyTime: string;
  SeriesDate: string;
  AccessionNumber: string;
  StudyDescription: string;
  SeriesDescription: string;
  Modality: string;
  SeriesNumber?: number;
  InstanceNumber?: number;
  AcquisitionNumber?: number;
  BodyPartExamined: string;
  /** projection radiography: AP, PA, LL... (CTR is defined on PA films) */
  ViewPosition: string;
  ImageType: string[];
  ConvolutionKernel: string;
  ContrastBolusAgent: string;
  KVP?: number;
  Manufacturer: string;
  ManufacturerModelName: string;
  PatientPosition: string;
  Rows: number;
  Columns: number;
  BitsAllocated: number;
  BitsStored: number;
  HighBit: number;
  /** 0 unsigned, 1 two's complement. */
  PixelRepresentation: number;
  SamplesPerPixel: number;
  PhotometricInterpretation: string;
  /** 0 pixel-interleaved (or absent), 1 colour planes one after another; colour images only. */
  PlanarConfiguration?: number;
  ImagePositionPatient?: Vec3;
  ImageOrientationPatient?: [number, number, number, number, number, number];
  /** [row spacing (between rows, along a column), column spacing (between columns, along a row)], mm. */
  PixelSpacing?: [number, number];
  /** (0018,1164) Spacing at the detector plane (CR/DX), same order as PixelSpacing; used when PixelSpacing is absent. */
  ImagerPixelSpacing?: [number, number];
  SliceThickness?: number;
  SpacingBetweenSlices?: number;
  SliceLocation?: number;
  /** 1 when absent. */
  RescaleSlope: number;
  /** 0 when absent. */
  RescaleIntercept: number;
  RescaleType: string;
  /** Set by the scan on an enhanced multi-frame file that holds several stacks; groupSeries splits it. */
  stacks?: FrameStack[];
  /** One stack of such a file, analysed as its own series: its frames, and the series it came from. */
  stack?: FrameStack & { of: number; sourceSeriesInstanceUID: string };
  /** Modality LUT Sequence (0028,3000): when present it replaces the rescale. */
  ModalityLUTSequence?: ModalityLut;
  /** Interpreted with PixelRepresentation: LIDC's 63536 (0xF830) with signed pixels reads as -2000. */
  PixelPaddingValue?: number;
  PixelPaddingRangeLimit?: number;
  /** 1 when absent. */
  NumberOfFrames: number;
  WindowCenter?: number;
  WindowWidth?: number;
  hasPixelData: boolean;
  /**
   * Byte offset of the Pixel Data value in the file (not for deflated files, whose offsets are in the
   * inflated stream): lets loading read the header or the pixels alone instead of the whole file.
   */
  pixelDataOffset?: number;
  /** Declared length of native (not encapsulated) Pixel Data, with pixelDataOffset. */
  pixelDataLength?: number;
  /** Geometry attributes present with values that are not usable numbers (e.g. a PixelSpacing of NaN), named with their tags. */
  unusableAttributes?: string[];
}

/** Instances that belong to one series (same StudyInstanceUID and SeriesInstanceUID). */
export interface DicomSeries {
  /** Stable grouping key: "<StudyInstanceUID>|<SeriesInstanceUID>", or "synthetic:<hash>". */
  key: string;
  /** The instances' UID, or a stable generated 2.25 UID when the files left it empty (see syntheticUids). */
  StudyInstanceUID: string;
  SeriesInstanceUID: string;
  Modality: string;
  SeriesNumber?: number;
  SeriesDescription: string;
  /** True when the UIDs above were made up: the files left them empty, or the series is one stack of a multi-stack file. */
  syntheticUids: boolean;
  /** Sorted by path for a stable order; loadVolume sorts them in space. */
  instances: DicomInstance[];
  /** Things a user should know about how the series was put together. */
  warnings: string[];
}

/** A file that could not be used, with the reason in a form a user can act on. */
export interface RejectedInput {
  path: string;
  code: string;
  message: string;
}

export interface DicomScanResult {
  instances: DicomInstance[];
  rejected: RejectedInput[];
}

/** The one item of a Modality LUT Sequence (PS3.3 C.11.1), its 16-bit table read out. */
export interface ModalityLut {
  /** [entries, first stored value mapped (signed with PixelRepresentation 1), bits per entry]. */
  LUTDescriptor: [number, number, number];
  LUTData: Uint16Array;
  /** What the output means: HU, OD, US (unspecified)... */
  ModalityLUTType: string;
}

/** One stack of parallel frames in a multi-frame file: what tells it apart, and its frame indices. */
export interface FrameStack {
  label: string;
  frames: number[];
}
