import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { outputProblems, validateManifest, type AlgorithmFinding, type AlgorithmOutputs, type Artifact, type IndeterminateCategory, type LabelMask, type SeriesInput, type Volume, type VolumeGeometry } from '@polyrad/sdk';
import { generateChestPhantom, PHANTOM_LABELS, sampleChestCase, type ChestPhantom, type ChestPhantomOptions } from '@polyrad/phantom';
import { groupSeries, loadVolume, scanDicomInputs } from '@polyrad/dicom';
import lungSegmentation from '@polyrad/algorithm-lung-segmentation';
import heartSegmentation, { segmentHeart } from '@polyrad/algorithm-heart-segmentation';
import plugin, { agatstonWeight, CAC_MAX_NOISE_HU, cacDrsCategory, cacDrsDecision, scoreAgatston } from './index.js';

const context = { log: () => undefined };
type MaskArtifact = Extract<Artifact, { kind: 'mask' }>;

/** lung segmentation -> heart segmentation, as the platform chains them */
async function heartMask(series: SeriesInput): Promise<{ heart: MaskArtifact; volumeMl: number }> {
  const lungs = (await lungSegmentation.run({ series, artifacts: {}, config: {} }, context)).artifacts![0];
  const outputs = await heartSegmentation.run({ series, artifacts: { [lungs.type]: lungs }, config: {} }, context);
  return { heart: outputs.artifacts![0] as MaskArtifact, volumeMl: outputs.findings![0].value as number };
}

async function score(series: SeriesInput, heart: MaskArtifact): Promise<AlgorithmOutputs> {
  const outputs = await plugin.run({ series, artifacts: { [heart.type]: heart }, config: {} }, context);
  assert.deepEqual(outputProblems(plugin, outputs, series), [], 'the platform accepts the outputs');
  return outputs;
}

