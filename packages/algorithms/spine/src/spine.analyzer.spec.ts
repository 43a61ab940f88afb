import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateManifest, type AlgorithmFinding } from '@polyrad/sdk';
import { generateChestPhantom, type ChestPhantomOptions, type SpineTruth } from '@polyrad/phantom';
import { groupSeries, loadVolume, scanDicomInputs } from '@polyrad/dicom';
import { runPluginForTest } from '@polyrad/sdk/testing';
import plugin, { boneDensityCategory, densityExclusion, genantGrade, gradingExclusion, gradingRangeFailure, missedLevels, type VertebraMeasurement } from './index.js';


/** a phantom over ~150 mm of spine, 1.25 mm slices by default (heights to ~5 %), run as the platform would */
async function analyse(options: Partial<ChestPhantomOptions> & { seed: number }, sliceMm = 1.25): Promise<{ findings: AlgorithmFinding[]; truth: SpineTruth }> {
  const phantom = generateChestPhantom({ dimensions: [160, 160, Math.round(150 / sliceMm)], spacing: [2, 2, sliceMm], ...options });
  const result = await runPluginForTest(plugin, { volume: phantom.volume, fingerprint: { Modality: 'CT', bodyRegions: ['thorax'], sliceCount: phantom.volume.geometry.dimensions[2] } });
  assert.equal(result.status, 'succeeded', `${result.reason} ${result.problems.join('; ')}`);
  assert.deepEqual(result.problems, []);
  return { findings: result.findings, truth: phantom.truth.spine };
}

const measured = (f: AlgorithmFinding): boolean => f.assessment === 'measured';

interface ReportedVertebra {
  center: [number, number, number];
  complete: boolean;
  trabecularHu: number | null;
}

test('Pickhardt attenuation bands and Genant grades', () => {
  assert.deepEqual([80, 110, 110.1, 160, 160.1, 250].map(boneDensityCategory), ['osteoporosis', 'osteoporosis', 'osteopenia', 'osteopenia', 'normal', 'normal']);
  assert.deepEqual([0, 19.9, 20, 24.9, 25, 40, 40.1, 80].map(genantGrade), [0, 0, 1, 1, 2, 2, 3, 3]);
});

test('manifest validates and declares both findings', () => {
  const manifest = validateManifest(JSON.parse(readFileSync(new URL('../manifest.json', import.meta.url), 'utf8')), 'manifest.json');
  assert.equal(manifest.id, 'polyrad.spine');
  assert.deepEqual(manifest.findings.map((f) => f.code).sort(), ['spine.fracture', 'spine.trabecular_attenuation']);
});

