import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { groupSeries, loadVolume, scanDicomInputs } from '@polyrad/dicom';
import type { Report, Volume } from '@polyrad/sdk';
import { reportDocument } from '../pipeline/report/report-document.js';
import type { AnalysisMask } from '../pipeline/study.pipeline.js';
import { keySlices } from './key-image.renderer.js';
import { renderReport } from './report-renderer.js';
import { writeReportSegs } from './seg-report.writer.js';
import { sourceStudyFromInstances, type SourceStudy } from './source-study.js';

/** The delivered forms of report.json that `polyrad analyze` writes beside it (DESIGN.md, CLI contract). */
export const REPORT_FILES = { sr: 'report.sr.dcm', fhir: 'report.fhir.json', hl7: 'report.hl7', pdf: 'report.pdf', seg: 'report.seg.dcm' } as const;

/** report.seg.dcm for the first segmented series, report.seg-2.dcm ... for more; report.key-1.dcm ... for the key images. */
const numbered = (name: string, i: number) => (i === 0 && name === REPORT_FILES.seg ? name : name.replace(/\.dcm$/, `-${i + 1}.dcm`));

/**
 * Renders every channel from one report document and writes them into `dir`; returns the paths written.
 * With the analysis' masks, the SEGs too (the SR references their segments); with the volumes, key images.
 */
export async function writeReportFiles(dir: string, report: Report, source: SourceStudy, volumes?: ReadonlyMap<string, Volume>, masks: AnalysisMask[] = []): Promise<string[]> {
  const doc = reportDocument(report);
  const segs = writeReportSegs(doc, source, masks);
  const rendered = await renderReport(report, source, volumes ? keySlices(doc, volumes) : [], segs);
  const files: Array<[string, string | Buffer]> = [
    [REPORT_FILES.pdf, rendered.pdf],
    [REPORT_FILES.sr, rendered.sr],
    [REPORT_FILES.fhir, `${JSON.stringify(rendered.fhir, null, 2)}\n`],
    // segments end with CR, as HL7 v2 defines them
    [REPORT_FILES.hl7, `${rendered.hl7.toString()}\r`],
    ...segs.map((seg, i): [string, Buffer] => [numbered(REPORT_FILES.seg, i), seg.bytes]),
    ...rendered.keyImages.map((bytes, i): [string, Buffer] => [numbered('report.key.dcm', i), bytes]),
  ];
  await Promise.all(files.map(([name, content]) => writeFile(join(dir, name), content)));
  return files.map(([name]) => join(dir, name));
}

/**
 * As writeReportFiles, with the patient and study attributes read again from the headers of the analysed files,
 * and the series of urgent or abnormal findings loaded again for their key images (only those series: most
 * reports need none).
 */
export async function writeReportFilesFromInputs(dir: string, report: Report, inputPaths: string[], masks: AnalysisMask[] = []): Promise<string[]> {
  const { instances } = await scanDicomInputs(inputPaths);
  const wanted = new Set(reportDocument(report).impression.attention.filter((f) => f.provenance.center).map((f) => f.provenance.seriesInstanceUid));
  const volumes = new Map<string, Volume>();
  for (const series of groupSeries(instances).filter((s) => wanted.has(s.SeriesInstanceUID))) volumes.set(series.SeriesInstanceUID, await loadVolume(series));
  return writeReportFiles(dir, report, sourceStudyFromInstances(report, instances), volumes, masks);
}