/** Both findings not assessed with the reason: no value, no category, no "0", nothing abnormal. */
function assertNotAssessed(findings: AlgorithmFinding[] | undefined, reason: RegExp): void {
  assert.deepEqual(findings!.map((f) => [f.code, f.assessment, f.value, f.category, f.abnormal]), [
    ['heart.cac.agatston', 'not-assessed', null, undefined, undefined],
    ['heart.cac.category', 'not-assessed', null, undefined, undefined],
  ]);
  for (const f of findings!) assert.match(f.reason!, reason);
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

/** A 40 x 40 x 12 block heart (slices 2-9) of 40 HU on a 0.5 x 0.5 x 1.5 mm grid, for hand-placed calcium. */
function handMadeHeart(): { volume: Volume; heart: LabelMask; at: (i: number, j: number, k: number) => number } {
  const geometry: VolumeGeometry = { dimensions: [40, 40, 12], spacing: [0.5, 0.5, 1.5], origin: [0, 0, 0], direction: [[1, 0, 0], [0, 1, 0], [0, 0, 1]] };
  const voxels = new Int16Array(40 * 40 * 12).fill(40);
  const labels = new Uint8Array(voxels.length);
  const at = (i: number, j: number, k: number): number => i + j * 40 + k * 1600;
  for (let k = 2; k < 10; k++) for (let j = 10; j < 30; j++) for (let i = 10; i < 30; i++) labels[at(i, j, k)] = 1;
  return { volume: { geometry, voxels, unit: 'HU' }, heart: { geometry, labels, labelNames: { 1: 'heart' } }, at };
}

test('CAC-DRS near the 100 and 300 cut-offs: borderline within the ±15 % measurement error, the class beyond it; A0/A1 is decided by detection', () => {
  assert.deepEqual([0, 1, 84.9, 85, 114.9, 115, 254.9, 255, 344.9, 345].map((s) => cacDrsDecision(s).category), [
    'A0',
    'A1',
    'A1',
    'borderline A1/A2',
    'borderline A1/A2',
    'A2',
    'A2',
    'borderline A2/A3',
    'borderline A2/A3',
    'A3',
  ]);
  assert.equal(cacDrsDecision(105).indeterminate?.reason, 'borderline: 105 lies within the measurement error (±15) of the 100 cut-off between A1 and A2');
});

test('a score of 104 on a hand-made heart: the score and "borderline CAC-DRS A1/A2" stated, the class not assessed with the reason', async () => {
  const { volume, heart, at } = handMadeHeart();
  // a 4 x 6.5 mm plaque of 450 HU (weight 4) on the heart's surface over two 1.5 mm slices: 26 mm2 x 4 x 2 x 0.5
  for (const k of [5, 6]) for (let j = 12; j < 25; j++) for (let i = 31; i < 39; i++) volume.voxels[at(i, j, k)] = 450;
  const series: SeriesInput = { seriesInstanceUid: '1.2.3', modality: 'CT', volume, fingerprint: {} };
  const [agatston, drs] = (await score(series, { kind: 'mask', type: 'polyrad.mask.heart', version: '1.0.0', mask: heart })).findings!;
  assert.deepEqual([agatston.value, agatston.category, agatston.abnormal], [104, 'borderline CAC-DRS A1/A2', true]);
  assert.deepEqual([drs.code, drs.assessment, drs.value, drs.category], ['heart.cac.category', 'not-assessed', null, undefined]);
  assert.equal(drs.reason, 'CAC-DRS class not stated: Agatston 104 lies within the measurement error (±15) of the 100 cut-off between A1 and A2');
});

test('calcium reaching into the heart (valve, annulus, aortic root) is kept apart as ambiguous, not counted', () => {
  const { volume, heart, at } = handMadeHeart();
  // a ring-like plaque from the epicardial fat 5 mm into the heart on slices 5 and 6, peak 450 HU
  for (const k of [5, 6]) for (let j = 18; j < 21; j++) for (let i = 5; i < 20; i++) volume.voxels[at(i, j, k)] = 450;
  const result = scoreAgatston(volume, heart);
  assert.equal(result.score, 0);
  assert.equal(result.lesions.length, 0);
  assert.deepEqual(result.ambiguous.lesions.map((l) => [l.areaMm2, l.peakHu, l.weight]), [[11.25, 450, 4], [11.25, 450, 4]]);
});

test('calcium in the wall of the measured ascending aorta beside the heart is aortic, not coronary; a plaque away from it still counts', async () => {
  const { volume, heart, at } = handMadeHeart();
  // a plaque just outside the heart (x 15.5-16.5 mm) on the wall of an aorta whose lumen is centred 3 mm
  // further out, and a coronary plaque on the heart's other side (x 3-4 mm), both 3 x 3 pixels at 450 HU
  for (const k of [4, 5]) for (let j = 15; j < 18; j++) for (const i of [31, 32, 33, 6, 7, 8]) volume.voxels[at(i, j, k)] = 450;
  const aorta = Array.from({ length: 8 }, (_, n) => ({ center: [19.5, 8, (n + 2) * 1.5] as [number, number, number], radiusMm: 2 }));
  const without = scoreAgatston(volume, heart);
  assert.equal(without.lesions.length, 4, 'without the aorta both plaques count');
  const withAorta = scoreAgatston(volume, heart, aorta);
  assert.equal(withAorta.aorticRegions, 1);
  assert.deepEqual(withAorta.lesions.map((l) => Math.round(l.center[0])), [4, 4], 'only the plaque away from the aorta is counted');
  assert.equal(withAorta.score, without.score / 2);
  // the plugin takes the sections from the aorta plugin's centre line, and says when it had none
  const series: SeriesInput = { seriesInstanceUid: '1.2.3', modality: 'CT', volume, fingerprint: {} };
  const heartArtifact: MaskArtifact = { kind: 'mask', type: 'polyrad.mask.heart', version: '1.0.0', mask: heart };
  const centerLine: Artifact = { kind: 'json', type: 'polyrad.aorta.centerline', version: '1.0.0', data: { ascending: { diameters: aorta.map((a) => ({ center: a.center, maxMm: 4, meanMm: 4 })) } } };
  const measured = await plugin.run({ series, artifacts: { [heartArtifact.type]: heartArtifact, [centerLine.type]: centerLine }, config: {} }, context);
  assert.equal(measured.findings![0].value, withAorta.score);
  assert.deepEqual(measured.warnings, []);
  const blind = await plugin.run({ series, artifacts: { [heartArtifact.type]: heartArtifact }, config: {} }, context);
  assert.equal(blind.findings![0].value, without.score);
  assert.match(blind.warnings!.join(' '), /ascending aorta was not measured .* check that every counted lesion lies on a coronary artery/);
});

/**
 * The phantom's own heart label as the mask: these tests judge the scorer and its gates, not the heart
 * segmentation (which the heart plugin's specs and the validation judge, and which on the realistic
 * phantom is mostly not assessed yet).
 */
function trueHeart(phantom: ChestPhantom): MaskArtifact {
  const labels = new Uint8Array(phantom.labels.labels.length);
  for (let p = 0; p < labels.length; p++) labels[p] = phantom.labels.labels[p] === PHANTOM_LABELS.heart ? 1 : 0;
  return { kind: 'mask', type: 'polyrad.mask.heart', version: '1.0.0', mask: { geometry: phantom.volume.geometry, labels, labelNames: { 1: 'heart' } } };
}

/** Only coronary calcium: the aortic root wall, valve and annulus calcium drawn off. */
const coronaryOnly = { aorticCalcium: false, aorticValveCalcium: false, mitralAnnulusCalcium: false };

// Truth (HeartTruth.agatston) is the Agatston score of the image without noise, at its own slice thickness.
const cases: { name: string; options: ChestPhantomOptions; category: string }[] = [
  { name: 'one plaque', options: { seed: 21, noiseSd: 10, heart: { ...coronaryOnly, coronaryLesions: [{ hu: 320, radiusMm: 2.5, artery: 'LAD' }] } }, category: '1' },
  { name: 'plaques on three arteries, feet first', options: { seed: 22, noiseSd: 12, feetFirst: true, heart: { ...coronaryOnly, coronaryLesions: [{ hu: 450, radiusMm: 3, artery: 'LAD' }, { hu: 600, radiusMm: 3, artery: 'RCA' }, { hu: 250, radiusMm: 2.5, artery: 'LCX' }] } }, category: '2' },
  {
    name: 'heavy calcification, 1.25 mm slices',
    options: { seed: 23, noiseSd: 15, spacing: [1.25, 1.25, 1.25], dimensions: [256, 256, 200], heart: { ...coronaryOnly, coronaryLesions: [{ hu: 700, radiusMm: 4 }, { hu: 520, radiusMm: 3.5 }, { hu: 650, radiusMm: 4 }, { hu: 450, radiusMm: 3.5 }, { hu: 600, radiusMm: 4 }] } },
    category: '3',
  },
];
for (const { name, options, category } of cases) {
  test(`realistic phantom, ${name}: Agatston within 15 % of the truth, CAC-DRS ${category}`, async () => {
    const phantom = generateChestPhantom(options);
    const truth = phantom.truth.heart;
    assert.equal(truth.cacDrs, category, 'the phantom has the intended category');
    const outputs = await score(phantomSeries(phantom), trueHeart(phantom));
    const [agatston, drs] = outputs.findings!;
    console.log(`# CAC ${name}: ${agatston.value ?? agatston.reason} vs truth ${truth.agatston.toFixed(1)}`);
    assert.equal(agatston.code, 'heart.cac.agatston');
    assert.ok(Math.abs((agatston.value as number) - truth.agatston) <= 0.15 * truth.agatston, `${agatston.value} vs ${truth.agatston}`);
    const between = (agatston.indeterminate as IndeterminateCategory | undefined)?.between;
    if (between) {
      // within the measurement error of a cut-off (266.7 against 263.3 truth, 300 cut-off): the class is not stated
      assert.ok(between.includes(`A${category}`), `${agatston.category} for a true A${category}`);
      assert.deepEqual([drs.code, drs.assessment, drs.value], ['heart.cac.category', 'not-assessed', null]);
    } else {
      assert.deepEqual([drs.code, drs.value], ['heart.cac.category', category]);
      assert.equal(agatston.category, drs.category);
      assert.ok(drs.reference?.source.includes('Hecht'));
    }
    assert.equal(agatston.abnormal, true, 'any coronary calcium is outside the reference');
    assert.ok(agatston.reference?.source.includes('Agatston'));
  });
}

test('calcium-free heart at good quality (2.5 mm slices, noise SD 12): CAC 0 measured; a contrast header: not assessed', async () => {
  const phantom = generateChestPhantom({ seed: 24, noiseSd: 12, heart: { ...coronaryOnly, coronaryLesions: [] } });
  assert.equal(phantom.truth.heart.agatston, 0);
  const heart = trueHeart(phantom);
  const outputs = await score(phantomSeries(phantom, { SliceThickness: 2.5 }), heart);
  assert.deepEqual(outputs.findings!.map((f) => [f.assessment, f.value, f.abnormal]), [[undefined, 0, false], [undefined, '0', false]]);
  assertNotAssessed((await score(phantomSeries(phantom, { contrastInHeader: true }), heart)).findings, /contrast-enhanced CT, the DICOM header names a contrast agent/);
});

test('calcium in the valves and annulus but none in the coronaries: never a silent CAC 0', async () => {
  const phantom = generateChestPhantom({ seed: 26, noiseSd: 12, heart: { coronaryLesions: [], aorticCalcium: false, aorticValveCalcium: true, mitralAnnulusCalcium: true } });
  assert.equal(phantom.truth.heart.agatston, 0);
  assert.ok(phantom.truth.heart.nonCoronaryCalcium.agatston > 0);
  const outputs = await score(phantomSeries(phantom), trueHeart(phantom));
  const [agatston] = outputs.findings!;
  console.log(`# valve/annulus calcium only: ${agatston.value ?? agatston.reason}`);
  assert.notEqual(agatston.value, 0, 'a CAC 0 would hide calcium the scorer saw and could not place');
});

test('sharp kernel, no coronary calcium: the bright rim a sharp kernel draws along the heart-lung border is not scored (CAC 0)', async () => {
  const phantom = generateChestPhantom({ seed: 27, noiseSd: 8, kernel: 'sharp', heart: { ...coronaryOnly, coronaryLesions: [] } });
  assert.equal(phantom.truth.heart.agatston, 0);
  const outputs = await score(phantomSeries(phantom), trueHeart(phantom));
  assert.deepEqual(outputs.findings!.map((f) => [f.value, f.abnormal]), [[0, false], ['0', false]]);
});

test('whole chain on a development case: mitral-annulus calcium beside the circumflex and the case\'s aortic-root calcium are not counted (Agatston within 15 %, right class)', async () => {
  // development seed 1005: 2 mm slices, 0.73 mm pixels, noise SD 11, non-contrast; the heart from the heart plugin, not the truth
  const options = sampleChestCase(1005);
  const phantom = generateChestPhantom({ ...options, heart: { ...options.heart, mitralAnnulusCalcium: true } });
  const truth = phantom.truth.heart;
  assert.ok(truth.nonCoronaryCalcium.agatston > 0.2 * truth.agatston, 'enough non-coronary calcium to change the score if counted');
  const series = phantomSeries(phantom, { SliceThickness: 2 });
  const { heart } = await heartMask(series);
  const outputs = await score(series, heart);
  const [agatston, drs] = outputs.findings!;
  console.log(`# chain 1005: ${agatston.value ?? agatston.reason} vs truth ${truth.agatston.toFixed(1)} (non-coronary ${truth.nonCoronaryCalcium.agatston.toFixed(1)})`);
  if (agatston.assessment === 'not-assessed') return assert.match(agatston.reason!, /aortic root|valves/);
  assert.ok(Math.abs((agatston.value as number) - truth.agatston) <= 0.15 * truth.agatston, `${agatston.value} vs ${truth.agatston}`);
  assert.equal(drs.value, truth.cacDrs);
});

test('contrast-enhanced phantom (no header flag): not assessed from the measured blood pool', async () => {
  const phantom = generateChestPhantom({ seed: 25, contrast: true, heart: { coronaryLesions: [] } });
  assertNotAssessed((await score(phantomSeries(phantom), trueHeart(phantom))).findings, /contrast-enhanced CT, the blood pool measures \d+ HU/);
});

test('5 mm slices: not assessed (Agatston is defined at 3 mm), never a score or a CAC 0', async () => {
  // a calcium-free heart: scored on 5 mm slices it would read "0"
  const phantom = generateChestPhantom({ seed: 24, noiseSd: 12, spacing: [2, 2, 5], dimensions: [160, 160, 45], heart: { ...coronaryOnly, coronaryLesions: [] } });
  assertNotAssessed((await score(phantomSeries(phantom), trueHeart(phantom))).findings, /slices are 5\.0 mm: the Agatston score is defined at 3 mm/);
  // the header's slice thickness counts even where the slices are closer together
  const overlapping = generateChestPhantom({ seed: 24, noiseSd: 12, heart: { ...coronaryOnly, coronaryLesions: [] } });
  assertNotAssessed((await score(phantomSeries(overlapping, { SliceThickness: 5 }), trueHeart(overlapping))).findings, /slices are 5\.0 mm/);
});

test(`noisy scan (SD 30 HU, limit ${CAC_MAX_NOISE_HU}): not assessed with the measured noise, never a score or a CAC 0`, async () => {
  const phantom = generateChestPhantom({ seed: 24, noiseSd: 30, heart: { ...coronaryOnly, coronaryLesions: [] } });
  assertNotAssessed((await score(phantomSeries(phantom), trueHeart(phantom))).findings, /image noise in the heart measures SD (2[1-9]|3\d) HU/);
});

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const ctRoot = resolve(repoRoot, process.env.POLYRAD_TEST_DATA ?? '../shared/data', 'ct');

async function realSeries(path: string): Promise<SeriesInput[]> {
  const { instances } = await scanDicomInputs([path]);
  return Promise.all(
    groupSeries(instances).map(async (dicom) => ({
      seriesInstanceUid: dicom.SeriesInstanceUID ?? '1',
      modality: 'CT',
      volume: await loadVolume(dicom),
      fingerprint: { SliceThickness: dicom.instances[0].SliceThickness, contrastInHeader: Boolean(dicom.instances[0].ContrastBolusAgent?.trim()) },
    })),
  );
}

const lidc = resolve(ctRoot, 'lidc-idri-0001/jpeg-lossless-sv1');
const lidcSkip = existsSync(lidc) ? false : `real test data not found at ${lidc} (set POLYRAD_TEST_DATA)`;
if (lidcSkip) console.log(`# skipping: ${lidcSkip}`);

test('real contrast chest CT (LIDC-IDRI-0001): CAC not assessed (contrast), from the header and from the blood pool', { skip: lidcSkip }, async () => {
  const [series] = await realSeries(lidc);
  // the heart plugin declines this scan (its outline is not seen); the calcium plugin's own checks are judged inside the raw segmentation
  const raw = segmentHeart(series.volume, ((await lungSegmentation.run({ series, artifacts: {}, config: {} }, context)).artifacts![0] as MaskArtifact).mask);
  const heart: MaskArtifact = { kind: 'mask', type: 'polyrad.mask.heart', version: '1.0.0', mask: raw.mask };
  assertNotAssessed((await score(series, heart)).findings, /contrast-enhanced CT, the DICOM header names a contrast agent/);
  // without the header flag the enhanced blood pool alone declines the score
  assertNotAssessed((await score({ ...series, fingerprint: {} }, heart)).findings, /contrast-enhanced CT, the blood pool measures \d+ HU/);
});

const petCt = resolve(ctRoot, 'lung-pet-ct-dx-a0001');
const petCtSkip = existsSync(petCt) ? false : `real test data not found at ${petCt} (set POLYRAD_TEST_DATA)`;
if (petCtSkip) console.log(`# skipping: ${petCtSkip}`);

// Non-contrast, 5 mm. Before the gates: Agatston 3401 (CAC-DRS A3) inside a 58 mL "heart" (the ascending
// aorta) on kernel L, 462 inside the liver on kernel B.
test('real non-contrast 5 mm CT (Lung-PET-CT-Dx A0001): CAC not assessed (5 mm) even inside the raw segmentation, never a score or a CAC 0', { skip: petCtSkip }, async () => {
  for (const series of await realSeries(petCt)) {
    const raw = segmentHeart(series.volume, ((await lungSegmentation.run({ series, artifacts: {}, config: {} }, context)).artifacts![0] as MaskArtifact).mask);
    const heart: MaskArtifact = { kind: 'mask', type: 'polyrad.mask.heart', version: '1.0.0', mask: raw.mask };
    const outputs = await score(series, heart);
    console.log(`# A0001 ${series.seriesInstanceUid.slice(-8)}: raw heart ${raw.volumeMl.toFixed(0)} mL; ${outputs.findings![0].reason}`);
    assertNotAssessed(outputs.findings, /slices are 5\.0 mm: the Agatston score is defined at 3 mm/);
  }
});
