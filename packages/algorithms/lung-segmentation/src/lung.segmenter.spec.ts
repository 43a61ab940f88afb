import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { labelCentroid, PolyradError, validateManifest, voxelToPatient, type LabelMask, type Volume, labelConnectedComponents } from '@polyrad/sdk';
import { generateChestPhantom, PHANTOM_LABELS, type ChestPhantomOptions } from '@polyrad/phantom';
import plugin, { segmentLungs } from './index.js';

const cases: Array<{ name: string; options: ChestPhantomOptions; touching: boolean }> = [
  { name: 'head-first, separate lungs', options: { seed: 101, touchingLungs: false }, touching: false },
  { name: 'touching lungs with emphysema', options: { seed: 202, touchingLungs: true, emphysemaFraction: 0.12 }, touching: true },
  { name: 'feet-first with severe emphysema', options: { seed: 303, feetFirst: true, touchingLungs: false, emphysemaFraction: 0.25 }, touching: false },
  { name: 'mirrored rows, touching, mild emphysema', options: { seed: 404, flipX: true, touchingLungs: true, emphysemaFraction: 0.06 }, touching: true },
];

const centroidX = (mask: LabelMask, label: number): number => labelCentroid(mask, label)![0];

function laa950(volume: Volume, mask: LabelMask, label: number): number {
  let count = 0, low = 0;
  mask.labels.forEach((l, p) => {
    if (l !== label) return;
    count++;
    if (volume.voxels[p] < -950) low++;
  });
  return (100 * low) / count;
}

for (const { name, options, touching } of cases) {
  test(`lungs match the phantom's truth: ${name}`, () => {
    const phantom = generateChestPhantom(options);
    const result = segmentLungs(phantom.volume);
    const { truth } = phantom;
    const mask = result.mask;
    assert.deepEqual(mask.labelNames, { 1: 'lung.right', 2: 'lung.left' });
    assert.deepEqual(mask.geometry, phantom.volume.geometry);
    // volumes within 5 % per lung
    for (const side of ['right', 'left'] as const) {
      const error = Math.abs(result.volumesMl[side] - truth.lungVolumeMl[side]) / truth.lungVolumeMl[side];
      assert.ok(error < 0.05, `${side} lung ${result.volumesMl[side].toFixed(0)} mL vs truth ${truth.lungVolumeMl[side].toFixed(0)} mL`);
    }
    // LAA-950 within 1.5 percentage points, per lung and total
    const right = laa950(phantom.volume, mask, 1);
    const left = laa950(phantom.volume, mask, 2);
    assert.ok(Math.abs(right - truth.laa950Percent.right) < 1.5, `right LAA ${right} vs ${truth.laa950Percent.right}`);
    assert.ok(Math.abs(left - truth.laa950Percent.left) < 1.5, `left LAA ${left} vs ${truth.laa950Percent.left}`);
    // left is the patient's left (+x in LPS), and each label lies over the right lung of the truth
    assert.ok(centroidX(mask, 2) > centroidX(mask, 1) + 50);
    let rightOverlap = 0, leftOverlap = 0, swapped = 0, airwayInMask = 0;
    for (let p = 0; p < mask.labels.length; p++) {
      const m = mask.labels[p];
      const t = phantom.labels.labels[p];
      if (m === 1 && t === PHANTOM_LABELS.lungRight) rightOverlap++;
      if (m === 2 && t === PHANTOM_LABELS.lungLeft) leftOverlap++;
      if ((m === 1 && t === PHANTOM_LABELS.lungLeft) || (m === 2 && t === PHANTOM_LABELS.lungRight)) swapped++;
      if (m !== 0 && t === PHANTOM_LABELS.airway) airwayInMask++;
    }
    const maskCount = (label: number): number => mask.labels.reduce((n, l) => n + (l === label ? 1 : 0), 0);
    const dice = (overlap: number, a: number, b: number): number => (2 * overlap) / (a + b);
    assert.ok(dice(rightOverlap, truth.lungVoxelCount.right, maskCount(1)) > 0.97, 'right lung overlap');
    assert.ok(dice(leftOverlap, truth.lungVoxelCount.left, maskCount(2)) > 0.97, 'left lung overlap');
    assert.ok(swapped < 0.005 * truth.lungVoxelCount.total, `${swapped} voxels given the wrong side`);
    // trachea and main bronchi are not lung: almost none of their lumen+wall voxels, and never the trachea itself
    assert.ok(airwayInMask < 0.02 * truth.airwayVoxelCount, `${airwayInMask} of ${truth.airwayVoxelCount} airway voxels in the mask`);
    assert.notEqual(result.airway.seed, null);
    const [nx, ny, nz] = mask.geometry.dimensions;
    for (let k = 0; k < nz; k++) {
      const z = voxelToPatient(mask.geometry, 0, 0, k)[2];
      if (z <= truth.carina[2] + 5) continue;
      const [ci, cj] = [0, 1].map((a) => Math.round((truth.carina[a] - mask.geometry.origin[a]) / (mask.geometry.spacing[a] * mask.geometry.direction[a][a])));
      assert.equal(mask.labels[k * nx * ny + cj * nx + ci], 0, `trachea at slice ${k} is in the lung mask`);
    }
    assert.equal(result.separation, touching ? 'eroded-junction' : 'separate-components');
    assert.deepEqual(result.warnings, []);
  });
}

