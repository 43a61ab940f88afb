import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hl7Message } from '@medplum/core';
import type { Report } from '@polyrad/sdk';
import type { DiagnosticReport, Observation } from 'fhir/r4.js';
import { reportDocument } from '../pipeline/report/report-document.js';
import { deliveryIdentifiers, reportRelease } from './delivery-identifiers.js';
import { chestCtReport } from './delivery.fixture.js';
import { buildFhirBundle } from './fhir-bundle.builder.js';
import { buildOruMessage } from './hl7-oru.builder.js';
import { renderReportPdf } from './pdf-report.renderer.js';
import { sourceStudyFromReport } from './source-study.js';
import { writeReportSr } from './sr-report.writer.js';
import { dciodvfyProblems, runTool, skipWithout } from './validator-tools.fixture.js';

const READER = { reader: 'dr.house', at: '2026-03-15T11:00:00.000Z' };

/** The chest CT report as a radiologist left it: nodule rejected, ascending aorta re-measured, impression rewritten, signed. */
function signedReport(): Report {
  const report = chestCtReport();
  report.findings[4]!.review = { action: 'rejected', reason: 'false-positive', ...READER };
  report.findings[9]!.review = { action: 'edited', value: 47.5, category: 'dilated', ...READER };
  report.readerFindings = [{ code: 'lung.nodule', value: 6, unit: 'mm', note: 'right lower lobe', ...READER }];
  report.readerImpression = 'Dilated ascending aorta, 47.5 mm.';
  return { ...report, status: 'signed', signedBy: 'dr.house', signedAt: '2026-03-15T11:05:00.000Z' };
}

