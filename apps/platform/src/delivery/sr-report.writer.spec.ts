import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reportDocument } from '../pipeline/report/report-document.js';
import { chestCtReport, comparedChestCtReport, FIXTURE_SERIES_UID } from './delivery.fixture.js';
import { deliveryIdentifiers } from './delivery-identifiers.js';
import { sourceStudyFromReport, type SourceStudy } from './source-study.js';
import { writeReportSr } from './sr-report.writer.js';
import { dciodvfyProblems, runTool, skipWithout } from './validator-tools.fixture.js';

// dsrdump warns "The VR checker does not support this Specific Character Set: ISO_IR 192": UTF-8 text is valid
// DICOM (patient names with accents need it); DCMTK only skips its character check.

function chestSource(): SourceStudy {
  const source = sourceStudyFromReport(chestCtReport());
  source.PatientName = 'Müller^Anne';
  source.PatientSex = 'F';
  source.PatientBirthDate = '19580214';
  source.StudyTime = '101500';
  source.series[0].FrameOfReferenceUID = '1.2.826.0.1.3680043.10.1234.1.3';
  // axial slices at z -150, -140, -130: the nodule at z -140 lies on the second
  source.series[0].instances = [1, 2, 3].map((n) => ({
    SOPClassUID: '1.2.840.10008.5.1.4.1.1.2',
    SOPInstanceUID: `${FIXTURE_SERIES_UID}.${n}`,
    ImagePositionPatient: [-200, -200, -160 + 10 * n] as [number, number, number],
    ImageOrientationPatient: [1, 0, 0, 0, 1, 0] as [number, number, number, number, number, number],
  }));
  return source;
}

