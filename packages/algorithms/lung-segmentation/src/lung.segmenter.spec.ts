import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { labelCentroid, PolyradError, validateManifest, voxelToPatient, type LabelMask, type Volume, labelConnectedComponents } from '@polyrad/sdk';
import { generateChestPhantom, PHANTOM_LABELS, type ChestPhantomOptions } from '@polyrad/phantom';
import plugin, { checkLungQuality, segmentLungs } from './index.js';

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

const runPlugin = (volume: Volume) =>
  plugin.run({ series: { seriesInstanceUid: '1.2.3', modality: 'CT', volume, fingerprint: {} }, artifacts: {}, config: {} }, { log: () => undefined });

test('quality gate: a collapsed left lung gives no mask but a missing output with the reason', async () => {
  const phantom = generateChestPhantom({ seed: 101 });
  const voxels = Int16Array.from(phantom.volume.voxels);
  phantom.labels.labels.forEach((l, p) => {
    if (l === PHANTOM_LABELS.lungLeft) voxels[p] = 30; // airless lung: as dense as soft tissue
  });
  const outputs = await runPlugin({ ...phantom.volume, voxels });
  assert.equal(outputs.artifacts, undefined);
  assert.equal(outputs.missing?.length, 1);
  assert.equal(outputs.missing![0].type, 'polyrad.mask.lungs');
  assert.match(outputs.missing![0].reason, /left lung not found/);
});

test('quality gate: a lung mask leaking into the body (fat taken for air) is refused', () => {
  const phantom = generateChestPhantom({ seed: 101 });
  // a threshold above fat (-90 HU): mediastinal and subcutaneous fat join the "air"
  const result = segmentLungs(phantom.volume, { threshold: -50 });
  assert.equal(result.quality.passed, false, `checks passed with volumes ${JSON.stringify(result.volumesMl)}`);
  console.log(`# refused: ${result.quality.failures.join('; ')}`);
});

test('quality gate: a series that stops below the apices gives the mask with coverage flagged', async () => {
  const phantom = generateChestPhantom({ seed: 101 });
  const { geometry } = phantom.volume;
  const [nx, ny, nz] = geometry.dimensions;
  // keep the inferior 70 % of the slices (superior = high patient z)
  const superiorAtHighK = geometry.direction[2][2] > 0;
  const keep = Math.round(0.7 * nz);
  const k0 = superiorAtHighK ? 0 : nz - keep;
  const voxels = phantom.volume.voxels.slice(k0 * nx * ny, (k0 + keep) * nx * ny);
  const origin = voxelToPatient(geometry, 0, 0, k0);
  const cut: Volume = { ...phantom.volume, voxels, geometry: { ...geometry, dimensions: [nx, ny, keep], origin } };
  const outputs = await runPlugin(cut);
  const artifact = outputs.artifacts?.[0];
  assert.ok(artifact && artifact.kind === 'mask', 'the mask is still given out');
  assert.deepEqual(artifact.meta?.coverage, { apices: false, bases: true });
  assert.match(String(artifact.meta?.coverageNote), /apex runs beyond the first slice/);
  const whole = (await runPlugin(phantom.volume)).artifacts?.[0];
  assert.ok(whole && whole.kind === 'mask');
  assert.deepEqual(whole.meta?.coverage, { apices: true, bases: true });
});

test('quality limits: volume, ratio and soft-tissue checks each fail on their own', () => {
  const base = {
    volumesMl: { right: 2800, left: 2400 },
    tissueFraction: 0.03,
    endSliceArea: { superior: { right: 0, left: 0 }, inferior: { right: 0, left: 0 } },
    maxSliceArea: { right: 20000, left: 18000 },
  };
  assert.deepEqual(checkLungQuality(base).failures, []);
  assert.match(checkLungQuality({ ...base, volumesMl: { right: 5600, left: 2400 } }).failures.join(), /ratio 2\.33/);
  assert.match(checkLungQuality({ ...base, volumesMl: { right: 6000, left: 5000 } }).failures.join(), /total lung volume 11000 mL/);
  assert.match(checkLungQuality({ ...base, tissueFraction: 0.3 }).failures.join(), /30 % of the mask is soft tissue/);
  assert.equal(checkLungQuality({ ...base, endSliceArea: { ...base.endSliceArea, inferior: { right: 1000, left: 0 } } }).coverage.bases, false);
});
