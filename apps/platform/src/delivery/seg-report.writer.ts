import type { LabelMask, Vec3 } from '@polyrad/sdk';
import type { AnalysisMask } from '../pipeline/study.pipeline.js';
import type { ReportDocument } from '../pipeline/report/report-document.js';
import { derivedUid } from './delivery-identifiers.js';
import { creationDateTimes, sourceStudyAttributes, writePart10 } from './dicom-part10.js';
import { POLYRAD_SCHEME, type CodedConcept } from './finding-concepts.js';
import { imageThrough, type SourceImage, type SourceStudy } from './source-study.js';

export const SEGMENTATION_STORAGE = '1.2.840.10008.5.1.4.1.1.66.4';

/** A label mask a plugin produced (an artifact of the analysis), with where it came from. */
export type SegmentationMask = AnalysisMask;

/** A segment of a written SEG: what the SR's measurement groups reference. */
export interface SegmentReference {
  segmentNumber: number;
  /** the mask's label name (lung.right, heart...) */
  label: string;
  seriesInstanceUid: string;
}

/** One SEG instance: its bytes, UIDs and segments. */
export interface WrittenSegmentation {
  sopInstanceUid: string;
  seriesInstanceUid: string;
  sourceSeriesInstanceUid: string;
  segments: SegmentReference[];
  bytes: Buffer;
}

type Item = Record<string, unknown>;

const sct = (value: string, meaning: string): CodedConcept => ({ scheme: 'SCT', value, meaning });
const ANATOMICAL_STRUCTURE = sct('123037004', 'Anatomical Structure');
const ALTERED_STRUCTURE = sct('49755003', 'Morphologically Altered Structure');
/** SNOMED CT body structures of the label names the bundled plugins write (DICOM CID 7166 / 7150). */
const STRUCTURES: Record<string, CodedConcept> = {
  'lung.right': sct('3341006', 'Right lung'),
  'lung.left': sct('44029006', 'Left lung'),
  lung: sct('39607008', 'Lung'),
  heart: sct('80891009', 'Heart'),
  aorta: sct('15825003', 'Aorta'),
  'aorta.ascending': sct('54247002', 'Ascending aorta'),
  'aorta.descending': sct('32672002', 'Descending aorta'),
};
/**
 * Labels named after their finding ("nodule 1 (right, 14 mm)", "vertebral body 3 (z -120 mm)"): the
 * category and type by the label's first words (DICOM CID 7150/7151: a lesion is a morphologically altered
 * structure; a vertebral body, whose level is not numbered, the vertebra).
 */
const NAMED_SEGMENTS: Array<{ pattern: RegExp; category: CodedConcept; type: CodedConcept; colour: [number, number, number] }> = [
  { pattern: /^nodule\b/, category: ALTERED_STRUCTURE, type: sct('27925004', 'Nodule'), colour: [55705, 32896, 53456] },
  { pattern: /^mass\b/, category: ALTERED_STRUCTURE, type: sct('4147007', 'Mass'), colour: [45875, 48316, 48316] },
  { pattern: /^vertebral body\b/, category: ANATOMICAL_STRUCTURE, type: sct('421060004', 'Vertebral column'), colour: [58982, 32896, 35466] },
];
/** Colours a viewer shows each segment in (CIELab, PS3.3 C.10.7.1.1), by label. */
const COLOURS: Record<string, [number, number, number]> = {
  'lung.right': [34885, 53389, 38604],
  'lung.left': [44061, 44229, 26214],
  heart: [30554, 60004, 53451],
  'aorta.ascending': [32768, 48316, 43176],
  'aorta.descending': [32768, 48316, 43176],
};
const GREY: [number, number, number] = [43803, 32896, 32896];

const code = (c: CodedConcept): Item => ({ CodeValue: c.value, CodingSchemeDesignator: c.scheme, CodeMeaning: c.meaning.slice(0, 64) });
/** Category, type and colour of a label; a structure without a standard code keeps its name in the private scheme (declared in the file). */
function segmentConcepts(label: string): { category: CodedConcept; type: CodedConcept; colour: [number, number, number] } {
  const named = NAMED_SEGMENTS.find((n) => n.pattern.test(label));
  if (named) return named;
  return { category: ANATOMICAL_STRUCTURE, type: STRUCTURES[label] ?? { scheme: POLYRAD_SCHEME, value: label.slice(0, 16), meaning: label }, colour: COLOURS[label] ?? GREY };
}

