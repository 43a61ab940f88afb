import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchCriteria } from './criteria-matcher.js';
import type { Criterion } from './criterion.types.js';

const chestCt: Criterion[] = [
  { field: 'Modality', op: 'equals', value: 'CT' },
  { field: 'sliceCount', op: 'range', min: 20 },
  { field: 'SeriesDescription', op: 'regex', value: 'lung|chest|thorax', required: false, weight: 2 },
];
const plugin = { id: 'polyrad.test', version: '1.0.0' };

test('a CT series with enough slices matches and the optional criterion only changes the score', () => {
  const plain = matchCriteria(plugin, chestCt, { Modality: 'CT', sliceCount: 133, SeriesDescription: '' });
  assert.equal(plain.matched, true);
  assert.equal(plain.score, 2 / 4);
  const described = matchCriteria(plugin, chestCt, { Modality: 'CT', sliceCount: 133, SeriesDescription: 'CHEST 2.5mm' });
  assert.equal(described.score, 1);
});

test('an MR series is refused, and the reason names the failed criterion and the value found', () => {
  const decision = matchCriteria(plugin, chestCt, { Modality: 'MR', sliceCount: 40 });
  assert.equal(decision.matched, false);
  assert.match(decision.reason, /Modality equals "CT" \(found "MR"\)/);
  assert.deepEqual(decision.results.map((r) => r.passed), [false, true, false]);
});

test('multi-valued fields pass when any value passes; missing fields fail except for exists', () => {
  const d = matchCriteria(plugin, [{ field: 'ImageType', op: 'in', value: ['AXIAL'] }, { field: 'KVP', op: 'exists', required: false }], {
    ImageType: ['ORIGINAL', 'PRIMARY', 'AXIAL'],
  });
  assert.equal(d.matched, true);
  assert.deepEqual(d.results.map((r) => r.passed), [true, false]);
});

test('instances: "all" needs every instance to pass, "any" one; the explanation lists the values found', () => {
  const criteria: Criterion[] = [
    { field: 'ImageType', op: 'contains', value: 'ORIGINAL', instances: 'all' },
    { field: 'ImageType', op: 'contains', value: 'LOCALIZER', instances: 'any', required: false },
  ];
  const original = { ImageType: ['ORIGINAL', 'PRIMARY', 'AXIAL'] };
  const derived = { ImageType: ['DERIVED', 'SECONDARY', 'MPR'] };
  const allOriginal = matchCriteria(plugin, criteria, { ImageType: original.ImageType }, [original, original]);
  assert.equal(allOriginal.matched, true);
  assert.equal(allOriginal.score, 0.5, 'no localizer among them');
  // the fingerprint shows the first instance only; the mixed series fails on its second instance
  const mixed = matchCriteria(plugin, criteria, { ImageType: original.ImageType }, [original, derived]);
  assert.equal(mixed.matched, false);
  assert.match(mixed.reason, /every instance: ImageType contains "ORIGINAL" \(found \[\["ORIGINAL","PRIMARY","AXIAL"\],\["DERIVED","SECONDARY","MPR"\]\]\)/);
  const withLocalizer = matchCriteria(plugin, criteria, {}, [original, { ImageType: ['ORIGINAL', 'PRIMARY', 'LOCALIZER'] }]);
  assert.equal(withLocalizer.score, 1);
});
