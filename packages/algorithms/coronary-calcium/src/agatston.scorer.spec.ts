import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateManifest, type AlgorithmOutputs, type Artifact, type SeriesInput, type Volume, type VolumeGeometry } from '@polyrad/sdk';
import { generateChestPhantom, type ChestPhantom, type ChestPhantomOptions } from '@polyrad/phantom';
import { groupSeries, loadVolume, scanDicomInputs } from '@polyrad/dicom';
import lungSegmentation from '@polyrad/algorithm-lung-segmentation';
import heartSegmentation from '@polyrad/algorithm-heart-segmentation';
import plugin, { agatstonWeight, cacDrsCategory, scoreAgatston } from './index.js';

const context = { log: () => undefined };
type MaskArtifact = Extract<Artifact, { kind: 'mask' }>;

/** lung segmentation -> heart segmentation, as the platform chains them */
async function heartMask(series: SeriesInput): Promise<{ heart: MaskArtifact; volumeMl: number }> {
  const lungs = (await lungSegmentation.run({ series, artifacts: {}, config: {} }, context)).artifacts![0];
  const outputs = await heartSegmentation.run({ series, artifacts: { [lungs.type]: lungs }, config: {} }, context);
  return { heart: outputs.artifacts![0] as MaskArtifact, volumeMl: outputs.findings![0].value as number };
}

async function score(series: SeriesInput, heart: MaskArtifact): Promise<AlgorithmOutputs> {
  return plugin.run({ series, artifacts: { [heart.type]: heart }, config: {} }, context);
}

const phantomSeries = (phantom: ChestPhantom, fingerprint: Record<string, unknown> = {}): SeriesInput => ({ seriesInstanceUid: '1.2.3', modality: 'CT', volume: phantom.volume, fingerprint });

test('manifest validates and consumes what the heart segmentation produces', () => {
  const manifest = validateManifest(JSON.parse(readFileSync(new URL('../manifest.json', import.meta.url), 'utf8')), 'manifest.json');
  assert.equal(manifest.id, 'polyrad.coronary-calcium');
  const produced = heartSegmentation.manifest.produces.find((p) => p.type === manifest.consumes[0].type);
  assert.ok(produced && produced.version.startsWith('1.'), 'the heart segmentation produces polyrad.mask.heart 1.x');
  assert.deepEqual(manifest.findings.map((f) => f.code), ['heart.cac.agatston', 'heart.cac.category']);
});

test('Agatston weights by peak HU and CAC-DRS categories at their edges', () => {
  assert.deepEqual([129, 130, 199, 200, 299, 300, 399, 400, 1200].map(agatstonWeight), [0, 1, 1, 2, 2, 3, 3, 4, 4]);
  assert.deepEqual([0, 0.1, 99.9, 100, 299.9, 300].map(cacDrsCategory), ['0', '1', '1', '2', '2', '3']);
});

test('hand-made volume: area x peak weight x slice/3; noise voxels and regions leaving the territory are not lesions', () => {
  const geometry: VolumeGeometry = { dimensions: [40, 40, 12], spacing: [0.5, 0.5, 1.5], origin: [0, 0, 0], direction: [[1, 0, 0], [0, 1, 0], [0, 0, 1]] };
  const voxels = new Int16Array(40 * 40 * 12).fill(40);
  const labels = new Uint8Array(voxels.length);
  const at = (i: number, j: number, k: number): number => i + j * 40 + k * 1600;
  for (let k = 2; k < 10; k++) for (let j = 10; j < 30; j++) for (let i = 10; i < 30; i++) labels[at(i, j, k)] = 1;
  // a plaque just outside the heart: 3 x 3 pixels on slices 4 and 5, peak 250 HU (weight 2)
  for (const k of [4, 5]) for (let j = 15; j < 18; j++) for (let i = 31; i < 34; i++) voxels[at(i, j, k)] = i === 32 && j === 16 ? 250 : 180;
  voxels[at(8, 20, 6)] = 900; // a lone noise voxel
  for (let k = 0; k < 12; k++) voxels[at(20, 35, k)] = 700; // a rod through every slice: bone, mostly outside the heart's slices
  const volume: Volume = { geometry, voxels, unit: 'HU' };
  const result = scoreAgatston(volume, { geometry, labels, labelNames: { 1: 'heart' } });
  assert.equal(result.lesions.length, 2);
  assert.deepEqual(result.lesions.map((l) => [l.areaMm2, l.peakHu, l.weight]), [[2.25, 250, 2], [2.25, 250, 2]]);
  assert.equal(result.sliceFactor, 0.5);
  assert.equal(result.score, 2 * 2.25 * 2 * 0.5);
  assert.equal(result.excludedRegions, 1);
});

