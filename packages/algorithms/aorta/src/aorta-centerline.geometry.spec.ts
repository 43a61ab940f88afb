import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Vec3 } from '@polyrad/sdk';
import { archStart, centerLineAxes, rootBend, rootCut, rootWaistCut } from './aorta-centerline.geometry.js';

const straight = (n: number, dz = 2.5): Vec3[] => Array.from({ length: n }, (_, k) => [10, -20, k * dz]);

test('centerLineAxes: a straight vertical line points along z; a line rising 1 mm sideways per mm leans 45 degrees', () => {
  for (const axis of centerLineAxes(straight(10))) assert.deepEqual(axis.map((v) => Math.round(v * 1000) / 1000), [0, 0, 1]);
  const leaning = centerLineAxes(Array.from({ length: 10 }, (_, k): Vec3 => [k, 0, k]));
  assert.ok(Math.abs(leaning[5][0] - Math.SQRT1_2) < 1e-9 && Math.abs(leaning[5][2] - Math.SQRT1_2) < 1e-9);
});

test('archStart: where a track going up bends over into the arch; the length when it never bends', () => {
  assert.equal(archStart(centerLineAxes(straight(20))), 20);
  // straight up to point 14, then 3 mm sideways per 2.5 mm slice (a 50 degree lean)
  const bending = straight(20).map((p, k): Vec3 => (k > 14 ? [p[0] + 3 * (k - 14), p[1], p[2]] : p));
  const at = archStart(centerLineAxes(bending));
  assert.ok(at >= 12 && at <= 15, `arch at ${at}`);
});

test('rootCut: an ascending track is cut below the seed where its centre line jumps into a heart chamber; kept whole without a jump', () => {
  assert.equal(rootCut(straight(20), 15), 0);
  const intoHeart = straight(20).map((p, k): Vec3 => (k < 6 ? [p[0] + 15, p[1] + 10, p[2]] : p));
  assert.equal(rootCut(intoHeart, 15), 6);
  // a jump above the seed (the arch) is not a root
  const overArch = straight(20).map((p, k): Vec3 => (k > 17 ? [p[0] + 15, p[1], p[2]] : p));
  assert.equal(rootCut(overArch, 15), 0);
});

test('rootBend: an ascending track bending away below the seed in small steps (through the heart into the right atrium) is cut above the bend', () => {
  assert.equal(rootBend(centerLineAxes(straight(20, 3)), 15), 0);
  // straight down to point 8, then 2.5 mm sideways per 3 mm slice below it (a 40-50 degree lean), no step a jump
  const drifting = straight(20, 3).map((p, k): Vec3 => (k < 8 ? [p[0] - 2.5 * (8 - k), p[1] + 1.2 * (8 - k), p[2]] : p));
  assert.equal(rootCut(drifting, 15), 0, 'each step is small');
  const cut = rootBend(centerLineAxes(drifting), 15);
  assert.ok(cut >= 5 && cut <= 9, `cut at ${cut}`);
  // a lean above the seed (the arch) is not a root
  const overArch = straight(20, 3).map((p, k): Vec3 => (k > 16 ? [p[0] + 3 * (k - 16), p[1], p[2]] : p));
  assert.equal(rootBend(centerLineAxes(overArch), 12), 0);
});

test('rootWaistCut: an ascending limb is cut at the valve plane, where the lumen narrows below the seed, and the outflow tract under it is left out', () => {
  // seed 9188's limb, inferior to superior: outflow tract 41.5 mm, the partial-volume waist 27.5 mm, the 33.7 mm tube
  const limb = [25.4, 28.1, 34.7, 41.5, 38.7, 34.4, 27.5, 29.8, 31.8, 33.4, 33.7, 33.6, 33.7, 33.7];
  assert.equal(rootWaistCut(limb, 10), 7, 'the 27.5 mm waist and everything below it go');
  assert.equal(Math.max(...limb.slice(rootWaistCut(limb, 10))), 33.7);
  // a root aneurysm: 50 mm sinuses under a 35 mm sinotubular junction and tube are kept
  const rootAneurysm = [24, 44, 50, 48, 36, 35, 35, 35, 35];
  assert.equal(rootWaistCut(rootAneurysm, 6), 1, 'only the annulus below the sinuses goes');
  // nothing narrows: the whole limb stays
  assert.equal(rootWaistCut([33, 33, 34, 34, 34], 2), 0);
});