async function inTemp<T>(bytes: Buffer, use: (path: string) => T): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'polyrad-sr-'));
  try {
    await writeFile(join(dir, 'report.sr.dcm'), bytes);
    return use(join(dir, 'report.sr.dcm'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('the SR passes dciodvfy with no errors and only the accepted warnings', { skip: skipWithout('dciodvfy') }, async () => {
  const { output, problems } = await inTemp(writeReportSr(reportDocument(chestCtReport()), chestSource()), (path) => ({ output: runTool('dciodvfy', [path]).output, problems: dciodvfyProblems(path) }));
  assert.deepEqual(problems, []);
  assert.match(output, /Comprehensive3DSR/);
});

test('a study without findings (no algorithm applied) still gives a valid SR', { skip: skipWithout('dciodvfy') }, async () => {
  const report = { ...chestCtReport(), findings: [], algorithms: chestCtReport().algorithms.map((a) => ({ ...a, status: 'skipped' as const, reason: 'required criteria failed' })) };
  const problems = await inTemp(writeReportSr(reportDocument(report), chestSource()), dciodvfyProblems);
  assert.deepEqual(problems, []);
});

test('dsrdump reads the TID 1500 tree: one measurement group per finding, values, units, sites, algorithms', { skip: skipWithout('dsrdump') }, async () => {
  const report = chestCtReport();
  const { status, output } = await inTemp(writeReportSr(reportDocument(report), chestSource()), (path) => runTool('dsrdump', ['-Ee', '+Pc', '+Pl', '+Pu', path]));
  assert.equal(status, 0, output);
  // DCMTK checks the tree against the IOD's relationship constraints while reading; it reports no problem
  assert.deepEqual(output.split('\n').filter((l) => /^[EW]: /.test(l) && !/does not support this Specific Character Set: ISO_IR 192/.test(l)), []);
  assert.match(output, /Verification Flag\s*: UNVERIFIED/);
  assert.match(output, /Completion Flag\s*: PARTIAL/);
  assert.match(output, /Müller\^Anne \(F, 1958-02-14, #PAT-042\)/);
  assert.match(output, /CONTAINER:\(126000,DCM,"Imaging Measurement Report"\)/);
  assert.equal(output.match(/CONTAINER:\(125007,DCM,"Measurement Group"\)/g)?.length, report.findings.length);
  assert.match(output, /NUM:\(81827009,SCT,"Diameter"\)="52\.3" \(mm,UCUM,"millimeter"\)/);
  assert.match(output, /CODE:\(363698007,SCT,"Finding Site"\)=\(54247002,SCT,"Ascending aorta"\)/);
  assert.match(output, /NUM:\(lung\.laa950,99POLYRAD,"Lung volume below -950 HU"\)="12\.4" \(%,UCUM,"percent"\)/);
  assert.match(output, /NUM:\(spine\.trabecular_attenuation,99POLYRAD,"Mean vertebral trabecular attenuation"\)="96\.5" \(\[hnsf'U\],UCUM,"Hounsfield unit"\)/);
  assert.match(output, /UIDREF:\(112040,DCM,"Tracking Unique Identifier"\)="2\.25\.118374638109283746501928374650"/);
  assert.match(output, /TEXT:\(111001,DCM,"Algorithm Name"\)="polyrad\.aorta"/);
  assert.match(output, /Not assessed: descending aorta measured over only 10 mm/);
  const nodule = output.slice(output.indexOf('"lung.nodule #5"'), output.indexOf('"lung.lungrads #6"'));
  assert.match(nodule, /IMAGE:\(121112,DCM,"Source of Measurement"\)=\(CT image,"1\.2\.826\.0\.1\.3680043\.10\.1234\.1\.2\.2"\)/);
  assert.match(output, /SCOORD3D:\(111010,DCM,"Center"\)=\(POINT,"1\.2\.826\.0\.1\.3680043\.10\.1234\.1\.3",-61\.5\/12\.25\/-140\)/);
});

test('a lower bound ("at least", a maximum over part of the aorta) reads as such in dsrdump, and the SR stays dciodvfy-clean', { skip: skipWithout('dsrdump', 'dciodvfy') }, async () => {
  const report = chestCtReport();
  report.findings[9]!.lowerBound = true;
  const { output, problems } = await inTemp(writeReportSr(reportDocument(report), chestSource()), (path) => ({ output: runTool('dsrdump', ['-Ee', '+Pc', path]).output, problems: dciodvfyProblems(path) }));
  assert.deepEqual(problems, []);
  assert.deepEqual(output.split('\n').filter((l) => /^[EW]: /.test(l) && !/does not support this Specific Character Set: ISO_IR 192/.test(l)), []);
  const aorta = output.slice(output.indexOf('"aorta.ascending.diameter #10"'), output.indexOf('"aorta.descending.diameter #11"'));
  assert.match(aorta, /NUM:\(81827009,SCT,"Diameter"\)="52\.3" \(mm,UCUM,"millimeter"\)/);
  assert.match(aorta, /CODE:\(121401,DCM,"Derivation"\)=\(56851009,SCT,"Maximum"\)/);
  assert.match(aorta, /CODE:\(value-bound,99POLYRAD,"Value bound"\)=\(at-least,99POLYRAD,"At least \(lower bound\)"\)/);
  assert.match(aorta, /TEXT:\(121106,DCM,"Comment"\)="At least 52\.3 mm: /);
  const other = output.slice(output.indexOf('"spine.trabecular_attenuation'));
  assert.doesNotMatch(other, /At least/, 'only the lower bound says so');
});

test('the SR lists every algorithm as contributing equipment and copies the patient and study', { skip: skipWithout('dcmdump') }, async () => {
  const { output } = await inTemp(writeReportSr(reportDocument(chestCtReport()), chestSource()), (path) => runTool('dcmdump', ['+P', 'ContributingEquipmentSequence', '+P', 'StudyInstanceUID', '+P', 'AccessionNumber', path]));
  for (const id of ['polyrad.aorta', 'acme.bone-age', 'polyrad.cardiothoracic-ratio']) assert.match(output, new RegExp(`\\[${id.replace(/\./g, '\\.')}\\]`));
  assert.match(output, /\[1\.2\.826\.0\.1\.3680043\.10\.1234\.1\]/);
  assert.match(output, /\[ACC-2026-042\]/);
});

test('writing the same report twice gives the same SOP Instance UID and bytes; a new analysis a new one', () => {
  const report = chestCtReport();
  const first = writeReportSr(reportDocument(report), chestSource());
  assert.deepEqual(writeReportSr(reportDocument(report), chestSource()), first);
  const again = { ...report, generatedAt: '2026-03-16T08:00:00.000Z' };
  assert.notEqual(deliveryIdentifiers(again).srSopInstanceUid, deliveryIdentifiers(report).srSopInstanceUid);
  assert.ok(first.includes(Buffer.from(deliveryIdentifiers(report).srSopInstanceUid)));
});

test('with a prior: each compared finding\'s group holds the prior value and date, the change, the doubling time with its 95 % range and the growth per year, as report.json says; dciodvfy-clean', { skip: skipWithout('dsrdump', 'dciodvfy') }, async () => {
  const report = comparedChestCtReport();
  const { output, problems } = await inTemp(writeReportSr(reportDocument(report), chestSource()), (path) => ({ output: runTool('dsrdump', ['-Ee', path]).output, problems: dciodvfyProblems(path) }));
  assert.deepEqual(problems, []);
  const groups = output.split(/<contains CONTAINER:\(,,"Measurement Group"\)/).slice(1);
  const groupOf = (code: string) => groups.find((g) => g.includes(`"${code} #`))!;
  const nodule = report.findings.find((f) => f.code === 'lung.nodule')!;
  const range = nodule.volumeDoublingDaysRange as [number, number];
  const noduleGroup = groupOf('lung.nodule');
  for (const line of [
    '(,,"Change since the prior exam")="growing"',
    '(,,"Date of the prior exam")="20250310"',
    '(,,"Value on the prior exam")="12.1" (mm,UCUM,"millimeter")',
    '(,,"Difference from the prior exam")="5.1" (mm,UCUM,"millimeter")',
    `(,,"Volume change since the prior exam")="${nodule.volumeChangePercent}" (%,UCUM,"percent")`,
    `(,,"Volume doubling time")="${nodule.volumeDoublingDays}" (d,UCUM,"day")`,
    `(,,"Volume doubling time, 95 % range, low end")="${range[0]}" (d,UCUM,"day")`,
    `(,,"Volume doubling time, 95 % range, high end")="${range[1]}" (d,UCUM,"day")`,
  ]) assert.ok(noduleGroup.includes(line), `nodule group lacks ${line}:\n${noduleGroup}`);
  const aorta = report.findings.find((f) => f.code === 'aorta.ascending.diameter')!;
  const aortaGroup = groupOf('aorta.ascending.diameter');
  for (const line of [
    `(,,"Change since the prior exam")="${aorta.growthCategory}"`,
    '(,,"Value on the prior exam")="47.1" (mm,UCUM,"millimeter")',
    `(,,"Difference from the prior exam")="${aorta.changeMm}" (mm,UCUM,"millimeter")`,
    `(,,"Growth rate per year")="${aorta.growthMmPerYear}" (mm/a,UCUM,"millimeter per year")`,
  ]) assert.ok(aortaGroup.includes(line), `aorta group lacks ${line}:\n${aortaGroup}`);
  assert.ok(!groupOf('heart.volume').includes('prior exam'), 'a finding without a prior has no comparison');
});
