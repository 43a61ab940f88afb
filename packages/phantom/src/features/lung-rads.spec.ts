import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lungRadsBaseline } from './lung-rads.js';

test('Lung-RADS v2022 baseline categories at the size cut-offs', () => {
  const solid = (meanDiameterMm: number): string => lungRadsBaseline({ type: 'solid', meanDiameterMm });
  assert.deepEqual([5.9, 6, 7.9, 8, 14.9, 15].map(solid), ['2', '3', '3', '4A', '4A', '4B']);
  const ggn = (meanDiameterMm: number): string => lungRadsBaseline({ type: 'non-solid', meanDiameterMm });
  assert.deepEqual([29.9, 30, 60].map(ggn), ['2', '3', '3']);
  const partSolid = (meanDiameterMm: number, solidComponentMeanMm: number): string => lungRadsBaseline({ type: 'part-solid', meanDiameterMm, solidComponentMeanMm });
  assert.deepEqual([partSolid(5.9, 3), partSolid(12, 5.9), partSolid(12, 6), partSolid(12, 7.9), partSolid(12, 8)], ['2', '3', '4A', '4A', '4B']);
  // v2022: a smooth solid juxtapleural nodule under 10 mm is benign-appearing (2); not so when spiculated or >= 10 mm
  assert.equal(lungRadsBaseline({ type: 'solid', meanDiameterMm: 8, attachment: 'juxtapleural', shape: 'sphere' }), '2');
  assert.equal(lungRadsBaseline({ type: 'solid', meanDiameterMm: 8, attachment: 'juxtapleural', shape: 'spiculated' }), '4A');
  assert.equal(lungRadsBaseline({ type: 'solid', meanDiameterMm: 10, attachment: 'juxtapleural', shape: 'sphere' }), '4A');
});
