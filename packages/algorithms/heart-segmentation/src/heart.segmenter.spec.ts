import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { PolyradError, validateManifest, type AlgorithmFinding, type Artifact, type LabelMask } from '@polyrad/sdk';
import { generateChestPhantom, PHANTOM_LABELS, type ChestPhantomOptions } from '@polyrad/phantom';
import lungSegmentation from '@polyrad/algorithm-lung-segmentation';
import plugin, { heartSlices, HEART_VOLUME_UPPER_ML, heartVolumeCategory, segmentHeart } from './index.js';

const context = { log: () => undefined };

async function analyse(options: ChestPhantomOptions): Promise<{ finding: AlgorithmFinding; mask: LabelMask; truthMl: number; dice: number }> {
  const phantom = generateChestPhantom(options);
  const series = { seriesInstanceUid: '1.2.3', modality: 'CT', volume: phantom.volume, fingerprint: {} };
  const lungs = (await lungSegmentation.run({ series, artifacts: {}, config: {} }, context)).artifacts![0];
  const outputs = await plugin.run({ series, artifacts: { [lungs.type]: lungs }, config: {} }, context);
  const artifact = outputs.artifacts![0] as Extract<Artifact, { kind: 'mask' }>;
  assert.equal(artifact.type, 'polyrad.mask.heart');
  let both = 0;
  let found = 0;
  let truth = 0;
  for (let p = 0; p < artifact.mask.labels.length; p++) {
    const a = artifact.mask.labels[p] === 1;
    const b = phantom.labels.labels[p] === PHANTOM_LABELS.heart;
    found += Number(a);
    truth += Number(b);
    both += Number(a && b);
  }
  return { finding: outputs.findings![0], mask: artifact.mask, truthMl: phantom.truth.heart.volumeMl, dice: (2 * both) / (found + truth) };
}

test('manifest validates; consumes the lung mask and produces polyrad.mask.heart 1.x', () => {
  const manifest = validateManifest(JSON.parse(readFileSync(new URL('../manifest.json', import.meta.url), 'utf8')), 'manifest.json');
  assert.equal(manifest.id, 'polyrad.heart-segmentation');
  const lungs = lungSegmentation.manifest.produces.find((p) => p.type === manifest.consumes[0].type);
  assert.ok(lungs && lungs.version.startsWith('1.'), 'the lung segmentation produces the consumed mask');
  assert.deepEqual(manifest.produces.map((p) => `${p.type}@${p.version}`), ['polyrad.mask.heart@1.0.0']);
  assert.deepEqual(manifest.findings.map((f) => f.code), ['heart.volume']);
});

for (const options of [
  { seed: 11 },
  { seed: 12, feetFirst: true, flipX: true },
  { seed: 13, touchingLungs: true },
  { seed: 14, contrast: true },
  // thin-slice grid (1.25 mm pixels, 1 mm slices): noise voxels below the tissue range are dense enough to
  // stop a 10 mm erosion, and the heart reaches below the right lung base (found 62 mL of 385 mL before)
  { seed: 42, dimensions: [256, 256, 150], spacing: [1.25, 1.25, 1], emphysemaFraction: 0.08 },
  // fine pixels (0.625 mm): the erosions and openings run on the coarser HEART_MORPHOLOGY_GRID_MM grid
  { seed: 42, dimensions: [512, 512, 90], spacing: [0.625, 0.625, 2.5] },
] satisfies ChestPhantomOptions[]) {
  test(`phantom ${JSON.stringify(options)}: heart volume within 8 % of the truth, mask on the heart`, async () => {
    const { finding, mask, truthMl, dice } = await analyse(options);
    const volume = finding.value as number;
    console.log(`# heart ${JSON.stringify(options)}: ${volume} mL vs truth ${truthMl.toFixed(1)} mL (${((100 * (volume - truthMl)) / truthMl).toFixed(1)} %), Dice ${dice.toFixed(3)}`);
    assert.equal(finding.code, 'heart.volume');
    assert.equal(finding.unit, 'mL');
    assert.ok(Math.abs(volume - truthMl) <= 0.08 * truthMl, `${volume} mL vs ${truthMl} mL`);
    assert.ok(dice > 0.92, `Dice ${dice}`);
    assert.deepEqual(mask.labelNames, { 1: 'heart' });
    assert.equal(finding.category, heartVolumeCategory(volume));
    assert.ok(finding.reference?.source && finding.reference.max === HEART_VOLUME_UPPER_ML);
    assert.ok(finding.center, 'the finding points at the heart');
  });
}

test('volume categories: normal up to the upper limit, enlarged above', () => {
  assert.equal(heartVolumeCategory(HEART_VOLUME_UPPER_ML), 'normal');
  assert.equal(heartVolumeCategory(HEART_VOLUME_UPPER_ML + 1), 'enlarged');
});

test('slice range: stops where the area falls under a tenth of the largest, or rises again after a waist', () => {
  // heart 2..6, then a waist at 7 (great vessels) and a rise (the aortic arch) from 8
  const area = Float64Array.from([0, 50, 400, 800, 1000, 900, 600, 300, 500, 700, 100]);
  assert.deepEqual(heartSlices(area), [2, 7]);
  assert.deepEqual(heartSlices(Float64Array.from([10, 500, 1000, 500, 90])), [1, 3]);
});

test('a lung mask without both lungs is refused with an actionable error', () => {
  const geometry = { dimensions: [20, 20, 10] as [number, number, number], spacing: [2, 2, 2] as [number, number, number], origin: [0, 0, 0] as [number, number, number], direction: [[1, 0, 0], [0, 1, 0], [0, 0, 1]] as [[number, number, number], [number, number, number], [number, number, number]] };
  const labels = new Uint8Array(4000);
  labels[100] = 1; // a right lung voxel, no left lung
  assert.throws(
    () => segmentHeart({ geometry, voxels: new Int16Array(4000), unit: 'HU' }, { geometry, labels, labelNames: { 1: 'lung.right', 2: 'lung.left' } }),
    (e: unknown) => e instanceof PolyradError && e.code === 'LUNGS_MISSING',
  );
});