for (const [seed, orientation, fracture] of [
  [11, { feetFirst: true }, { heightLossPercent: 32 }],
  [12, { flipX: true }, { heightLossPercent: 55 }],
  [13, { feetFirst: true, flipX: true }, { heightLossPercent: 33, shape: 'biconcave' as const }],
] as const) {
  test(`phantom seed ${seed} ${JSON.stringify(orientation)}: trabecular HU per body and the ${fracture.heightLossPercent} % fracture graded`, async () => {
    const { findings, truth } = await analyse({ seed, ...orientation, spine: { fracture } });
    const attenuation = findings.find((f) => f.code === 'spine.trabecular_attenuation');
    assert.ok(attenuation, 'attenuation reported');
    assert.equal(attenuation.unit, 'HU');
    assert.ok(attenuation.reference?.source.includes('Pickhardt'));
    // each reported complete body matches a true body within 10 mm along z, and its HU within 20 HU
    const reported = (attenuation.vertebrae as ReportedVertebra[]).filter((v) => v.complete && v.trabecularHu !== null);
    const normal = truth.vertebrae.filter((v) => v.complete && v.genantGrade === 0);
    assert.ok(reported.length >= normal.length, `${reported.length} bodies measured, ${normal.length} complete normal ones drawn`);
    const used: number[] = [];
    for (const v of reported) {
      const match = truth.vertebrae.find((t) => Math.abs(t.center[2] - v.center[2]) < 10);
      assert.ok(match, `a drawn body at z ${v.center[2].toFixed(1)}`);
      assert.ok(Math.abs(v.trabecularHu! - match.trabecularHu) < 20, `body ${match.index}: ${v.trabecularHu} vs ${match.trabecularHu} HU`);
      if (match.genantGrade === 0) used.push(match.trabecularHu);
    }
    const expected = used.reduce((s, x) => s + x, 0) / used.length;
    assert.ok(Math.abs((attenuation.value as number) - expected) < 20, `mean ${attenuation.value} vs ${expected}`);
    assert.equal(attenuation.category, boneDensityCategory(expected));

    const fractures = findings.filter((f) => f.code === 'spine.fracture');
    assert.ok(fractures.every(measured), `every body graded: ${fractures.map((f) => f.reason).join(' ')}`);
    const crushed = truth.vertebrae[truth.fractured!];
    assert.ok(crushed.genantGrade > 0, `the drawn fracture is graded (${crushed.heightLossPercent.toFixed(1)} %)`);
    assert.equal(fractures.length, 1, `one fracture, got ${JSON.stringify(fractures.map((f) => f.heightLossPercent))}`);
    const [found] = fractures;
    assert.ok(Math.abs(found.center![2] - crushed.center[2]) < 12, `at z ${found.center![2].toFixed(1)} vs ${crushed.center[2].toFixed(1)}`);
    assert.equal(found.value, crushed.genantGrade, `grade for ${found.heightLossPercent} % measured, ${crushed.heightLossPercent.toFixed(1)} % drawn`);
    assert.equal(found.category, ['', 'mild', 'moderate', 'severe'][crushed.genantGrade]);
  });
}

test('osteoporotic phantom without fracture: osteoporosis, and "no fracture" stated as a measured Genant grade 0', async () => {
  const { findings, truth } = await analyse({ seed: 21, spine: { fracture: false, trabecularHu: 95 } });
  assert.equal(truth.fractured, undefined);
  const attenuation = findings.find((f) => f.code === 'spine.trabecular_attenuation');
  assert.ok(attenuation && Math.abs((attenuation.value as number) - 95) < 20, `${attenuation?.value}`);
  assert.equal(attenuation.category, 'osteoporosis');
  const fractures = findings.filter((f) => f.code === 'spine.fracture');
  assert.equal(fractures.length, 1, 'one statement about fractures');
  const [none] = fractures;
  assert.equal(none.assessment, 'measured');
  assert.equal(none.value, 0);
  assert.equal(none.category, 'none');
  assert.equal(none.abnormal, false);
  const complete = truth.vertebrae.filter((v) => v.complete).length;
  assert.ok((none.vertebraeGraded as number) >= Math.min(3, complete), `graded ${none.vertebraeGraded} of ${complete} complete bodies`);
});

// At 3 mm the endplates are still located to about a slice: the fracture is graded, or the screening is
// declared not assessed - it is never silent and never stated as "none".
for (const [seed, fracture] of [
  [11, { heightLossPercent: 32 }],
  [12, { heightLossPercent: 55 }],
  [13, { heightLossPercent: 33, shape: 'biconcave' as const }],
] as const) {
  test(`phantom seed ${seed} at 3 mm slices: the ${fracture.heightLossPercent} % fracture is graded or the screening is not assessed, never silent`, async () => {
    const { findings, truth } = await analyse({ seed, spine: { fracture } }, 3);
    const crushed = truth.vertebrae[truth.fractured!];
    const fractures = findings.filter((f) => f.code === 'spine.fracture');
    console.log(`# seed ${seed} at 3 mm: ${fractures.map((f) => `${f.assessment} ${f.value} ${f.heightLossPercent ?? ''} ${f.reason ?? ''}`).join(' | ')} (drawn grade ${crushed.genantGrade})`);
    assert.ok(fractures.length > 0, 'a statement about fractures');
    assert.ok(!fractures.some((f) => measured(f) && f.value === 0), 'never "no fracture" on a fractured spine');
    const graded = fractures.find((f) => measured(f) && Math.abs(f.center![2] - crushed.center[2]) < 12);
    const declined = fractures.find((f) => f.assessment === 'not-assessed');
    assert.ok(graded || declined, 'the fractured body is graded, or the screening says it is not assessed');
    if (graded) assert.ok(Math.abs((graded.value as number) - crushed.genantGrade) <= 1, `grade ${graded.value} for drawn ${crushed.genantGrade}`);
    if (declined) assert.ok((declined.reason ?? '').length > 20 && declined.value === null && declined.category === undefined);
  });
}

