import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  agatstonTolerance,
  aortaDiameterTolerance,
  heartVolumeTolerance,
  laa950Tolerance,
  lungVolumeTolerance,
  noduleMatchRadiusMm,
  noduleSizeTolerance,
  trabecularTolerance,
} from './validation-tolerance.js';

test('relative tolerances: lung volume ±8 %, heart volume ±15 %', () => {
  assert.equal(lungVolumeTolerance(2700, 2500).within, true);
  assert.equal(lungVolumeTolerance(2750, 2500).within, false);
  assert.equal(lungVolumeTolerance(2750, 2500).error, 10);
  assert.equal(heartVolumeTolerance(1609, 685).within, false, 'the issue\'s 1609 against 685 mL');
  assert.equal(heartVolumeTolerance(780, 685).within, true);
});

test('absolute tolerances: LAA-950 ±2 points, aorta ±3 mm, trabecular bone ±20 HU', () => {
  assert.equal(laa950Tolerance(7.9, 6).within, true);
  assert.equal(laa950Tolerance(8.5, 6).within, false);
  assert.equal(aortaDiameterTolerance(33, 30).within, true);
  assert.equal(aortaDiameterTolerance(26.5, 30).within, false);
  assert.equal(trabecularTolerance(181, 160).within, false);
  assert.equal(trabecularTolerance(141, 160).within, true);
});

test('Agatston: ±15 %, but never tighter than ±10 points', () => {
  assert.equal(agatstonTolerance(207, 263).within, false, 'the issue\'s 207 against 263');
  assert.equal(agatstonTolerance(240, 263).within, true);
  assert.equal(agatstonTolerance(0, 319).within, false);
  assert.equal(agatstonTolerance(9, 0).within, true, 'a few noisy voxels on a calcium-free heart');
  assert.equal(agatstonTolerance(57, 48).within, true, '±10 below 67');
  assert.equal(agatstonTolerance(61, 50).within, false);
});

test('nodules: long axis ±20 % but at least ±2 mm; matched within max(5 mm, radius)', () => {
  assert.equal(noduleSizeTolerance(8, 6.5).within, true, '±2 mm on a small nodule');
  assert.equal(noduleSizeTolerance(9, 6.5).within, false);
  assert.equal(noduleSizeTolerance(24, 20).within, true);
  assert.equal(noduleSizeTolerance(11, 33).within, false, 'a mass reported as a fragment');
  assert.equal(noduleMatchRadiusMm(6), 5);
  assert.equal(noduleMatchRadiusMm(60), 30);
});
