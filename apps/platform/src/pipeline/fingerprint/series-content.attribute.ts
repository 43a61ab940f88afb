import { PolyradError, type SeriesFingerprint, type Volume } from '@polyrad/sdk';
import { loadVolume, type DicomSeries } from '@polyrad/dicom';
import { detectBodyRegions, type ContentFingerprint } from './body-region.detector.js';

export interface SeriesContent {
  /** the content fields, or why the pixels could not be read; empty when not judged */
  fields: ContentFingerprint | Pick<SeriesFingerprint, 'contentError'> | Record<string, never>;
  /** the volume read to judge them, kept for the runs so no series is decoded twice */
  volume?: Volume;
}

/** CT stacks are judged from their pixels too: body regions, lung coverage, measured contrast. */
const wantsContent = (fingerprint: Pick<SeriesFingerprint, 'Modality' | 'sliceCount'>): boolean =>
  fingerprint.Modality === 'CT' && Number(fingerprint.sliceCount) >= 10;

/** What a CT stack's pixels show (body-region.detector.ts); nothing for other series. */
export async function seriesContentOf(series: DicomSeries, fingerprint: Pick<SeriesFingerprint, 'Modality' | 'sliceCount'>): Promise<SeriesContent> {
  if (!wantsContent(fingerprint)) return { fields: {} };
  let volume: Volume | undefined;
  try {
    volume = await loadVolume(series);
    return { fields: detectBodyRegions(volume) ?? {}, volume };
  } catch (error) {
    return { fields: { contentError: error instanceof PolyradError ? error.toLine() : String(error) }, volume };
  }
}