async function inTemp<T>(name: string, bytes: Buffer, use: (path: string) => T): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'polyrad-signed-'));
  try {
    await writeFile(join(dir, name), bytes);
    return use(join(dir, name));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('the document of a signed report applies the corrections and keeps the algorithm values beside them', () => {
  const doc = reportDocument(signedReport());
  assert.deepEqual(doc.signoff, { signedBy: 'dr.house', signedAt: '2026-03-15T11:05:00.000Z' });
  assert.equal(doc.findings.some((f) => f.index === 4), false, 'the rejected nodule is left out');
  const aorta = doc.findings.find((f) => f.index === 9)!;
  assert.deepEqual([aorta.value, aorta.category, aorta.editedFrom], [47.5, 'dilated', { value: 52.3, category: 'aneurysm', reader: 'dr.house' }]);
  assert.deepEqual(doc.impression.lines, ['Dilated ascending aorta, 47.5 mm.', 'Added by the reader: lung.nodule 6 mm (right lower lobe).']);
  assert.equal(reportDocument(chestCtReport()).signoff, undefined, 'a draft has no sign-off');
});

test('the SR of a signed report is VERIFIED and COMPLETE, with the verifying observer, and passes dciodvfy', { skip: skipWithout('dciodvfy', 'dsrdump') }, async () => {
  const report = signedReport();
  const bytes = writeReportSr(reportDocument(report), sourceStudyFromReport(report));
  const { problems, dump } = await inTemp('report.sr.dcm', bytes, (path) => ({ problems: dciodvfyProblems(path), dump: runTool('dsrdump', ['-Ee', path]).output }));
  assert.deepEqual(problems, []);
  assert.match(dump, /Completion Flag\s*: COMPLETE/);
  assert.match(dump, /Verification Flag\s*: VERIFIED/);
  assert.match(dump, /dr\.house/);
  assert.match(dump, /47\.5/);
});

test('FHIR says final, HL7 says F, and the PDF names who signed and when', { skip: skipWithout('pdftotext') }, async () => {
  const report = signedReport();
  const doc = reportDocument(report);
  const source = sourceStudyFromReport(report);
  const pdf = await renderReportPdf(doc, source);
  const resources = (buildFhirBundle(doc, source, pdf).entry ?? []).map((e) => e.resource);
  const diagnostic = resources.find((r): r is DiagnosticReport => r?.resourceType === 'DiagnosticReport')!;
  assert.equal(diagnostic.status, 'final');
  assert.match(diagnostic.conclusion ?? '', /Dilated ascending aorta, 47\.5 mm\./);
  const observations = resources.filter((r): r is Observation => r?.resourceType === 'Observation');
  assert.ok(observations.every((o) => o.status === 'final'));
  assert.equal(observations.length, report.findings.length - 1);

  const message = Hl7Message.parse(buildOruMessage(doc, source, pdf).toString());
  assert.equal(message.getSegment('OBR')?.getField(25).toString(), 'F');
  assert.equal(message.getSegment('ORC')?.getField(5).toString(), 'CM');

  const text = await inTemp('report.pdf', pdf, (path) => runTool('pdftotext', ['-layout', path, '-']).output.replace(/\s+/g, ' '));
  assert.match(text, /Polyrad report/);
  assert.match(text, /Signed by dr\.house on 2026-03-15 11:05 UTC/);
  assert.match(text, /47\.5 mm .*edited by dr\.house \(algorithm: 52\.3\)/);
});

/** The signed report corrected afterwards by another radiologist: Perc15 (finding 3) re-measured at -925 HU. */
function amendedReport(): Report {
  const report = signedReport();
  report.findings[3]!.review = { action: 'edited', value: -925, reader: 'dr.wilson', at: '2026-03-16T09:30:00.000Z' };
  return { ...report, amendments: [{ reader: 'dr.wilson', at: '2026-03-16T09:30:00.000Z' }] };
}

test('each release is a new SR instance naming the one it replaces, and a new HL7 message; FHIR keeps its ids', () => {
  const draft = deliveryIdentifiers(reportDocument(chestCtReport()));
  const final = deliveryIdentifiers(reportDocument(signedReport()));
  const amended = deliveryIdentifiers(reportDocument(amendedReport()));
  assert.equal(draft.srPredecessorUid, undefined);
  assert.equal(new Set([draft.srSopInstanceUid, final.srSopInstanceUid, amended.srSopInstanceUid]).size, 3);
  assert.deepEqual([final.srPredecessorUid, amended.srPredecessorUid], [draft.srSopInstanceUid, final.srSopInstanceUid]);
  assert.equal(new Set([draft.hl7ControlId, final.hl7ControlId, amended.hl7ControlId]).size, 3);
  assert.deepEqual([final.fhir.diagnosticReport, amended.fhir.observation(3)], [draft.fhir.diagnosticReport, draft.fhir.observation(3)]);
  assert.deepEqual(reportRelease(reportDocument(amendedReport())), { number: 2, stage: 'amended' });
});

test('the SR of an amendment names the final SR in its Predecessor Documents Sequence, is verified by both readers and passes dciodvfy', { skip: skipWithout('dciodvfy', 'dsrdump', 'dcmdump') }, async () => {
  const report = amendedReport();
  const ids = deliveryIdentifiers(reportDocument(report));
  const bytes = writeReportSr(reportDocument(report), sourceStudyFromReport(report));
  const { problems, dump, tags } = await inTemp('report.sr.dcm', bytes, (path) => ({
    problems: dciodvfyProblems(path),
    dump: runTool('dsrdump', ['-Ee', path]).output,
    tags: runTool('dcmdump', ['+P', '0040,a360', '+P', '0008,1155', '+P', '0040,a075', path]).output,
  }));
  assert.deepEqual(problems, []);
  assert.match(dump, /Verification Flag\s*: VERIFIED/);
  assert.match(dump, /Completion Flag\s*: COMPLETE/);
  assert.match(tags, /dr\.house/);
  assert.match(tags, /dr\.wilson/);
  assert.ok(tags.includes(`[${ids.srPredecessorUid}]`), `the predecessor ${ids.srPredecessorUid} is referenced:\n${tags}`);
  assert.match(dump, /Predecessor Docs\s*: 1/);
});

test('FHIR says amended (the corrected Observation too), HL7 says C, and the PDF names the amendment', { skip: skipWithout('pdftotext') }, async () => {
  const report = amendedReport();
  const doc = reportDocument(report);
  const source = sourceStudyFromReport(report);
  const pdf = await renderReportPdf(doc, source);
  const resources = (buildFhirBundle(doc, source, pdf).entry ?? []).map((e) => e.resource);
  const diagnostic = resources.find((r): r is DiagnosticReport => r?.resourceType === 'DiagnosticReport')!;
  assert.deepEqual([diagnostic.status, diagnostic.issued], ['amended', '2026-03-16T09:30:00.000Z']);
  const observations = resources.filter((r): r is Observation => r?.resourceType === 'Observation');
  const corrected = observations.filter((o) => o.status === 'amended');
  assert.deepEqual(corrected.map((o) => o.valueQuantity?.value), [-925]);
  assert.ok(observations.filter((o) => o !== corrected[0]).every((o) => o.status === 'final'));

  const message = Hl7Message.parse(buildOruMessage(doc, source, pdf).toString());
  assert.equal(message.getSegment('OBR')?.getField(25).toString(), 'C');
  const statuses = message.getAllSegments('OBX').map((obx) => [obx.getField(5).toString(), obx.getField(11).toString()]);
  assert.ok(statuses.some(([value, status]) => value === '-925' && status === 'C'), JSON.stringify(statuses));

  const text = await inTemp('report.pdf', pdf, (path) => runTool('pdftotext', ['-layout', path, '-']).output.replace(/\s+/g, ' '));
  assert.match(text, /Amended \(amendment 1\) by dr\.wilson on 2026-03-16 09:30 UTC/);
});
