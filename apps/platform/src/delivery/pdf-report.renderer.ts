import PDFDocument from 'pdfkit';
import type { DocumentFinding, Organ, ReportDocument } from '../pipeline/report/report-document.js';
import { findingConcept } from './finding-concepts.js';
import { outlineRadiusPx, type KeyImage } from './key-image.renderer.js';
import type { SourceStudy } from './source-study.js';

const ORGAN_TITLES: Record<Organ, string> = { lungs: 'Lungs', heart: 'Heart', aorta: 'Aorta', spine: 'Spine', other: 'Other findings' };

/** A value as a reader reads it: integers as they are, whole numbers from 100 up, one decimal below, text as it is. */
export function formatValue(finding: DocumentFinding): string {
  const { value, unit } = finding;
  if (value === null) return 'not assessed';
  const number = typeof value !== 'number' || Number.isInteger(value) ? String(value) : value.toFixed(Math.abs(value) >= 100 ? 0 : 1);
  const shown = finding.lowerBound ? `at least ${number}` : number;
  return unit && unit !== '1' ? `${shown} ${unit}` : shown;
}

function dicomDate(date: string): string {
  return /^\d{8}$/.test(date) ? `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}` : date || '-';
}

/** The numeric range in a few characters where the reference has one; its full text is listed below the table. */
function referenceLabel(finding: DocumentFinding): string {
  const { reference, unit } = finding;
  if (!reference) return '';
  const u = unit && unit !== '1' ? ` ${unit}` : '';
  if (reference.min !== undefined && reference.max !== undefined) return `${reference.min}-${reference.max}${u}`;
  if (reference.max !== undefined) return `< ${reference.max}${u}`;
  if (reference.min !== undefined) return `> ${reference.min}${u}`;
  return reference.text.length <= 40 ? reference.text : 'see reference ranges';
}

/** A signed number as a change reads: "+5.1", "-0.4", "0". */
const signed = (n: number): string => (n > 0 ? `+${n}` : String(n));

/** "12.1 mm (2025-03-10)": the prior's value and date; "-" where the finding has none (new, not measured then). */
function priorCell(finding: DocumentFinding): string {
  const prior = finding.comparison?.prior;
  if (!prior) return finding.comparison ? '-' : '';
  return `${prior.value}${prior.unit && prior.unit !== '1' ? ` ${prior.unit}` : ''} (${dicomDate(prior.studyDate)})`;
}

/** "+5.1 mm, growing; volume +167 %, doubling time 262 days (95 %: 197-389)" or "+5.2 mm, 5.1 mm/year, rapid growth". */
function changeCell(finding: DocumentFinding): string {
  const c = finding.comparison;
  if (!c) return '';
  const unit = finding.unit && finding.unit !== '1' ? ` ${finding.unit}` : '';
  const range = c.volumeDoubling ? c.volumeDoubling.range.map((d) => d ?? 'open').join('-') : '';
  return [
    [c.valueChange !== undefined ? `${signed(c.valueChange)}${unit}` : '', c.growthMmPerYear !== undefined ? `${c.growthMmPerYear} mm/year` : '', c.change].filter(Boolean).join(', '),
    c.volumeChangePercent !== undefined ? `volume ${signed(c.volumeChangePercent)} %` : '',
    c.volumeDoubling ? `doubling time ${c.volumeDoubling.days} days (95 %: ${range})` : '',
  ]
    .filter(Boolean)
    .join('; ');
}

function findingRow(finding: DocumentFinding, compared: boolean): string[] {
  const label = findingConcept(finding).label + (typeof finding.details.side === 'string' && finding.code.endsWith('nodule') ? ` (${finding.details.side})` : '');
  // borderline: within the measurement error of a cut-off, neither normal nor abnormal
  const flag = finding.urgent ? 'URGENT' : finding.abnormal ? 'abnormal' : finding.indeterminate ? 'indeterminate' : '';
  return [
    label,
    formatValue(finding),
    referenceLabel(finding),
    [finding.category, flag].filter(Boolean).join(', '),
    ...(compared ? [priorCell(finding), changeCell(finding)] : []),
    `${finding.provenance.algorithmId} ${finding.provenance.algorithmVersion}${finding.editedFrom ? `; edited by ${finding.editedFrom.reader} (algorithm: ${finding.editedFrom.value ?? 'not assessed'})` : ''}`,
  ];
}

