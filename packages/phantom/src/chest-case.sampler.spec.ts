import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEVELOPMENT_SEEDS, REPORTING_SEEDS, RETIRED_REPORTING_SEEDS, sampleChestCase } from './chest-case.sampler.js';
import { PRIOR_PAIRS } from './validation/prior-pair.scorer.js';

const cases = DEVELOPMENT_SEEDS.map(sampleChestCase);
const range = (values: number[]): [number, number] => [Math.min(...values), Math.max(...values)];

test('the same seed gives the same case; seeds differ', () => {
  assert.deepEqual(sampleChestCase(1007), sampleChestCase(1007));
  assert.notDeepEqual(sampleChestCase(1007), sampleChestCase(1008));
});

test('the development seeds span the acquisition matrix', () => {
  const [thinnest, thickest] = range(cases.map((c) => c.spacing![2]));
  assert.ok(thinnest <= 0.6 && thickest >= 5, `slice thickness ${thinnest}-${thickest} mm`);
  const [finest, coarsest] = range(cases.map((c) => c.spacing![0]));
  assert.ok(finest >= 0.5 && finest <= 0.6 && coarsest <= 1.5 && coarsest >= 1.4, `pixel spacing ${finest}-${coarsest} mm`);
  const matrices = new Set(cases.map((c) => c.dimensions![0]));
  assert.ok(matrices.has(256) && matrices.has(512), `matrices ${[...matrices]}`);
  const [quiet, noisy] = range(cases.map((c) => c.noiseSd!));
  assert.ok(quiet < 10 && noisy > 35, `noise SD ${quiet}-${noisy} HU`);
  assert.deepEqual(new Set(cases.map((c) => c.kernel)), new Set(['soft', 'standard', 'sharp']));
  assert.deepEqual(new Set(cases.map((c) => c.contrast)), new Set([true, false]));
  assert.deepEqual(new Set(cases.map((c) => c.feetFirst)), new Set([true, false]));
  assert.deepEqual(new Set(cases.map((c) => c.arms)), new Set(['up', 'down']));
  const [small, large] = range(cases.map((c) => c.bodyWidthMm!));
  assert.ok(small < 280 && large > 390, `body width ${small}-${large} mm`);
  for (const c of cases) assert.ok(c.dimensions![0] * c.dimensions![1] * c.dimensions![2] <= 512 * 512 * 420, 'memory stays bounded');
});

test('the development seeds draw the hard cases', () => {
  const nodules = cases.flatMap((c) => c.nodules?.specs ?? []);
  for (const type of ['solid', 'part-solid', 'non-solid'] as const) assert.ok(nodules.filter((n) => n.type === type).length >= 5, `${type} nodules`);
  for (const shape of ['lobulated', 'irregular', 'spiculated'] as const) assert.ok(nodules.some((n) => n.shape === shape), shape);
  assert.ok(nodules.some((n) => n.diameterMm > 30), 'a mass');
  assert.ok(nodules.filter((n) => n.attachment === 'juxtapleural').length >= 5, 'juxtapleural nodules');
  for (const n of nodules.filter((n) => n.type === 'non-solid' || n.type === 'part-solid')) assert.ok(n.hu! >= -750 && n.hu! <= -450, `ground glass at ${n.hu} HU`);
  for (const n of nodules.filter((n) => n.type === 'part-solid')) assert.ok(n.solidDiameterMm! < n.diameterMm);
  const fractures = cases.map((c) => c.spine?.fracture).filter((f) => f !== undefined && f !== false);
  assert.ok(fractures.length >= 12, `${fractures.length} fractured spines`);
  const grade = (loss: number): number => (loss > 40 ? 3 : loss > 25 ? 2 : 1);
  assert.deepEqual(new Set(fractures.map((f) => grade(f.heightLossPercent))), new Set([1, 2, 3]));
  assert.deepEqual(new Set(fractures.map((f) => f.shape)), new Set(['wedge', 'biconcave', 'crush']));
  const emphysema = cases.map((c) => c.emphysemaFraction ?? 0);
  assert.ok(emphysema.includes(0) && Math.max(...emphysema) > 0.3 && Math.max(...emphysema) <= 0.4);
  assert.ok(cases.some((c) => c.heart?.coronaryLesions?.length === 0) && cases.some((c) => (c.heart?.coronaryLesions?.length ?? 0) >= 4), 'CAC 0 and heavy calcium');
  const lesions = cases.flatMap((c) => c.heart?.coronaryLesions ?? []);
  assert.deepEqual(new Set(lesions.map((l) => l.artery)), new Set(['LM', 'LAD', 'LCX', 'RCA']), 'calcium in every coronary artery');
  const aneurysms = cases.filter((c) => c.aorta?.aneurysm).length;
  assert.ok(aneurysms >= 2 && aneurysms <= 12, `${aneurysms} aneurysms in ${cases.length} cases`);
});

test('reporting seeds are a separate range that samples', () => {
  assert.ok(REPORTING_SEEDS.every((s) => !DEVELOPMENT_SEEDS.includes(s) && !RETIRED_REPORTING_SEEDS.includes(s)));
  // the prior pairs' seeds were looked at while building them
  assert.ok(PRIOR_PAIRS.every((p) => !REPORTING_SEEDS.includes(p.seed)));
  for (const seed of REPORTING_SEEDS) assert.equal(sampleChestCase(seed).seed, seed);
});
