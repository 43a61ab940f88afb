import { test } from 'node:test';
import assert from 'node:assert/strict';
import { categoriseMeasurement, type CategoryScale } from './borderline-category.js';
import { outputProblems } from './plugin-runner.js';

// bone density bands with the ±20 HU of the spine plugin's validation
const bone: CategoryScale<'osteoporosis' | 'osteopenia' | 'normal'> = {
  categories: ['osteoporosis', 'osteopenia', 'normal'],
  cutoffs: [
    { at: 110, equalGoesTo: 'below', margin: 20 },
    { at: 160, equalGoesTo: 'below', margin: 20 },
  ],
  unit: 'HU',
};

test('a value well inside a category keeps it', () => {
  assert.deepEqual(categoriseMeasurement(200, bone), { category: 'normal' });
  assert.deepEqual(categoriseMeasurement(135, bone), { category: 'osteopenia' });
  assert.deepEqual(categoriseMeasurement(80, bone), { category: 'osteoporosis' });
});

test('163 HU against a true 159 HU: borderline, naming the error and the cut-off, never "normal"', () => {
  const decision = categoriseMeasurement(163.2, bone);
  assert.equal(decision.category, 'borderline osteopenia/normal');
  assert.deepEqual(decision.indeterminate?.between, ['osteopenia', 'normal']);
  assert.equal(decision.indeterminate?.reason, 'borderline: 163.2 HU lies within the measurement error (±20 HU) of the 160 HU cut-off between osteopenia and normal');
});

test('the band edges follow the cut-off rule: a true value exactly at the cut-off belongs to the category it names', () => {
  // 180 - 20 = 160, which is osteopenia (<= 160): still borderline; 180.1 cannot reach it
  assert.equal(categoriseMeasurement(180, bone).category, 'borderline osteopenia/normal');
  assert.equal(categoriseMeasurement(180.1, bone).category, 'normal');
  assert.equal(categoriseMeasurement(140.1, bone).category, 'borderline osteopenia/normal');
  assert.equal(categoriseMeasurement(140, bone).category, 'osteopenia');
});

test('a band wider than a category spans both cut-offs', () => {
  const wide = { ...bone, cutoffs: bone.cutoffs.map((c) => ({ ...c, margin: 30 })) };
  const decision = categoriseMeasurement(135, wide);
  assert.deepEqual(decision.indeterminate?.between, ['osteoporosis', 'normal']);
});

test('a cut-off with no margin is exact', () => {
  const exact = { categories: ['0', '1'], cutoffs: [{ at: 0, equalGoesTo: 'below' as const, margin: 0 }], unit: '' };
  assert.deepEqual(categoriseMeasurement(0, exact), { category: '0' });
  assert.deepEqual(categoriseMeasurement(1, exact), { category: '1' });
});

test('a scale with the wrong number of categories is a programming error', () => {
  assert.throws(() => categoriseMeasurement(1, { categories: ['a'], cutoffs: [{ at: 0, equalGoesTo: 'below', margin: 1 }], unit: '' }), RangeError);
});

test('a not-assessed finding may not carry an indeterminate category', () => {
  const plugin = { manifest: { produces: [], findings: [{ code: 'spine.trabecular_attenuation', unit: 'HU' }] } } as never;
  const series = {} as never;
  const indeterminate = { between: ['osteopenia', 'normal'], cutoff: 160, margin: 20, reason: 'borderline' };
  const problems = outputProblems(plugin, { findings: [{ code: 'spine.trabecular_attenuation', assessment: 'not-assessed', value: null, unit: 'HU', reason: 'no spine', indeterminate }] } as never, series);
  assert.ok(problems.length > 0, 'rejected');
  const noCategory = outputProblems(plugin, { findings: [{ code: 'spine.trabecular_attenuation', value: 163, unit: 'HU', indeterminate }] } as never, series);
  assert.ok(noCategory.length > 0, 'an indeterminate finding says "borderline" in its category');
  assert.deepEqual(outputProblems(plugin, { findings: [{ code: 'spine.trabecular_attenuation', value: 163, unit: 'HU', category: 'borderline osteopenia/normal', indeterminate }] } as never, series), []);
});