function heading(pdf: PDFKit.PDFDocument, text: string): void {
  pdf.moveDown(0.6).font('Helvetica-Bold').fontSize(12).text(text).font('Helvetica').fontSize(9).moveDown(0.2);
}

function bullets(pdf: PDFKit.PDFDocument, lines: string[]): void {
  for (const line of lines) pdf.text(`- ${line}`, { indent: 6 });
}

/** The comparison header: which prior, when, how long before; or why it was not compared. */
function comparisonLine(comparison: NonNullable<ReportDocument['comparison']>): string {
  const { prior } = comparison;
  const which = `prior of ${dicomDate(prior.studyDate)}${prior.accessionNumber ? ` (accession ${prior.accessionNumber})` : ''}`;
  if (comparison.status === 'not-assessed') return `${which}: comparison not assessed - ${comparison.reason ?? 'no reason given'}`;
  return `${which}${comparison.intervalDays !== undefined ? `, ${comparison.intervalDays} days earlier` : ''}`;
}

/** Key images two to a row, the finding circled (its diameter where it is one, else a marker) and captioned. */
function drawKeyImages(pdf: PDFKit.PDFDocument, images: KeyImage[]): void {
  const size = 240;
  for (let row = 0; row < images.length; row += 2) {
    if (pdf.y + size + 30 > pdf.page.height - pdf.page.margins.bottom) pdf.addPage();
    const top = pdf.y;
    images.slice(row, row + 2).forEach((image, column) => {
      const left = pdf.page.margins.left + column * (size + 20);
      const scale = size / Math.max(image.width, image.height);
      pdf.image(image.png, left, top, { width: image.width * scale, height: image.height * scale });
      const outline = outlineRadiusPx(image);
      const radius = outline === undefined ? 6 : Math.max(4, outline * scale);
      pdf.circle(left + image.x * scale, top + image.y * scale, radius).lineWidth(1.2).strokeColor('#ff3030').stroke().strokeColor('black');
      const caption = `${findingConcept(image.finding).label}: ${formatValue(image.finding)}${image.finding.category ? ` (${image.finding.category})` : ''}`;
      pdf.fontSize(8).text(caption, left, top + size + 4, { width: size });
    });
    pdf.x = pdf.page.margins.left;
    pdf.y = top + size + 28;
  }
  pdf.fontSize(9);
}

/**
 * The readable report: header, findings by organ with reference and category, impression, key images, what
 * was not assessed and why, algorithms that did not run, and the decision-support notice on every page's flow.
 * Deterministic: the PDF's dates come from the report, so the same report gives the same file.
 */
