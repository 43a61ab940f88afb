import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reportDocument } from '../pipeline/report/report-document.js';
import { chestCtReport, FIXTURE_SERIES_UID } from './delivery.fixture.js';
import { writeReportSegs } from './seg-report.writer.js';
import { chestMasks as masks, segmentedSource as source } from './segmentation.fixture.js';
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
