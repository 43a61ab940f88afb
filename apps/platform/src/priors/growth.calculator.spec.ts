import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aortaGrowth, daysBetween, volumeDoublingTime, volumeRelativeError } from './growth.calculator.js';

test('volume doubling time follows VDT = t ln2 / ln(V2/V1): a volume doubled in 90 days doubles in 90 days', () => {
  const vdt = volumeDoublingTime({ volumeMm3: 100, relativeError: 0.05 }, { volumeMm3: 200, relativeError: 0.05 }, 90);
  assert.equal(vdt.volumeDoublingDays, 90);
  assert.equal(vdt.volumeChangePercent, 100);
  assert.equal(vdt.changeBeyondError, true);
  const [fast, slow] = vdt.volumeDoublingDaysRange;
  assert.ok(fast! < 90 && slow! > 90, `the 95 % interval brackets the estimate: ${fast}-${slow}`);
});

test('a volume change within the measurement error is not called growth: the doubling-time interval is open-ended', () => {
  // a 6 mm nodule on 2 x 2 x 2.5 mm voxels: volumetry is too coarse to see +20 %
  const e = volumeRelativeError(6, Math.cbrt(2 * 2 * 2.5));
  assert.ok(e > 0.3, `relative error ${e}`);
  const vdt = volumeDoublingTime({ volumeMm3: 113, relativeError: e }, { volumeMm3: 136, relativeError: e }, 365);
  assert.equal(vdt.changeBeyondError, false);
  assert.equal(vdt.volumeDoublingDaysRange[1], null);
  assert.ok(vdt.volumeDoublingDays! > 1000);
});

test('a shrinking nodule has a negative doubling time (its halving time)', () => {
  const vdt = volumeDoublingTime({ volumeMm3: 400, relativeError: 0.05 }, { volumeMm3: 100, relativeError: 0.05 }, 180);
  assert.equal(vdt.volumeDoublingDays, -90);
  assert.equal(vdt.changeBeyondError, true);
});

test('aortic growth: >= 5 mm/year is rapid, >= 3 mm/year to watch, a change within 2 mm is measurement error', () => {
  assert.deepEqual(aortaGrowth(40, 46, 365.25), { changeMm: 6, growthMmPerYear: 6, growthCategory: 'rapid growth' });
  assert.equal(aortaGrowth(40, 43.5, 365.25).growthCategory, 'growth to watch');
  assert.equal(aortaGrowth(40, 42.5, 365.25).growthCategory, 'no significant growth');
  // 1.5 mm in two months would be 9 mm/year, but it lies within what two measurements differ by
  const short = aortaGrowth(40, 41.5, 61);
  assert.ok(short.growthMmPerYear > 5);
  assert.equal(short.growthCategory, 'within measurement error');
});

test('intervals come from DICOM dates; a missing date gives none', () => {
  assert.equal(daysBetween('20250101', '20260101'), 365);
  assert.equal(daysBetween('', '20260101'), undefined);
  assert.equal(daysBetween('2025-01-01', '20260101'), undefined);
});