export function renderReportPdf(doc: ReportDocument, source: SourceStudy, images: KeyImage[] = []): Promise<Buffer> {
  const created = new Date(doc.generatedAt);
  const pdf = new PDFDocument({ size: 'A4', margin: 40, info: { Title: `Polyrad report ${doc.study.studyInstanceUid}`, Creator: `polyrad ${doc.generator.version}`, CreationDate: created, ModDate: created } });
  const chunks: Buffer[] = [];
  pdf.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    pdf.on('end', () => resolve(Buffer.concat(chunks)));
    pdf.on('error', reject);
  });

  pdf.font('Helvetica-Bold').fontSize(16).text(`Polyrad ${doc.status === 'signed' ? 'report' : 'draft report'}${doc.priority === 'urgent' ? ' - URGENT' : ''}`);
  const utc = (iso: string): string => `${iso.slice(0, 16).replace('T', ' ')} UTC`;
  if (doc.signoff) pdf.font('Helvetica-Bold').fontSize(11).text(`Signed by ${doc.signoff.signedBy} on ${utc(doc.signoff.signedAt)}`);
  if (doc.amendment) pdf.font('Helvetica-Bold').fontSize(11).text(`Amended (amendment ${doc.amendment.number}) by ${doc.amendment.amendedBy} on ${utc(doc.amendment.amendedAt)}`);
  pdf.font('Helvetica').fontSize(9).fillColor('#b00000').text(doc.disclaimer).fillColor('black').moveDown(0.5);
  pdf.fontSize(10);
  for (const [name, value] of [
    ['Patient', `${source.PatientName.replace(/\^/g, ' ').trim() || '-'} (ID ${doc.study.patientId || '-'})`],
    ['Birth date / sex', `${dicomDate(source.PatientBirthDate)} / ${source.PatientSex || '-'}`],
    ['Study', `${dicomDate(doc.study.studyDate)} ${source.StudyDescription}`.trim()],
    ['Accession number', doc.study.accessionNumber || '-'],
    ['Study Instance UID', doc.study.studyInstanceUid],
    ['Series', doc.series.map((s) => `${s.modality} ${s.seriesInstanceUid}`).join('; ')],
    ...(doc.comparison ? [['Compared with', comparisonLine(doc.comparison)]] : []),
  ]) pdf.font('Helvetica-Bold').text(`${name}: `, { continued: true }).font('Helvetica').text(value.trim() || '-');

  heading(pdf, 'Impression (draft)');
  if (doc.impression.urgentReasons.length) pdf.font('Helvetica-Bold').text(`URGENT: ${doc.impression.urgentReasons.join('; ')}`).font('Helvetica');
  bullets(pdf, doc.impression.lines.filter((line) => !line.startsWith('URGENT:') && !line.startsWith('Not assessed')));

  heading(pdf, 'Findings by organ');
  if (!doc.organs.length) pdf.text('No findings: no algorithm applied to this study, or none reported anything.');
  for (const { organ, findings } of doc.organs) {
    pdf.font('Helvetica-Bold').fontSize(10).text(ORGAN_TITLES[organ]).font('Helvetica').fontSize(7.5);
    // with a prior: its value and date, and the change, beside each finding
    const compared = doc.comparison !== undefined;
    pdf.table({
      columnStyles: compared ? [105, 45, 65, 60, 65, 100, '*'] : [150, 50, 100, 80, '*'],
      data: [
        ['Finding', 'Value', 'Reference', 'Category', ...(compared ? ['Prior (date)', 'Change'] : []), 'Algorithm'].map((text) => ({ text, type: 'TH' as const, font: { family: 'Helvetica-Bold' } })),
        ...findings.map((f) => findingRow(f, compared)),
      ],
    });
    pdf.fontSize(9).moveDown(0.4);
  }

  if (images.length) {
    heading(pdf, 'Key images');
    drawKeyImages(pdf, images);
  }
  const references = [...new Map(doc.findings.filter((f) => f.reference).map((f) => [`${f.reference?.text} (${f.reference?.source})`, findingConcept(f).label])).entries()];
  if (references.length) {
    heading(pdf, 'Reference ranges');
    bullets(pdf, references.map(([reference, label]) => `${label}: ${reference}`));
  }
  if (doc.notAssessed.length) {
    heading(pdf, 'Not assessed, and why');
    bullets(pdf, doc.notAssessed.map((f) => `${findingConcept(f).label}: ${f.reason}`));
  }
  if (doc.unavailableAlgorithms.length) {
    heading(pdf, 'Algorithms that did not run');
    bullets(pdf, doc.unavailableAlgorithms.map((a) => `${a.id} ${a.version} ${a.status}: ${a.reason}`));
  }
  if (doc.warnings.length) {
    heading(pdf, 'Warnings');
    bullets(pdf, doc.warnings);
  }
  heading(pdf, 'Decision support');
  pdf.text(`${doc.disclaimer} Generated by polyrad ${doc.generator.version} on ${doc.generatedAt}.`);
  pdf.end();
  return done;
}
