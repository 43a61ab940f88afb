import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reportDocument } from '../pipeline/report/report-document.js';
import { chestCtReport, FIXTURE_SERIES_UID } from './delivery.fixture.js';
import { writeReportSegs } from './seg-report.writer.js';
import { chestMasks as masks, findingMasks, FRACTURED_BODY_LABEL, NODULE_LABEL, segmentedSource as source, segmentLabelledReport } from './segmentation.fixture.js';
import { sourceStudyFromReport } from './source-study.js';
import { writeReportSr } from './sr-report.writer.js';
import { dciodvfyProblems, runTool, skipWithout } from './validator-tools.fixture.js';

async function inTemp<T>(bytes: Buffer, use: (path: string) => T): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'polyrad-seg-'));
  try {
    await writeFile(join(dir, 'report.seg.dcm'), bytes);
    return use(join(dir, 'report.seg.dcm'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('the masks of a series become one binary SEG: a segment per structure, a frame per slice it is on', () => {
  const [seg, ...more] = writeReportSegs(reportDocument(chestCtReport()), source(), masks());
  assert.equal(more.length, 0);
  assert.deepEqual(seg!.segments.map((s) => [s.segmentNumber, s.label]), [[1, 'lung.right'], [2, 'lung.left'], [3, 'heart']]);
  assert.equal(seg!.sourceSeriesInstanceUid, FIXTURE_SERIES_UID);
  const again = writeReportSegs(reportDocument(chestCtReport()), source(), masks())[0]!;
  assert.deepEqual([again.sopInstanceUid, again.bytes.equals(seg!.bytes)], [seg!.sopInstanceUid, true], 'the same report gives the same SEG');
});

test('without the source images (report.json alone) no SEG is written: it could reference nothing', () => {
  assert.deepEqual(writeReportSegs(reportDocument(chestCtReport()), sourceStudyFromReport(chestCtReport()), masks()), []);
});

test('the SEG passes dciodvfy, and DCMTK reads its segments, SNOMED CT codes, frames and source images', { skip: skipWithout('dciodvfy', 'dcmdump') }, async () => {
  const [seg] = writeReportSegs(reportDocument(chestCtReport()), source(), masks());
  const { problems, dump } = await inTemp(seg!.bytes, (path) => ({ problems: dciodvfyProblems(path), dump: runTool('dcmdump', ['-q', path]) }));
  assert.deepEqual(problems, []);
  assert.equal(dump.status, 0, dump.output);
  const out = dump.output;
  assert.match(out, /\(0008,0016\) UI =SegmentationStorage/);
  assert.match(out, /\(0062,0001\) CS \[BINARY\]/);
  assert.match(out, /\(0028,0008\) IS \[5\]/, 'frames: right lung 2, left lung 1, heart 2');
  assert.match(out, /\(0008,0100\) SH \[3341006\][\s\S]*Right lung/);
  assert.match(out, /\(0008,0100\) SH \[44029006\][\s\S]*Left lung/);
  assert.match(out, /\(0008,0100\) SH \[80891009\][\s\S]*Heart/);
  assert.match(out, /\(0008,0100\) SH \[123037004\][\s\S]*Anatomical Structure/);
  assert.ok(out.includes(`[${FIXTURE_SERIES_UID}.4]`), 'the heart frame on slice 4 is derived from its image');
  // 5 frames of 60 one-bit pixels: 38 bytes, padded to an even length
  assert.match(out, /\(7fe0,0010\) OB .* # +38,/);
});

test('the SR references the segment each finding was measured on (right lung volume, heart volume), and stays valid', { skip: skipWithout('dsrdump', 'dciodvfy') }, async () => {
  const doc = reportDocument(chestCtReport());
  const segs = writeReportSegs(doc, source(), masks());
  const { dump, problems } = await inTemp(writeReportSr(doc, source(), segs), (path) => ({ dump: runTool('dsrdump', ['-Ee', '+Pc', '+Pl', '+Pu', path]).output, problems: dciodvfyProblems(path) }));
  assert.deepEqual(problems, []);
  const group = (code: string, next: string) => dump.slice(dump.indexOf(`"${code}`), dump.indexOf(`"${next}`));
  const uid = segs[0]!.sopInstanceUid.replace(/\./g, '\\.');
  assert.match(group('lung.right.volume', 'lung.left.volume'), new RegExp(`IMAGE:\\(121214,DCM,"Referenced Segment"\\)=\\(SG image,"${uid}",1\\)`));
  assert.match(group('lung.left.volume', 'lung.laa950'), new RegExp(`"${uid}",2\\)`));
  assert.match(group('heart.volume', 'heart.cac.agatston'), new RegExp(`"${uid}",3\\)`));
  assert.doesNotMatch(group('lung.laa950', 'lung.perc15'), /Referenced Segment/, 'both lungs together: no one segment');
  assert.doesNotMatch(dump.slice(dump.indexOf('"aorta.')), /Referenced Segment/, 'no aorta mask, no reference');
});

test('each nodule, the measured aorta and each vertebral body become segments coded in SNOMED CT, framed only where they are, dciodvfy clean', { skip: skipWithout('dciodvfy', 'dcmdump') }, async () => {
  const [seg] = writeReportSegs(reportDocument(segmentLabelledReport()), source(), [...masks(), ...findingMasks()]);
  assert.deepEqual(seg!.segments.map((s) => [s.segmentNumber, s.label]), [[1, 'lung.right'], [2, 'lung.left'], [3, 'heart'], [4, NODULE_LABEL], [5, 'aorta.ascending'], [6, FRACTURED_BODY_LABEL]]);
  const { problems, dump } = await inTemp(seg!.bytes, (path) => ({ problems: dciodvfyProblems(path), dump: runTool('dcmdump', ['-q', path]) }));
  assert.deepEqual(problems, []);
  assert.equal(dump.status, 0, dump.output);
  const out = dump.output;
  // lungs 3 and heart 2 as before, nodule 1, aorta 2, vertebral body 1: no empty frame for any segment
  assert.match(out, /\(0028,0008\) IS \[9\]/);
  // the Segment Sequence items in order, each from its first attribute, the category (the last runs on into the frames)
  const items = out.split('(0062,0003) SQ').slice(1);
  const segment = (n: number): string => items[n - 1] ?? '';
  assert.match(segment(4), /\(0008,0100\) SH \[49755003\][\s\S]*Morphologically Altered Structure[\s\S]*\(0008,0100\) SH \[27925004\][\s\S]*Nodule/);
  assert.match(segment(4), /\(0062,0005\) LO \[nodule 1 \(right, 17 mm\)\]/);
  assert.match(segment(5), /\(0008,0100\) SH \[123037004\][\s\S]*\(0008,0100\) SH \[54247002\][\s\S]*Ascending aorta/);
  assert.match(segment(5), /\(0062,0006\) ST \[tube of measured diameters along centre line, not lumen voxels\]/, 'says it is a model');
  assert.match(segment(6), /\(0008,0100\) SH \[421060004\][\s\S]*Vertebral column/);
  // 9 frames of 60 one-bit pixels: 68 bytes (even)
  assert.match(out, /\(7fe0,0010\) OB .* # +68,/);
});

test('the SR references each finding\'s own segment: the nodule, the ascending aorta, the fractured body', { skip: skipWithout('dsrdump', 'dciodvfy') }, async () => {
  const doc = reportDocument(segmentLabelledReport());
  const segs = writeReportSegs(doc, source(), [...masks(), ...findingMasks()]);
  const { dump, problems } = await inTemp(writeReportSr(doc, source(), segs), (path) => ({ dump: runTool('dsrdump', ['-Ee', '+Pc', '+Pl', '+Pu', path]).output, problems: dciodvfyProblems(path) }));
  assert.deepEqual(problems, []);
  const group = (code: string, next: string) => dump.slice(dump.indexOf(`"${code}`), dump.indexOf(`"${next}`));
  const uid = segs[0]!.sopInstanceUid.replace(/\./g, '\\.');
  assert.match(group('lung.nodule', 'lung.lungrads'), new RegExp(`"${uid}",4\\)`));
  assert.match(group('aorta.ascending.diameter', 'aorta.descending.diameter'), new RegExp(`"${uid}",5\\)`));
  assert.match(group('spine.fracture', 'acme.liver'), new RegExp(`"${uid}",6\\)`));
  assert.doesNotMatch(group('spine.trabecular_attenuation', 'spine.fracture'), /Referenced Segment/, 'all bodies together: no one segment');
  assert.match(group('lung.right.volume', 'lung.left.volume'), new RegExp(`"${uid}",1\\)`), 'the lungs as before');
});
