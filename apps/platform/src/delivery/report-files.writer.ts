import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { scanDicomInputs } from '@polyrad/dicom';
import type { Report } from '@polyrad/sdk';
import { renderReport } from './report-renderer.js';
import { sourceStudyFromInstances, type SourceStudy } from './source-study.js';

/** The delivered forms of report.json that `polyrad analyze` writes beside it (DESIGN.md, CLI contract). */
export const REPORT_FILES = { sr: 'report.sr.dcm', fhir: 'report.fhir.json', hl7: 'report.hl7', pdf: 'report.pdf' } as const;

/** Renders every channel from one report document and writes them into `dir`; returns the paths written. */
export async function writeReportFiles(dir: string, report: Report, source: SourceStudy): Promise<string[]> {
  const rendered = await renderReport(report, source);
  const files: Array<[string, string | Buffer]> = [
    [REPORT_FILES.pdf, rendered.pdf],
    [REPORT_FILES.sr, rendered.sr],
    [REPORT_FILES.fhir, `${JSON.stringify(rendered.fhir, null, 2)}\n`],
    // segments end with CR, as HL7 v2 defines them
    [REPORT_FILES.hl7, `${rendered.hl7.toString()}\r`],
  ];
  await Promise.all(files.map(([name, content]) => writeFile(join(dir, name), content)));
  return files.map(([name]) => join(dir, name));
}

/** As writeReportFiles, with the patient and study attributes read again from the headers of the analysed files. */
export async function writeReportFilesFromInputs(dir: string, report: Report, inputPaths: string[]): Promise<string[]> {
  const { instances } = await scanDicomInputs(inputPaths);
  return writeReportFiles(dir, report, sourceStudyFromInstances(report, instances));
}
