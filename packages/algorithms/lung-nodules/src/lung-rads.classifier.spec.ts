import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyExamination, classifySolidNodule, meanDiameterMm } from './lung-rads.classifier.js';

test('solid baseline thresholds: each boundary belongs to the higher category', () => {
  const cases: Array<[number, string]> = [
    [4, '2'],
    [5.9, '2'],
    [6, '3'],
    [7.9, '3'],
    [8, '4A'],
    [14.9, '4A'],
    [15, '4B'],
    [32, '4B'],
  ];
  for (const [mm, category] of cases) assert.equal(classifySolidNodule(mm).category, category, `${mm} mm`);
});

test('mean diameter is rounded to one decimal before the thresholds apply', () => {
  assert.equal(meanDiameterMm(6.3, 5.6), 6); // 5.95 -> 6.0: category 3, not 2
  assert.equal(classifySolidNodule(meanDiameterMm(6.3, 5.6)).category, '3');
  assert.equal(meanDiameterMm(8.2, 7.64), 7.9);
  assert.equal(classifySolidNodule(meanDiameterMm(8.2, 7.64)).category, '3');
});

test('examination category follows the largest nodule; none is category 1 with its management', () => {
  assert.equal(classifyExamination([]).category, '1');
  assert.equal(classifyExamination([]).descriptor, 'negative');
  assert.equal(classifyExamination([4.2, 9.1, 6.5]).category, '4A');
  assert.match(classifyExamination([16]).management, /PET\/CT/);
  assert.match(classifySolidNodule(7).management, /6 months/);
});