test('a mask with left and right swapped fails the left-is-left check', () => {
  const phantom = generateChestPhantom({ seed: 101 });
  const swapped = segmentLungs(phantom.volume).mask;
  swapped.labels.forEach((l, p) => (swapped.labels[p] = l === 1 ? 2 : l === 2 ? 1 : 0));
  assert.ok(centroidX(swapped, 2) < centroidX(swapped, 1));
});

test('a sagittal series or a volume without lungs is refused with a clear error', () => {
  const phantom = generateChestPhantom({ seed: 5, dimensions: [40, 40, 30], spacing: [8, 8, 8] });
  const sagittal: Volume = {
    ...phantom.volume,
    geometry: { ...phantom.volume.geometry, direction: [[0, 1, 0], [0, 0, 1], [1, 0, 0]] },
  };
  assert.throws(() => segmentLungs(sagittal), (e: unknown) => e instanceof PolyradError && e.code === 'UNSUPPORTED_ORIENTATION');
  const solid: Volume = { ...phantom.volume, voxels: new Int16Array(phantom.volume.voxels.length).fill(40) };
  assert.throws(() => segmentLungs(solid), (e: unknown) => e instanceof PolyradError && e.code === 'NO_LUNGS_FOUND');
});

test('connected components: 6-connectivity, sizes, bounding boxes and border contact', () => {
  const dims: [number, number, number] = [5, 4, 3];
  const mask = new Uint8Array(60);
  const at = (i: number, j: number, k: number): number => i + j * 5 + k * 20;
  // an L-shaped component touching the border, a diagonal-only neighbour (separate), an interior voxel
  [at(0, 0, 0), at(1, 0, 0), at(1, 1, 0), at(1, 1, 1)].forEach((p) => (mask[p] = 1));
  mask[at(2, 2, 1)] = 1; // touches (1,1,1) only diagonally
  mask[at(3, 2, 2)] = 1;
  mask[at(3, 1, 2)] = 1;
  const { labels, components } = labelConnectedComponents(mask, dims);
  assert.equal(components.length, 3);
  assert.deepEqual(components.map((c) => c.size).sort(), [1, 2, 4]);
  const big = components.find((c) => c.size === 4)!;
  assert.deepEqual([big.min, big.max], [[0, 0, 0], [1, 1, 1]]);
  assert.equal(big.touchesInPlaneBorder, true);
  assert.equal(components.find((c) => c.size === 1)!.touchesInPlaneBorder, false);
  assert.equal(labels[at(0, 0, 0)], labels[at(1, 1, 1)]);
  assert.notEqual(labels[at(2, 2, 1)], labels[at(1, 1, 1)]);
});

test('manifest.json validates and the plugin returns a polyrad.mask.lungs artifact', async () => {
  const manifest = validateManifest(JSON.parse(readFileSync(new URL('../manifest.json', import.meta.url), 'utf8')), 'manifest.json');
  assert.equal(manifest.id, 'polyrad.lung-segmentation');
  assert.deepEqual(manifest.produces.map((p) => [p.type, p.version, p.kind]), [['polyrad.mask.lungs', '1.0.0', 'mask']]);
  assert.deepEqual(plugin.manifest, manifest);
  const phantom = generateChestPhantom({ seed: 77, feetFirst: true });
  const outputs = await plugin.run(
    { series: { seriesInstanceUid: '1.2.3', modality: 'CT', volume: phantom.volume, fingerprint: {} }, artifacts: {}, config: {} },
    { log: () => undefined },
  );
  assert.equal(outputs.artifacts?.length, 1);
  const artifact = outputs.artifacts![0];
  assert.equal(artifact.kind, 'mask');
  assert.equal(artifact.type, 'polyrad.mask.lungs');
  assert.equal(artifact.version, '1.0.0');
  if (artifact.kind !== 'mask') return;
  assert.deepEqual(artifact.mask.labelNames, { 1: 'lung.right', 2: 'lung.left' });
  assert.equal(artifact.mask.labels.length, phantom.volume.voxels.length);
});
