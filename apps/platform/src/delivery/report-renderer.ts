import type { Hl7Message } from '@medplum/core';
import type { Report } from '@polyrad/sdk';
import type { Bundle } from 'fhir/r4.js';
import { reportDocument, type ReportDocument } from '../pipeline/report/report-document.js';
import { buildFhirBundle } from './fhir-bundle.builder.js';
import { buildOruMessage } from './hl7-oru.builder.js';
import { writeKeyImageScs } from './key-image-sc.writer.js';
import { keyImages, type KeySlice } from './key-image.renderer.js';
import { renderReportPdf } from './pdf-report.renderer.js';
import type { WrittenSegmentation } from './seg-report.writer.js';
import type { SourceStudy } from './source-study.js';
import { writeReportSr } from './sr-report.writer.js';

/** Every delivered form of one report, rendered from its one document model. */
export interface RenderedReport {
  doc: ReportDocument;
  pdf: Buffer;
  sr: Buffer;
  /** the analysis' DICOM SEGs (one per segmented series), sent beside the SR */
  segs: WrittenSegmentation[];
  fhir: Bundle;
  hl7: Hl7Message;
  /** the slices through the abnormal findings (in the PDF), as DICOM Secondary Captures */
  keyImages: Buffer[];
}

/**
 * `slices`: the slices cut from the analysed series through the findings, for the key images (in the PDF and
 * as Secondary Captures; none without them); `segs`: the SEGs written from the analysis' masks, which the SR
 * references (none without them).
 */
export async function renderReport(report: Report, source: SourceStudy, slices: readonly KeySlice[] = [], segs: WrittenSegmentation[] = []): Promise<RenderedReport> {
  const doc = reportDocument(report);
  const images = keyImages(doc, slices);
  const pdf = await renderReportPdf(doc, source, images);
  return { doc, pdf, sr: writeReportSr(doc, source, segs), segs, fhir: buildFhirBundle(doc, source, pdf), hl7: buildOruMessage(doc, source, pdf), keyImages: writeKeyImageScs(doc, source, images) };
}
