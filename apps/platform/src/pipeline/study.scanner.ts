import type { SeriesFingerprint, Volume } from '@polyrad/sdk';
import { groupSeries, scanDicomInputs, type DicomSeries, type ScanDicomInputsOptions } from '@polyrad/dicom';
import { contrastOf } from './fingerprint/contrast.attribute.js';
import { seriesContentOf } from './fingerprint/series-content.attribute.js';
import { fingerprintSeries } from './fingerprint/series-fingerprint.js';

export interface RejectedInput {
  path: string;
  code: string;
  message: string;
}

/** The inputs read, grouped into series and fingerprinted: what matching and planning work from. */
export interface ScannedStudy {
  series: DicomSeries[];
  fingerprints: Map<string, SeriesFingerprint>;
  /** volumes read while fingerprinting, kept for the runs so no series is decoded twice */
  volumes: Map<string, Volume>;
  rejected: RejectedInput[];
}

/** The scan and fingerprint steps: files and folders in, one fingerprint per series out. */
export async function scanStudy(paths: string[], options?: ScanDicomInputsOptions): Promise<ScannedStudy> {
  const { instances, rejected } = await scanDicomInputs(paths, options);
  const series = groupSeries(instances);
  const fingerprints = new Map<string, SeriesFingerprint>();
  const volumes = new Map<string, Volume>();
  for (const s of series) {
    const header = fingerprintSeries(s.instances);
    const content = await seriesContentOf(s, header);
    if (content.volume) volumes.set(s.SeriesInstanceUID, content.volume);
    const measured = { ...header, ...content.fields };
    fingerprints.set(s.SeriesInstanceUID, { ...measured, contrast: contrastOf(measured) });
  }
  return { series, fingerprints, volumes, rejected };
}
