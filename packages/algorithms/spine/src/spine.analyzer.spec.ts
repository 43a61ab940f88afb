import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateManifest, type AlgorithmFinding } from '@polyrad/sdk';
import { generateChestPhantom, type ChestPhantomOptions, type SpineTruth } from '@polyrad/phantom';
import { groupSeries, loadVolume, scanDicomInputs } from '@polyrad/dicom';
import plugin, { boneDensityCategory, genantGrade } from './index.js';

const context = { log: () => undefined };

/** a phantom with 1.25 mm slices (heights to ~5 %) over ~150 mm of spine */
async function analyse(options: Partial<ChestPhantomOptions> & { seed: number }): Promise<{ findings: AlgorithmFinding[]; truth: SpineTruth }> {
  const phantom = generateChestPhantom({ dimensions: [160, 160, 120], spacing: [2, 2, 1.25], ...options });
  const series = { seriesInstanceUid: '1.2.3', modality: 'CT', volume: phantom.volume, fingerprint: {} };
  const outputs = await plugin.run({ series, artifacts: {}, config: {} }, context);
  return { findings: outputs.findings ?? [], truth: phantom.truth.spine };
}

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
    const crushed = truth.vertebrae[truth.fractured!];
    assert.ok(crushed.genantGrade > 0, `the drawn fracture is graded (${crushed.heightLossPercent.toFixed(1)} %)`);
    assert.equal(fractures.length, 1, `one fracture, got ${JSON.stringify(fractures.map((f) => f.heightLossPercent))}`);
    const [found] = fractures;
    assert.ok(Math.abs(found.center![2] - crushed.center[2]) < 12, `at z ${found.center![2].toFixed(1)} vs ${crushed.center[2].toFixed(1)}`);
    assert.equal(found.value, crushed.genantGrade, `grade for ${found.heightLossPercent} % measured, ${crushed.heightLossPercent.toFixed(1)} % drawn`);
    assert.equal(found.category, ['', 'mild', 'moderate', 'severe'][crushed.genantGrade]);
  });
}

test('osteoporotic phantom without fracture: osteoporosis, no fracture finding', async () => {
  const { findings, truth } = await analyse({ seed: 21, spine: { fracture: false, trabecularHu: 95 } });
  assert.equal(truth.fractured, undefined);
  const attenuation = findings.find((f) => f.code === 'spine.trabecular_attenuation');
  assert.ok(attenuation && Math.abs((attenuation.value as number) - 95) < 20, `${attenuation?.value}`);
  assert.equal(attenuation.category, 'osteoporosis');
  assert.deepEqual(findings.filter((f) => f.code === 'spine.fracture'), []);
});

// dist/ sits four levels below the repository root (packages/algorithms/spine/dist)
const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..');
const lidc = resolve(repoRoot, process.env.POLYRAD_TEST_DATA ?? '../shared/data', 'ct/lidc-idri-0001');
const noLidc = existsSync(lidc) ? false : `real CT not found at ${lidc} (set POLYRAD_TEST_DATA)`;
if (noLidc) console.log(`# skipping: ${noLidc}`);
test('real chest CT (LIDC-IDRI-0001, contrast, feet-first): plausible attenuation, no fracture storm', { skip: noLidc }, async () => {
  const { instances } = await scanDicomInputs([lidc]);
  const [series] = groupSeries(instances);
  const volume = await loadVolume(series);
  const outputs = await plugin.run({ series: { seriesInstanceUid: '1', modality: 'CT', volume, fingerprint: { contrastInHeader: true } }, artifacts: {}, config: {} }, context);
  const findings = outputs.findings ?? [];
  const attenuation = findings.find((f) => f.code === 'spine.trabecular_attenuation');
  const fractures = findings.filter((f) => f.code === 'spine.fracture');
  console.log(`# LIDC-IDRI-0001: ${attenuation?.value} HU (${attenuation?.category}; ${attenuation?.method}); fractures: ${JSON.stringify(fractures.map((f) => [f.value, f.heightLossPercent]))}; warnings: ${outputs.warnings?.join(' | ')}`);
  assert.ok(attenuation, 'attenuation reported');
  assert.ok((attenuation.value as number) > 100 && (attenuation.value as number) < 300, `${attenuation.value} HU`);
  assert.ok(fractures.length <= 1, `${fractures.length} fractures`);
});
