import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Volume, VolumeGeometry } from '@polyrad/sdk';
import { generateChestPhantom, generateHeadPhantom } from '@polyrad/phantom';
import { groupSeries, loadVolume, scanDicomInputs } from '@polyrad/dicom';
import { detectBodyRegions } from './body-region.detector.js';

const repoRoot = fileURLToPath(new URL('../../../../../', import.meta.url));
const lidc = resolve(repoRoot, process.env.POLYRAD_TEST_DATA ?? '../shared/data', 'ct/lidc-idri-0001/jpeg-lossless-sv1');

/** An axial stack of soft-tissue ellipses in air: an abdomen without lungs or bone. */
function abdomenVolume(slices: number): Volume {
  const geometry: VolumeGeometry = {
    dimensions: [128, 128, slices],
    spacing: [3, 3, 5],
    origin: [-190, -190, 0],
    direction: [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ],
  };
  const [nx, ny, nz] = geometry.dimensions;
  const voxels = new Int16Array(nx * ny * nz).fill(-1000);
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) {
        const x = -190 + 3 * i;
        const y = -190 + 3 * j;
        if ((x / 160) ** 2 + (y / 110) ** 2 <= 1) voxels[k * nx * ny + j * nx + i] = 35;
      }
  return { geometry, voxels, unit: 'HU' };
}

test('a chest CT is recognised as thorax from its pixels, with complete lung coverage', () => {
  for (const options of [{ seed: 21 }, { seed: 22, feetFirst: true, flipX: true }]) {
    const phantom = generateChestPhantom(options);
    const content = detectBodyRegions(phantom.volume)!;
    assert.ok(content.bodyRegions.includes('thorax'), JSON.stringify(content));
    assert.ok(!content.bodyRegions.includes('head'));
    assert.equal(content.lungCoverage, 'complete');
    // enclosed air ~ lungs + airways, sampled every few slices
    const ratio = content.lungAirMl / phantom.truth.lungVolumeMl.total;
    assert.ok(ratio > 0.8 && ratio < 1.25, `air ${content.lungAirMl} mL vs lungs ${phantom.truth.lungVolumeMl.total.toFixed(0)} mL`);
  }
});

test('IV contrast is measured in the mediastinal blood pool, not read from the header', () => {
  const plain = detectBodyRegions(generateChestPhantom({ seed: 23 }).volume)!;
  const enhanced = detectBodyRegions(generateChestPhantom({ seed: 23, contrast: true }).volume)!;
  assert.equal(plain.contrastMeasured, false, `plain ${plain.mediastinalBloodHu} HU`);
  assert.equal(enhanced.contrastMeasured, true, `enhanced ${enhanced.mediastinalBloodHu} HU`);
});

test('a skull is a head, a body without lungs is an abdomen, and neither is a thorax', () => {
  for (const seed of [1, 2, 3]) {
    const head = detectBodyRegions(generateHeadPhantom({ seed }).volume)!;
    assert.deepEqual(head.bodyRegions, ['head']);
    assert.equal(head.lungCoverage, 'none');
  }
  const abdomen = detectBodyRegions(abdomenVolume(30))!;
  assert.deepEqual(abdomen.bodyRegions, ['abdomen']);
});

test('non-CT and single images are not judged from pixels', () => {
  assert.equal(detectBodyRegions(generateHeadPhantom({ seed: 4, slices: 1 }).volume), undefined);
  assert.equal(detectBodyRegions({ ...generateHeadPhantom({ seed: 4 }).volume, unit: 'unspecified' }), undefined);
});

test('the real contrast chest CT (LIDC-IDRI-0001): thorax, contrast measured', { skip: existsSync(lidc) ? false : `real CT not found at ${lidc} (set POLYRAD_TEST_DATA)` }, async () => {
  const { instances } = await scanDicomInputs([lidc]);
  const volume = await loadVolume(groupSeries(instances)[0]);
  const content = detectBodyRegions(volume)!;
  assert.ok(content.bodyRegions.includes('thorax'), JSON.stringify(content));
  assert.equal(content.contrastMeasured, true, JSON.stringify(content));
  console.log(`# LIDC-IDRI-0001 content: ${JSON.stringify(content)}`);
});
