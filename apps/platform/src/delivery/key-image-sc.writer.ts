import { PNG } from 'pngjs';
import type { ReportDocument } from '../pipeline/report/report-document.js';
import { derivedUid } from './delivery-identifiers.js';
import { creationDateTimes, sourceStudyAttributes, writePart10 } from './dicom-part10.js';
import { findingConcept } from './finding-concepts.js';
import { outlineRadiusPx, type KeyImage } from './key-image.renderer.js';
import { imageThrough, type SourceStudy } from './source-study.js';

const SECONDARY_CAPTURE_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.7';

type Item = Record<string, unknown>;

const CHEST_ORGANS = new Set(['lungs', 'heart', 'aorta', 'spine']);

/** The key image's grey pixels with the finding's outline burned in (white ring), as the PDF shows it. */
function burnedPixels(image: KeyImage): Uint8Array {
  const { data, width, height } = PNG.sync.read(image.png);
  const pixels = new Uint8Array(width * height);
  for (let p = 0; p < pixels.length; p++) pixels[p] = data[p * 4]!;
  const radius = Math.max(4, outlineRadiusPx(image) ?? 6);
  const steps = Math.ceil(2 * Math.PI * (radius + 1) * 2);
  for (let s = 0; s < steps; s++) {
    const angle = (2 * Math.PI * s) / steps;
    for (const r of [radius, radius + 1]) {
      const x = Math.round(image.x + r * Math.cos(angle));
      const y = Math.round(image.y + r * Math.sin(angle));
      if (x >= 0 && x < width && y >= 0 && y < height) pixels[y * width + x] = 255;
    }
  }
  return pixels;
}

/**
 * Each key image as a DICOM Secondary Capture in the source study (PS3.3 A.8.1), so a PACS viewer shows the
 * slice through each abnormal finding with its outline beside the original images: 8-bit MONOCHROME2, the
 * outline burned in, the source slice referenced, and the finding and "decision support, unverified" in
 * the description. One file per image.
 */
export function writeKeyImageScs(doc: Pick<ReportDocument, 'study' | 'generatedAt' | 'generator'>, source: SourceStudy, images: KeyImage[]): Buffer[] {
  const seriesUid = derivedUid('polyrad-key-images', doc.study.studyInstanceUid, doc.generatedAt);
  return images.map((image, i) => {
    const { finding } = image;
    const series = source.series.find((s) => s.SeriesInstanceUID === finding.provenance.seriesInstanceUid);
    const slice = finding.provenance.center ? imageThrough(series, finding.provenance.center) : undefined;
    const caption = `${findingConcept(finding).label}${typeof finding.value === 'number' ? ` ${finding.value} ${finding.unit}` : ''}${finding.category ? ` (${finding.category})` : ''}`;
    const dataset: Item = {
      ...sourceStudyAttributes(source, doc.generator.version),
      ...creationDateTimes(doc.generatedAt),
      ImageType: ['DERIVED', 'SECONDARY'],
      SOPClassUID: SECONDARY_CAPTURE_IMAGE_STORAGE,
      // named after the finding, not its place among the images: a later release re-sends each image under its UID
      SOPInstanceUID: derivedUid('polyrad-key-image', seriesUid, String(finding.index)),
      Modality: 'OT',
      ConversionType: 'WSD',
      // the chest suite's organs: an unpaired body part, so no Laterality (type 2C) is needed
      ...(CHEST_ORGANS.has(finding.organ) ? { BodyPartExamined: 'CHEST' } : {}),
      SeriesDescription: 'Polyrad key images (decision support)',
      SeriesInstanceUID: seriesUid,
      SeriesNumber: 9903,
      InstanceNumber: i + 1,
      PatientOrientation: '',
      ...(slice ? { SourceImageSequence: [{ ReferencedSOPClassUID: slice.SOPClassUID, ReferencedSOPInstanceUID: slice.SOPInstanceUID }] } : {}),
      DerivationDescription: `slice through ${caption}, outline drawn by ${finding.provenance.algorithmId} ${finding.provenance.algorithmVersion}; decision support, unverified until a radiologist signs`.slice(0, 1024),
      ImageComments: caption.slice(0, 10240),
      BurnedInAnnotation: 'NO',
      SamplesPerPixel: 1,
      PhotometricInterpretation: 'MONOCHROME2',
      Rows: image.height,
      Columns: image.width,
      BitsAllocated: 8,
      BitsStored: 8,
      HighBit: 7,
      PixelRepresentation: 0,
      PixelData: burnedPixels(image).buffer,
      _vrMap: { PixelData: 'OB' },
    };
    return writePart10(dataset, doc.generator.version);
  });
}