const add = (a: Vec3, b: Vec3, s: number): Vec3 => [a[0] + b[0] * s, a[1] + b[1] * s, a[2] + b[2] * s];

/** The non-empty slices of each label: frames are written only where the structure is. */
function labelSlices(mask: LabelMask, label: number): number[] {
  const [nx, ny, nz] = mask.geometry.dimensions;
  const slices: number[] = [];
  for (let k = 0; k < nz; k++) {
    const start = k * nx * ny;
    for (let p = start; p < start + nx * ny; p++) {
      if (mask.labels[p] === label) {
        slices.push(k);
        break;
      }
    }
  }
  return slices;
}

/**
 * The masks of one source series as one binary DICOM Segmentation (PS3.3 A.51): one segment per labelled
 * structure, coded in SNOMED CT, and one frame per slice the structure is on, each derived from the source
 * image of that slice. Undefined when the source images are not at hand (report.json alone) or the masks do
 * not lie on the series' slices: a SEG must reference the images it segments.
 */
export function writeSeriesSeg(doc: Pick<ReportDocument, 'study' | 'generatedAt' | 'generator'>, source: SourceStudy, masks: SegmentationMask[]): WrittenSegmentation | undefined {
  const seriesUid = masks[0]?.seriesInstanceUid;
  const series = source.series.find((s) => s.SeriesInstanceUID === seriesUid);
  if (!seriesUid || !series?.FrameOfReferenceUID || series.instances.length === 0) return undefined;
  const geometry = masks[0]!.mask.geometry;
  const [nx, ny] = geometry.dimensions;
  const slicePosition = (k: number): Vec3 => add(geometry.origin, geometry.direction[2], k * geometry.spacing[2]);

  const segments: Array<SegmentReference & { mask: SegmentationMask; value: number; slices: number[] }> = [];
  for (const mask of masks) {
    const sameGrid = mask.mask.geometry.dimensions.every((d, i) => d === geometry.dimensions[i]) && mask.mask.geometry.origin.every((o, i) => Math.abs(o - geometry.origin[i]) < 1e-3);
    if (!sameGrid) continue;
    for (const [value, label] of Object.entries(mask.mask.labelNames)) {
      const slices = labelSlices(mask.mask, Number(value));
      if (slices.length) segments.push({ segmentNumber: segments.length + 1, label, seriesInstanceUid: seriesUid, mask, value: Number(value), slices });
    }
  }
  const frames = segments.flatMap((segment) => segment.slices.map((k) => ({ segment, k, image: imageThrough(series, slicePosition(k)) })));
  if (frames.length === 0 || frames.some((f) => !f.image)) return undefined;

  const sopInstanceUid = derivedUid('polyrad-seg', doc.study.studyInstanceUid, doc.generatedAt, seriesUid);
  const segSeriesUid = derivedUid('polyrad-seg-series', doc.study.studyInstanceUid, seriesUid);
  const dimensionOrganization = derivedUid('polyrad-seg-dimensions', sopInstanceUid);
  const sourceRef = (image: SourceImage): Item => ({ ReferencedSOPClassUID: image.SOPClassUID, ReferencedSOPInstanceUID: image.SOPInstanceUID });

  // BINARY: one bit per pixel, frames packed one after the other, least significant bit first (PS3.5 8.1.1)
  const pixels = new Uint8Array(Math.ceil((frames.length * nx * ny) / 8));
  frames.forEach(({ segment, k }, f) => {
    const { labels } = segment.mask.mask;
    const start = k * nx * ny;
    for (let p = 0; p < nx * ny; p++) {
      if (labels[start + p] !== segment.value) continue;
      const bit = f * nx * ny + p;
      pixels[bit >> 3]! |= 1 << (bit & 7);
    }
  });

  const referencedImages = [...new Map(frames.map((f) => [f.image!.SOPInstanceUID, f.image!])).values()];
  const dataset: Item = {
    ...sourceStudyAttributes(source, doc.generator.version),
    ...creationDateTimes(doc.generatedAt),
    ImageType: ['DERIVED', 'PRIMARY'],
    SOPClassUID: SEGMENTATION_STORAGE,
    SOPInstanceUID: sopInstanceUid,
    Modality: 'SEG',
    SeriesDescription: 'Polyrad segmentations (decision support)',
    ReferencedSeriesSequence: [{ SeriesInstanceUID: seriesUid, ReferencedInstanceSequence: referencedImages.map(sourceRef) }],
    SeriesInstanceUID: segSeriesUid,
    SeriesNumber: 9902,
    InstanceNumber: 1,
    FrameOfReferenceUID: series.FrameOfReferenceUID,
    PositionReferenceIndicator: '',
    DimensionOrganizationSequence: [{ DimensionOrganizationUID: dimensionOrganization }],
    DimensionIndexSequence: [
      // (0062,000B) Referenced Segment Number in (0062,000A) Segment Identification Sequence
      { DimensionOrganizationUID: dimensionOrganization, DimensionIndexPointer: 0x0062000b, FunctionalGroupPointer: 0x0062000a, DimensionDescriptionLabel: 'ReferencedSegmentNumber' },
      // (0020,0032) Image Position (Patient) in (0020,9113) Plane Position Sequence
      { DimensionOrganizationUID: dimensionOrganization, DimensionIndexPointer: 0x00200032, FunctionalGroupPointer: 0x00209113, DimensionDescriptionLabel: 'ImagePositionPatient' },
    ],
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    NumberOfFrames: frames.length,
    Rows: ny,
    Columns: nx,
    BitsAllocated: 1,
    BitsStored: 1,
    HighBit: 0,
    PixelRepresentation: 0,
    LossyImageCompression: '00',
    SegmentationType: 'BINARY',
    ContentLabel: 'POLYRAD',
    ContentDescription: 'Polyrad algorithm segmentations, unverified',
    ContentCreatorName: '',
    SegmentSequence: segments.map((s) => ({
      SegmentNumber: s.segmentNumber,
      SegmentLabel: s.label.slice(0, 64),
      SegmentAlgorithmType: 'AUTOMATIC',
      SegmentAlgorithmName: `${s.mask.algorithmId} ${s.mask.algorithmVersion}`.slice(0, 64),
      ...(s.mask.description ? { SegmentDescription: s.mask.description.slice(0, 1024) } : {}),
      SegmentedPropertyCategoryCodeSequence: [code(segmentConcepts(s.label).category)],
      SegmentedPropertyTypeCodeSequence: [code(segmentConcepts(s.label).type)],
      RecommendedDisplayCIELabValue: segmentConcepts(s.label).colour,
    })),
    SharedFunctionalGroupsSequence: [
      {
        PlaneOrientationSequence: [{ ImageOrientationPatient: [...geometry.direction[0], ...geometry.direction[1]] }],
        PixelMeasuresSequence: [{ PixelSpacing: [geometry.spacing[1], geometry.spacing[0]], SliceThickness: geometry.spacing[2], SpacingBetweenSlices: geometry.spacing[2] }],
      },
    ],
    PerFrameFunctionalGroupsSequence: frames.map(({ segment, k, image }) => ({
      FrameContentSequence: [{ DimensionIndexValues: [segment.segmentNumber, k + 1] }],
      PlanePositionSequence: [{ ImagePositionPatient: slicePosition(k) }],
      DerivationImageSequence: [
        {
          SourceImageSequence: [{ ...sourceRef(image!), PurposeOfReferenceCodeSequence: [code({ scheme: 'DCM', value: '121322', meaning: 'Source image for image processing operation' })] }],
          DerivationCodeSequence: [code({ scheme: 'DCM', value: '113076', meaning: 'Segmentation' })],
        },
      ],
      SegmentIdentificationSequence: [{ ReferencedSegmentNumber: segment.segmentNumber }],
    })),
    PixelData: pixels.buffer,
    _vrMap: { PixelData: 'OB' },
  };
  return {
    sopInstanceUid,
    seriesInstanceUid: segSeriesUid,
    sourceSeriesInstanceUid: seriesUid,
    segments: segments.map(({ segmentNumber, label, seriesInstanceUid }) => ({ segmentNumber, label, seriesInstanceUid })),
    bytes: writePart10(dataset, doc.generator.version),
  };
}

/** One SEG per source series that has masks, in the order the masks came. */
export function writeReportSegs(doc: Pick<ReportDocument, 'study' | 'generatedAt' | 'generator'>, source: SourceStudy, masks: SegmentationMask[]): WrittenSegmentation[] {
  const bySeries = new Map<string, SegmentationMask[]>();
  for (const mask of masks) bySeries.set(mask.seriesInstanceUid, [...(bySeries.get(mask.seriesInstanceUid) ?? []), mask]);
  return [...bySeries.values()].map((group) => writeSeriesSeg(doc, source, group)).filter((seg): seg is WrittenSegmentation => seg !== undefined);
}
