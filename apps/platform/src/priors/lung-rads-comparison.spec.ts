import { test } from 'node:test';
import assert from 'node:assert/strict';
import { comparedNoduleCategory, newNoduleCategory } from './lung-rads-comparison.js';

// the detector's own baseline category of a solid nodule (ACR Lung-RADS v2022 by mean diameter)
const solid = (meanDiameterMm: number) => ({ type: 'solid' as const, meanDiameterMm, category: meanDiameterMm < 6 ? '2' : meanDiameterMm < 8 ? '3' : meanDiameterMm < 15 ? '4A' : '4B' });

test('new solid nodules: < 4 mm -> 2, 4 to < 6 -> 3, 6 to < 8 -> 4A, >= 8 -> 4B (Lung-RADS v2022)', () => {
  assert.deepEqual([3.9, 4, 5.9, 6, 7.9, 8].map((d) => newNoduleCategory(solid(d)).category), ['2', '3', '3', '4A', '4A', '4B']);
  assert.equal(newNoduleCategory(solid(5)).change, 'new');
});

test('growth is more than 1.5 mm of mean diameter: growing < 8 mm -> 4A, >= 8 mm -> 4B; 1.5 mm is stable', () => {
  assert.deepEqual(comparedNoduleCategory(solid(7), solid(5), 180), { change: 'growing', changeMm: 2, category: '4A', rule: 'growing solid nodule (+2 mm within 12 months), < 8 mm -> 4A' });
  assert.equal(comparedNoduleCategory(solid(9), solid(7), 365).category, '4B');
  const stable = comparedNoduleCategory(solid(6.5), solid(5), 90);
  assert.equal(stable.change, 'stable');
  assert.equal(stable.category, '3');
});

test('stepped management: category 3 stable at 6 months -> 2; 4A stable at 3 months -> 3, at 12 months -> 2', () => {
  assert.equal(comparedNoduleCategory(solid(7), solid(7), 182).category, '2');
  assert.equal(comparedNoduleCategory(solid(7), solid(7), 60).category, '3');
  assert.equal(comparedNoduleCategory(solid(10), solid(10), 91).category, '3');
  assert.equal(comparedNoduleCategory(solid(10), solid(10), 365).category, '2');
  assert.equal(comparedNoduleCategory(solid(16), solid(16), 365).category, '4B');
});

test('part-solid nodules follow their solid component; non-solid ones stay 2 below 30 mm, new or growing', () => {
  assert.equal(newNoduleCategory({ type: 'part-solid', meanDiameterMm: 10, solidMeanMm: 3, category: '3' }).category, '4A');
  assert.equal(newNoduleCategory({ type: 'part-solid', meanDiameterMm: 10, solidMeanMm: 5, category: '3' }).category, '4B');
  assert.equal(comparedNoduleCategory({ type: 'part-solid', meanDiameterMm: 12, solidMeanMm: 5, category: '3' }, { type: 'part-solid', meanDiameterMm: 12, solidMeanMm: 3, category: '3' }, 180).category, '4B');
  assert.equal(comparedNoduleCategory({ type: 'non-solid', meanDiameterMm: 20, category: '2' }, { type: 'non-solid', meanDiameterMm: 15, category: '2' }, 365).category, '2');
  assert.equal(newNoduleCategory({ type: 'non-solid', meanDiameterMm: 31, category: '3' }).category, '3');
});
