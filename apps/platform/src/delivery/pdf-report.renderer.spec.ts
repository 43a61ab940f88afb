import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reportDocument } from '../pipeline/report/report-document.js';
import { borderlineChestCtReport, chestCtReport, comparedChestCtReport, realChestCtReport } from './delivery.fixture.js';
import { renderReportPdf } from './pdf-report.renderer.js';
import { sourceStudyFromReport } from './source-study.js';
import { runTool, skipWithout } from './validator-tools.fixture.js';

const skip = skipWithout('pdftotext');

/**
 * The PDF's text as pdftotext extracts it, whitespace collapsed so wrapped table cells read as one line; `-raw`
 * keeps a table row's cells in drawing order (whole cells, even wrapped ones).
 */
async function pdfText(pdf: Buffer, mode: '-layout' | '-raw' = '-layout'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'polyrad-pdf-'));
  try {
    await writeFile(join(dir, 'report.pdf'), pdf);
    const { status, output } = runTool('pdftotext', [mode, '-enc', 'UTF-8', join(dir, 'report.pdf'), '-']);
    assert.equal(status, 0, output);
    return output.replace(/\s+/g, ' ');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('the PDF of the real chest CT report shows its measured findings, what was not assessed and why, and the notice', { skip }, async () => {
  const report = realChestCtReport();
  const text = await pdfText(await renderReportPdf(reportDocument(report), sourceStudyFromReport(report)));
  assert.match(text, /Polyrad draft report/);
  assert.match(text, /Lung_Dx-A0001/);
  assert.match(text, /Right lung volume 3155 mL/);
  assert.match(text, /Left lung volume 2262 mL/);
  assert.match(text, /Descending aorta, maximum diameter 29\.3 mm .*normal/);
  assert.match(text, /Not assessed, and why/);
  assert.match(text, /Heart volume: heart segmentation failed its quality checks/);
  assert.match(text, /polyrad\.cardiothoracic-ratio 1\.0\.0 skipped: required criteria failed/);
  assert.match(text, /unverified until a radiologist reviews and signs the report/);
});

test('the PDF groups findings by organ, flags urgent ones, and names failed algorithms', { skip }, async () => {
  const report = chestCtReport();
  const text = await pdfText(await renderReportPdf(reportDocument(report), sourceStudyFromReport(report)));
  assert.match(text, /URGENT: Lung-RADS 4B\/4X nodule .*; thoracic aortic aneurysm: aorta\.ascending\.diameter 52\.3 mm/);
  const order = ['Lungs', 'Heart', 'Aorta', 'Spine', 'Other findings'].map((title) => text.indexOf(`${title} Finding Value Reference Category Algorithm`));
  assert.ok(order.every((at, i) => at > 0 && (i === 0 || at > order[i - 1])), `organ sections out of order: ${order}`);
  assert.match(text, /Ascending aorta, maximum diameter 52\.3 mm < 40 mm aneurysm, URGENT polyrad\.aorta 1\.0\.0/);
  assert.match(text, /acme\.bone-age 2\.1\.0 failed: worker exited with code 137/);
});

test('the PDF flags a borderline category as indeterminate, not abnormal', { skip }, async () => {
  const report = borderlineChestCtReport();
  const text = await pdfText(await renderReportPdf(reportDocument(report), sourceStudyFromReport(report)));
  // the category cell wraps beside the algorithm cell: "borderline osteopenia/ polyrad.spine 1.0.0 normal, indeterminate"
  assert.match(text, /Vertebral trabecular attenuation 163 HU > 160 HU borderline osteopenia\/ (polyrad\.spine 1\.0\.0 )?normal, indeterminate/);
});

test('with a prior: the header names it and the findings table has "Prior (date)" and "Change" columns with the values of report.json', { skip }, async () => {
  const report = comparedChestCtReport();
  const text = await pdfText(await renderReportPdf(reportDocument(report), sourceStudyFromReport(report)));
  assert.match(text, /Compared with: prior of 2025-03-10 \(accession ACC-2025-007\), 370 days earlier/);
  assert.match(text, /Finding Value Reference Category Prior \(date\) Change Algorithm/);
  const rows = await pdfText(await renderReportPdf(reportDocument(report), sourceStudyFromReport(report)), '-raw');
  const nodule = report.findings.find((f) => f.code === 'lung.nodule')!;
  const [low, high] = nodule.volumeDoublingDaysRange as [number, number];
  assert.ok(
    rows.includes(`Lung nodule, long axis (right) 17.2 mm abnormal 12.1 mm (2025-03-10) +5.1 mm, growing; volume +${nodule.volumeChangePercent} %; doubling time ${nodule.volumeDoublingDays} days (95 %: ${low}-${high})`),
    rows,
  );
  const aorta = report.findings.find((f) => f.code === 'aorta.ascending.diameter')!;
  assert.ok(rows.includes(`47.1 mm (2025-03-10) +${aorta.changeMm} mm, ${aorta.growthMmPerYear} mm/year, ${aorta.growthCategory}`), rows);
  const plain = await pdfText(await renderReportPdf(reportDocument(chestCtReport()), sourceStudyFromReport(chestCtReport())));
  assert.ok(!plain.includes('Prior (date)') && !plain.includes('Compared with'), 'no comparison columns without a prior');
});
