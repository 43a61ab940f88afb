import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RADIOGRAPH_LABELS, generateChestRadiograph } from './radiograph-phantom.generator.js';

/** mean pixel value over the pixels carrying `label` */
function meanOf(voxels: ArrayLike<number>, labels: Uint8Array, label: number): number {
  let sum = 0;
  let n = 0;
  labels.forEach((l, p) => {
    if (l === label) {
      sum += voxels[p];
      n++;
    }
  });
  return sum / n;
}

test('a frontal radiograph: [cols, rows, 1] grid, values within BitsStored, truth CTR close to the one asked', () => {
  for (const [seed, ctr] of [
    [1, 0.42],
    [2, 0.6],
  ]) {
    const { volume, labels, truth } = generateChestRadiograph({ seed, ctr, photometricInterpretation: 'MONOCHROME2' });
    const [cols, rows, slices] = volume.geometry.dimensions;
    assert.equal(slices, 1);
    assert.equal(volume.voxels.length, cols * rows);
    assert.equal(labels.length, cols * rows);
    assert.ok(volume.voxels.every((v) => v <= 2 ** truth.bits - 1));
    // The truth is counted from the label map; it lands near the requested ratio, not on it.
    assert.ok(Math.abs(truth.ctr - ctr) < 0.03, `truth ${truth.ctr} for ${ctr}`);
    assert.equal(truth.ctr, truth.heartWidthPx / truth.thoracicWidthPx);
    assert.equal(truth.category, ctr > 0.5 ? 'enlarged' : 'normal');
  }
});

test('polarity: lungs dark and heart brighter on MONOCHROME2, the reverse on MONOCHROME1', () => {
  for (const photometricInterpretation of ['MONOCHROME1', 'MONOCHROME2'] as const) {
    const { volume, labels, truth } = generateChestRadiograph({ seed: 3, photometricInterpretation });
    const lung = meanOf(volume.voxels, labels, RADIOGRAPH_LABELS.lungRight);
    const heart = meanOf(volume.voxels, labels, RADIOGRAPH_LABELS.heart);
    assert.equal(truth.photometricInterpretation, photometricInterpretation);
    assert.equal(lung < heart, photometricInterpretation === 'MONOCHROME2');
  }
});

test('the right lung is on the image left (PA display), and the same seed gives the same image', () => {
  const a = generateChestRadiograph({ seed: 4 });
  const b = generateChestRadiograph({ seed: 4 });
  assert.deepEqual(a.truth, b.truth);
  assert.deepEqual(a.volume.voxels, b.volume.voxels);
  const [cols] = a.volume.geometry.dimensions;
  const meanColumn = (label: number): number => {
    let sum = 0;
    let n = 0;
    a.labels.forEach((l, p) => {
      if (l === label) {
        sum += p % cols;
        n++;
      }
    });
    return sum / n;
  };
  assert.ok(meanColumn(RADIOGRAPH_LABELS.lungRight) < cols / 2 && meanColumn(RADIOGRAPH_LABELS.lungLeft) > cols / 2);
  assert.notDeepEqual(generateChestRadiograph({ seed: 5 }).truth, a.truth);
});
