import { PNG } from 'pngjs';
import { patientToVoxel, type Vec3, type Volume } from '@polyrad/sdk';
import type { DocumentFinding, ReportDocument } from '../pipeline/report/report-document.js';

/**
 * The windowed slice through a finding's centre, without the finding: what the server keeps from an analysis
 * (the volumes are gone once it ends) to draw the key images of every later release of the report.
 */
export interface KeySlice {
  /** the finding it was cut for: its series and centre (LPS, mm) */
  seriesInstanceUid: string;
  center: Vec3;
  /** 8-bit grey PNG, windowed for the finding's organ */
  png: Buffer;
  width: number;
  height: number;
  /** the finding's centre on the image, in pixels from the top-left corner */
  x: number;
  y: number;
  /** mm per pixel along x and y */
  spacingMm: [number, number];
}

/** The slice through an abnormal finding, as a PDF shows it with the finding's outline drawn over it. */
export type KeyImage = Omit<KeySlice, 'seriesInstanceUid' | 'center'> & { finding: DocumentFinding };

/** The outline's radius in image pixels: half the finding's size where it is a length in mm; none otherwise (a marker is drawn). */
export function outlineRadiusPx(image: KeyImage): number | undefined {
  const { value, unit } = image.finding;
  return typeof value === 'number' && unit === 'mm' ? value / 2 / image.spacingMm[0] : undefined;
}

/** How many key images one report shows at most: the most urgent findings come first. */
const MAX_KEY_IMAGES = 6;

/** Lung findings in a lung window, everything else in a soft-tissue window (centre, width in HU). */
const WINDOWS = { lungs: [-600, 1500], other: [40, 400] } as const;

/** The window of a slice that is not in HU (radiographs, MR): its own value range. */
function ownRange(volume: Volume, k: number): [number, number] {
  const [columns, rows] = volume.geometry.dimensions;
  let [min, max] = [Infinity, -Infinity];
  for (let p = k * columns * rows; p < (k + 1) * columns * rows; p++) [min, max] = [Math.min(min, volume.voxels[p]), Math.max(max, volume.voxels[p])];
  return [(min + max) / 2, Math.max(1, max - min)];
}

function sliceImage(volume: Volume, k: number, [centre, width]: readonly [number, number], inverted: boolean): Buffer {
  const [columns, rows] = volume.geometry.dimensions;
  const png = new PNG({ width: columns, height: rows });
  const low = centre - width / 2;
  for (let p = 0; p < columns * rows; p++) {
    const grey = Math.round(Math.min(1, Math.max(0, (volume.voxels[k * columns * rows + p] - low) / width)) * 255);
    png.data.set([inverted ? 255 - grey : grey, inverted ? 255 - grey : grey, inverted ? 255 - grey : grey, 255], p * 4);
  }
  return PNG.sync.write(png, { colorType: 0 });
}

/**
 * The slices key images are drawn from: for each urgent or abnormal finding with a centre (urgent first, at
 * most six), the slice of its series through that centre. `volumes` holds the analysed series by
 * SeriesInstanceUID; a finding whose series is not there, or whose centre lies outside it, gets none.
 */
export function keySlices(doc: ReportDocument, volumes: ReadonlyMap<string, Volume & { displayInverted?: boolean }>): KeySlice[] {
  const slices: KeySlice[] = [];
  for (const finding of doc.impression.attention) {
    const { center, seriesInstanceUid } = finding.provenance;
    const volume = volumes.get(seriesInstanceUid);
    if (!center || !volume || slices.length >= MAX_KEY_IMAGES) continue;
    const [x, y, z] = patientToVoxel(volume.geometry, center);
    const [columns, rows, depth] = volume.geometry.dimensions;
    const k = Math.round(z);
    if (k < 0 || k >= depth || x < 0 || x >= columns || y < 0 || y >= rows) continue;
    slices.push({
      seriesInstanceUid,
      center,
      png: sliceImage(volume, k, volume.unit !== 'HU' ? ownRange(volume, k) : finding.organ === 'lungs' ? WINDOWS.lungs : WINDOWS.other, volume.displayInverted === true),
      width: columns,
      height: rows,
      x,
      y,
      spacingMm: [volume.geometry.spacing[0], volume.geometry.spacing[1]],
    });
  }
  return slices;
}

/**
 * Key images of a report from its kept slices: each attention finding (urgent first) with the slice cut
 * through its centre, so a signed or amended release captions the reader's values on the analysis' pixels.
 */
export function keyImages(doc: ReportDocument, slices: readonly KeySlice[]): KeyImage[] {
  return doc.impression.attention.flatMap((finding) => {
    const { center, seriesInstanceUid } = finding.provenance;
    const slice = center && slices.find((s) => s.seriesInstanceUid === seriesInstanceUid && s.center.every((c, i) => c === center[i]));
    return slice ? [{ finding, png: slice.png, width: slice.width, height: slice.height, x: slice.x, y: slice.y, spacingMm: slice.spacingMm }] : [];
  });
}