// Phantom truth is counted from the lesions' voxelised class HU (HeartTruth.agatston), so it holds for the
// image as long as noise keeps lesion voxels above 130 HU and peaks inside their weight band: noiseSd 8
// leaves >= 4 SD to every edge (lesion classes 170/250/350/520 HU).
const cases: { name: string; options: ChestPhantomOptions; category: string }[] = [
  { name: 'one plaque', options: { seed: 21, noiseSd: 8, heart: { coronaryLesions: [{ hu: 250, radiusMm: 2 }] } }, category: '1' },
  { name: 'default plaques, feet first, mirrored', options: { seed: 22, noiseSd: 8, feetFirst: true, flipX: true }, category: '2' },
  {
    name: 'heavy calcification',
    options: { seed: 23, noiseSd: 8, heart: { coronaryLesions: [{ hu: 170, radiusMm: 2.5 }, { hu: 520, radiusMm: 3 }, { hu: 350, radiusMm: 2 }, { hu: 450, radiusMm: 3 }, { hu: 250, radiusMm: 2.5 }] } },
    category: '3',
  },
];
for (const { name, options, category } of cases) {
  test(`phantom, ${name}: Agatston within 15 % of the truth, CAC-DRS ${category}, aortic wall plaque not counted`, async () => {
    const phantom = generateChestPhantom(options);
    const truth = phantom.truth.heart;
    assert.equal(truth.cacDrs, category, 'the phantom has the intended category');
    const series = phantomSeries(phantom);
    const { heart } = await heartMask(series);
    const outputs = await score(series, heart);
    const [agatston, drs] = outputs.findings!;
    console.log(`# CAC ${name}: ${agatston.value} vs truth ${truth.agatston.toFixed(1)} (aortic plaque would add ${truth.aorticCalcium!.agatston.toFixed(1)})`);
    assert.equal(agatston.code, 'heart.cac.agatston');
    assert.ok(Math.abs((agatston.value as number) - truth.agatston) <= 0.15 * truth.agatston, `${agatston.value} vs ${truth.agatston}`);
    assert.ok(truth.aorticCalcium!.agatston > 0.3 * truth.agatston, 'counting the aortic plaque would break the tolerance');
    assert.deepEqual([drs.code, drs.value], ['heart.cac.category', category]);
    assert.equal(agatston.category, drs.category);
    assert.equal(agatston.abnormal, true, 'any coronary calcium is outside the reference');
    assert.ok(agatston.reference?.source.includes('Agatston') && drs.reference?.source.includes('Hecht'));
  });
}

test('phantom without coronary plaques: Agatston 0 although the aortic wall is calcified; a contrast header declines', async () => {
  const phantom = generateChestPhantom({ seed: 24, heart: { coronaryLesions: [] } });
  assert.ok(phantom.truth.heart.aorticCalcium!.agatston > 50);
  const series = phantomSeries(phantom);
  const { heart } = await heartMask(series);
  const outputs = await score(series, heart);
  assert.deepEqual(outputs.findings!.map((f) => [f.value, f.abnormal]), [[0, false], ['0', false]]);
  const declined = await score(phantomSeries(phantom, { contrastInHeader: true }), heart);
  assert.deepEqual(declined.findings, []);
  assert.match(declined.warnings!.join(' '), /not scored: contrast-enhanced CT, the DICOM header names a contrast agent/);
});

test('contrast-enhanced phantom (no header flag): declined from the measured blood pool, no findings', async () => {
  const phantom = generateChestPhantom({ seed: 25, contrast: true });
  const series = phantomSeries(phantom);
  const { heart } = await heartMask(series);
  const outputs = await score(series, heart);
  assert.deepEqual(outputs.findings, []);
  assert.match(outputs.warnings!.join(' '), /not scored: contrast-enhanced CT, the blood pool measures \d+ HU/);
});

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const lidc = resolve(repoRoot, process.env.POLYRAD_TEST_DATA ?? '../shared/data', 'ct/lidc-idri-0001/jpeg-lossless-sv1');
const lidcSkip = existsSync(lidc) ? false : `real test data not found at ${lidc} (set POLYRAD_TEST_DATA)`;
if (lidcSkip) console.log(`# skipping: ${lidcSkip}`);

test('real contrast chest CT (LIDC-IDRI-0001): plausible heart volume, CAC declined', { skip: lidcSkip }, async () => {
  const { instances } = await scanDicomInputs([lidc]);
  const [dicom] = groupSeries(instances);
  const volume = await loadVolume(dicom);
  const series: SeriesInput = { seriesInstanceUid: dicom.SeriesInstanceUID ?? '1', modality: 'CT', volume, fingerprint: {} };
  const { heart, volumeMl } = await heartMask(series);
  const outputs = await score(series, heart);
  console.log(`# LIDC-IDRI-0001: heart ${volumeMl} mL; ${outputs.warnings!.join(' ')}`);
  assert.ok(volumeMl > 300 && volumeMl < 1000, `heart ${volumeMl} mL`);
  // the fingerprint carries no header flag here: the enhanced blood pool alone declines the score
  assert.deepEqual(outputs.findings, []);
  assert.match(outputs.warnings!.join(' '), /contrast-enhanced CT, the blood pool measures/);
});
