import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import type { Volume } from '@polyrad/sdk';
import { reportDocument } from '../pipeline/report/report-document.js';
import { chestCtReport, FIXTURE_SERIES_UID } from './delivery.fixture.js';
import { keyImages, keySlices } from './key-image.renderer.js';
import { renderReportPdf } from './pdf-report.renderer.js';
import { sourceStudyFromReport } from './source-study.js';
import { runTool, skipWithout } from './validator-tools.fixture.js';

/** Lung (-800 HU) with a 17 mm soft-tissue nodule at the fixture's nodule centre (-61.5, 12.25, -140). */
function chestVolume(): Volume {
  const dimensions: [number, number, number] = [64, 64, 10];
  const geometry = { dimensions, spacing: [2, 2, 5] as [number, number, number], origin: [-100, -50, -160] as [number, number, number], direction: [[1, 0, 0], [0, 1, 0], [0, 0, 1]] as Volume['geometry']['direction'] };
  const voxels = new Int16Array(64 * 64 * 10).fill(-800);
  for (let k = 0; k < 10; k++) for (let j = 0; j < 64; j++) for (let i = 0; i < 64; i++) {
    if (Math.hypot(i * 2 - 38.5, j * 2 - 62.25, k * 5 - 20) <= 8.6) voxels[i + 64 * (j + 64 * k)] = 30;
  }
  return { geometry, voxels, unit: 'HU' };
}

test('a key image is the slice through an abnormal finding, windowed for its organ, with the finding located on it', () => {
  const doc = reportDocument(chestCtReport());
  const images = keyImages(doc, keySlices(doc, new Map([[FIXTURE_SERIES_UID, chestVolume()]])));
  // the aneurysm and the fracture lie outside this small volume: only the nodule has a slice
  assert.deepEqual(images.map((i) => i.finding.code), ['lung.nodule']);
  const [nodule] = images;
  assert.deepEqual([nodule.x, nodule.y, nodule.width, nodule.height], [19.25, 31.125, 64, 64]);
  const png = PNG.sync.read(nodule.png);
  // lung window (-600 / 1500): lung dark grey, the nodule bright at its centre
  const grey = (x: number, y: number) => png.data[(y * 64 + x) * 4];
  assert.ok(grey(19, 31) > 150, `nodule ${grey(19, 31)}`);
  assert.ok(grey(2, 2) < 120, `lung ${grey(2, 2)}`);
});

test('the PDF shows the key images with their captions', { skip: skipWithout('pdfimages', 'pdftotext') }, async () => {
  const report = chestCtReport();
  const doc = reportDocument(report);
  const pdf = await renderReportPdf(doc, sourceStudyFromReport(report), keyImages(doc, keySlices(doc, new Map([[FIXTURE_SERIES_UID, chestVolume()]]))));
  const dir = await mkdtemp(join(tmpdir(), 'polyrad-key-'));
  try {
    await writeFile(join(dir, 'report.pdf'), pdf);
    const list = runTool('pdfimages', ['-list', join(dir, 'report.pdf')]).output.split('\n').filter((l) => / image /.test(l));
    assert.equal(list.length, 1, list.join('\n'));
    assert.match(list[0], /\s64\s+64\s+gray\s/);
    const text = runTool('pdftotext', ['-layout', join(dir, 'report.pdf'), '-']).output.replace(/\s+/g, ' ');
    assert.match(text, /Key images .*Lung nodule, long axis: 17\.2 mm/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