test('5 mm slices: fracture screening not assessed (slice spacing) instead of silence', async () => {
  const { findings } = await analyse({ seed: 12, spine: { fracture: { heightLossPercent: 55 } } }, 5);
  const fractures = findings.filter((f) => f.code === 'spine.fracture');
  assert.equal(fractures.length, 1);
  assert.equal(fractures[0].assessment, 'not-assessed');
  assert.match(fractures[0].reason!, /slices 5\.0 mm apart.*<= 3 mm/);
});

function vertebra(z: number, overrides: Partial<VertebraMeasurement> = {}): VertebraMeasurement {
  return {
    index: 0,
    center: [0, 0, z],
    complete: true,
    extentMm: 28,
    trabecularHu: 180,
    roiVoxelCount: 500,
    roiAreaMm2: 300,
    roiDenseShare: 0,
    heightsMm: { anterior: 25, middle: 25, posterior: 25 },
    heightLossPercent: 0,
    heightsReliable: true,
    ...overrides,
  };
}

test('density gates: a body counts only with a resolved disc, a large trabecular ROI clear of the cortex and a plausible HU', () => {
  assert.equal(densityExclusion(vertebra(0)), undefined);
  assert.match(densityExclusion(vertebra(0, { complete: false }))!, /partly outside/);
  assert.match(densityExclusion(vertebra(0, { extentMm: 75 }))!, /discs not resolved \(a run of 75 mm/);
  assert.match(densityExclusion(vertebra(0, { roiAreaMm2: 60 }))!, /ROI of 60 mm2, below 100/);
  assert.match(densityExclusion(vertebra(0, { roiDenseShare: 0.25 }))!, /25 % of the ROI at cortical density/);
  assert.match(densityExclusion(vertebra(0, { trabecularHu: -80 }))!, /-80 HU, outside the plausible trabecular range -50 to 500/);
  assert.match(densityExclusion(vertebra(0, { trabecularHu: 620 }))!, /620 HU, outside/);
});

test('pixels coarser than 2 mm lie outside the operating range: both findings not assessed, with the pixel size', async () => {
  const phantom = generateChestPhantom({ seed: 21, dimensions: [100, 100, 60], spacing: [3, 3, 2.5] });
  const result = await runPluginForTest(plugin, { volume: phantom.volume, fingerprint: { Modality: 'CT', bodyRegions: ['thorax'], sliceCount: 60 } });
  assert.equal(result.status, 'succeeded');
  assert.deepEqual(result.problems, []);
  assert.deepEqual(result.findings.map((f) => [f.code, f.assessment]), [['spine.trabecular_attenuation', 'not-assessed'], ['spine.fracture', 'not-assessed']]);
  for (const f of result.findings) assert.match(f.reason!, /pixels of 3\.00 mm, coarser than the 2 mm/);
});

test('fracture gates: grading needs slices <= 3 mm, and a gap between found bodies is a missed level', () => {
  assert.equal(gradingRangeFailure(3), undefined);
  assert.match(gradingRangeFailure(5)!, /slices 5\.0 mm apart/);
  assert.deepEqual(missedLevels([0, -30, -60, -90].map((z) => vertebra(z))), []);
  assert.deepEqual(missedLevels([0, -30, -90, -120].map((z) => vertebra(z))), [-60]);
  // a height loss near 20 %: +-2.5 % at 1.25 mm slices on a 25 mm body, +-6 % at 3 mm
  const near = vertebra(0, { heightsMm: { anterior: 20.75, middle: 25, posterior: 25 }, heightLossPercent: 17 });
  assert.equal(gradingExclusion(near, 1.25), undefined);
  assert.match(gradingExclusion(near, 3)!, /height loss 17 % \+- 6 % at 3 mm slices, too close to the 20 % threshold/);
  assert.match(gradingExclusion(vertebra(0, { heightsReliable: false }), 1.25)!, /endplates not resolved/);
  assert.match(gradingExclusion(vertebra(0, { extentMm: 60 }), 1.25)!, /discs not resolved/);
});

// dist/ sits four levels below the repository root (packages/algorithms/spine/dist)
const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..');
const realCt = resolve(repoRoot, process.env.POLYRAD_TEST_DATA ?? '../shared/data', 'ct');
const noData = existsSync(realCt) ? false : `real CT not found at ${realCt} (set POLYRAD_TEST_DATA)`;
if (noData) console.log(`# skipping: ${noData}`);

async function runReal(folder: string, contrast: boolean): Promise<AlgorithmFinding[]> {
  const { instances } = await scanDicomInputs([resolve(realCt, folder)]);
  const [series] = groupSeries(instances);
  const volume = await loadVolume(series);
  const result = await runPluginForTest(plugin, { volume, fingerprint: { Modality: 'CT', bodyRegions: ['thorax'], sliceCount: volume.geometry.dimensions[2], contrast } });
  assert.equal(result.status, 'succeeded', `${result.reason}`);
  assert.deepEqual(result.problems, []);
  for (const f of result.findings) console.log(`# ${folder}: ${f.code} ${f.assessment} ${f.value ?? ''} ${f.category ?? ''} ${f.reason ?? f.method ?? ''}`);
  return result.findings;
}

// No reference heights exist for these scans: fracture screening must be graded or declared not assessed,
// never left silent and never "none" where the endplates were not resolved.
for (const [folder, contrast] of [
  ['lidc-idri-0001', true],
  ['lidc-idri-0003', true],
  ['lung-pet-ct-dx-a0001/2.000000-5mm-40805', false],
] as const) {
  test(`real chest CT ${folder}: attenuation and fracture screening each measured or not assessed with a reason`, { skip: noData }, async () => {
    const findings = await runReal(folder, contrast);
    const attenuation = findings.filter((f) => f.code === 'spine.trabecular_attenuation');
    const fractures = findings.filter((f) => f.code === 'spine.fracture');
    assert.equal(attenuation.length, 1);
    assert.ok(fractures.length >= 1, 'fracture screening is never silent');
    assert.ok(fractures.length <= 2, `no fracture storm: ${fractures.length}`);
    for (const f of [...attenuation, ...fractures]) {
      if (f.assessment === 'not-assessed') assert.ok(f.value === null && f.category === undefined && (f.reason ?? '').length > 20, JSON.stringify(f));
    }
    if (measured(attenuation[0])) assert.match(String(attenuation[0].method), contrast ? /contrast-enhanced series/ : /unenhanced series/);
  });
}

test('Lung-PET-CT-Dx A0001 (5 mm slices): fracture screening not assessed for the slice spacing', { skip: noData }, async () => {
  const fractures = (await runReal('lung-pet-ct-dx-a0001/2.000000-5mm-40805', false)).filter((f) => f.code === 'spine.fracture');
  assert.equal(fractures.length, 1);
  assert.equal(fractures[0].assessment, 'not-assessed');
  assert.match(fractures[0].reason!, /slices 5\.0 mm apart/);
});
