import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Vec3 } from '@polyrad/sdk';
import { lidcReferenceNodules, lidcTextureType, parseLidcXml, parseVocBoxes, pixelToPatient, vocBoxesReference, type SliceGeometry } from './annotation.readers.js';

const axial = (position: Vec3, spacing: number): SliceGeometry => ({ position, rowDirection: [1, 0, 0], columnDirection: [0, 1, 0], pixelSpacing: [spacing, spacing] });

test('pixel (column, row) to LPS follows ImageOrientationPatient and PixelSpacing [row, column]', () => {
  assert.deepEqual(pixelToPatient(axial([-100, -50, 20], 0.5), 10, 4), [-95, -48, 20]);
  // a feet-first style flip: rows run to patient right
  const flipped: SliceGeometry = { position: [100, -50, 20], rowDirection: [-1, 0, 0], columnDirection: [0, 1, 0], pixelSpacing: [2, 1] };
  assert.deepEqual(pixelToPatient(flipped, 10, 4), [90, -42, 20]);
});

/** an LIDC-style outline: the pixels of a square of half-width r around (x, y) */
const square = (x: number, y: number, r: number): string =>
  [[x - r, y - r], [x + r, y - r], [x + r, y + r], [x - r, y + r]].map(([a, b]) => `<edgeMap><xCoord>${a}</xCoord><yCoord>${b}</yCoord></edgeMap>`).join('');
const roi = (z: number, outline: string, inclusion = 'TRUE'): string =>
  `<roi><imageZposition>${z}</imageZposition><imageSOP_UID>1.2.${z}</imageSOP_UID><inclusion>${inclusion}</inclusion>${outline}</roi>`;
const nodule = (id: string, texture: number, rois: string): string =>
  `<unblindedReadNodule><noduleID>${id}</noduleID><characteristics><texture>${texture}</texture><malignancy>4</malignancy></characteristics>${rois}</unblindedReadNodule>`;

test('LIDC XML: one entry per reader and nodule, with texture, outlines and exclusions', () => {
  const xml = `<LidcReadMessage><readingSession>${nodule('N1', 5, roi(-10, square(100, 100, 5)) + roi(-12.5, square(100, 100, 2), 'FALSE'))}<nonNodule><noduleID>x</noduleID></nonNodule></readingSession><readingSession>${nodule('A', 1, roi(-10, square(101, 100, 5)))}</readingSession></LidcReadMessage>`;
  const parsed = parseLidcXml(xml);
  assert.equal(parsed.length, 2);
  assert.deepEqual(parsed.map((n) => [n.reader, n.id, n.texture, n.rois.length]), [[0, 'N1', 5, 2], [1, 'A', 1, 1]]);
  assert.equal(parsed[0].rois[1].inclusion, false);
  assert.deepEqual(parsed[0].rois[0].points[0], [95, 95]);
});

test('LIDC texture: 1-2 non-solid, 3 part-solid, 4-5 solid', () => {
  assert.deepEqual([1, 2, 3, 4, 5].map(lidcTextureType), ['non-solid', 'non-solid', 'part-solid', 'solid', 'solid']);
});

test('LIDC references: readers\' lesions at one place are grouped; a lesion marked by too few readers is left out', () => {
  const g = axial([-200, -200, 0], 1);
  const session = (body: string): string => `<readingSession>${body}</readingSession>`;
  const xml = [
    session(nodule('a', 3, roi(-10, square(100, 100, 10)) + roi(-12.5, square(100, 100, 10))) + nodule('far', 5, roi(-50, square(300, 300, 4)))),
    session(nodule('b', 3, roi(-10, square(102, 100, 9)))),
    session(nodule('c', 4, roi(-12.5, square(99, 101, 11)))),
  ].join('');
  const refs = lidcReferenceNodules(xml, g, 2);
  assert.equal(refs.length, 1, 'the lesion at (300, 300) has one reader');
  const [ref] = refs;
  assert.equal(ref.readers, 3);
  assert.equal(ref.type, 'part-solid', 'median texture 3');
  assert.ok(Math.abs(ref.center[0] - (100 + 1 / 3 - 200)) < 0.5 && Math.abs(ref.center[1] - -99.7) < 0.5, `centre ${ref.center}`);
  // the long axis of a square outline of half-width r is its diagonal 2r * sqrt 2
  assert.ok(Math.abs(ref.longAxisMm - (2 * Math.SQRT2 * (10 + 9 + 11)) / 3) < 0.01, `long axis ${ref.longAxisMm}`);
  assert.equal(lidcReferenceNodules(xml, g, 1).length, 2);
});

test('Pascal VOC boxes become one LPS lesion: centre of all boxes, long axis the longest box side', () => {
  const xml = (x0: number, y0: number, x1: number, y1: number): string =>
    `<annotation><size><width>512</width></size><object><name>A</name><bndbox><xmin>${x0}</xmin><ymin>${y0}</ymin><xmax>${x1}</xmax><ymax>${y1}</ymax></bndbox></object></annotation>`;
  assert.deepEqual(parseVocBoxes(xml(290, 305, 338, 378)), [{ name: 'A', xmin: 290, ymin: 305, xmax: 338, ymax: 378 }]);
  const boxes = [
    { box: parseVocBoxes(xml(290, 305, 338, 378))[0], slice: axial([-228, -93, -184], 0.84) },
    { box: parseVocBoxes(xml(300, 320, 330, 360))[0], slice: axial([-228, -93, -234], 0.84) },
  ];
  const ref = vocBoxesReference(boxes, 'solid')!;
  const expected = [-228 + 314 * 0.84, -93 + 341.5 * 0.84, -209];
  assert.ok(ref.center.every((c, d) => Math.abs(c - expected[d]) < 1e-9), `centre ${ref.center}`);
  assert.ok(Math.abs(ref.longAxisMm - 73 * 0.84) < 1e-9);
  assert.equal(vocBoxesReference([], 'solid'), undefined);
});

// the real LIDC-IDRI-0003 annotations against the positions the data README gives
const repositoryRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..');
const dataDir = resolve(process.env.POLYRAD_TEST_DATA ?? join(repositoryRoot, '../shared/data'));
const xml0003 = join(dataDir, 'ct/lidc-idri-0003/072.xml');
const skip = existsSync(xml0003) ? false : `LIDC annotations not found at ${xml0003} (set POLYRAD_TEST_DATA)`;
if (skip) console.log(`# skipping: ${skip}`);

test('LIDC-IDRI-0003: the three nodules all four readers marked, at the README\'s positions', { skip }, () => {
  // ImagePositionPatient (x, y), orientation and PixelSpacing of the series' slices, read from its DICOM files
  const slice = axial([-228.800003, -210, 0], 0.820312);
  const refs = lidcReferenceNodules(readFileSync(xml0003, 'utf8'), slice, 3);
  const expected: Vec3[] = [
    [72, 77, -190],
    [24, -48, -172],
    [-47, -30, -170],
  ];
  assert.equal(refs.length, 3, refs.map((r) => `${r.center.map(Math.round)} ${r.readers}`).join('; '));
  for (const center of expected) {
    const ref = refs.find((r) => Math.hypot(r.center[0] - center[0], r.center[1] - center[1], r.center[2] - center[2]) < 6);
    assert.ok(ref, `a reference near ${center}: ${refs.map((r) => r.center.map(Math.round)).join(' / ')}`);
    assert.equal(ref.readers, 4);
  }
});
