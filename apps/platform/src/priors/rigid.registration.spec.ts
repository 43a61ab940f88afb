import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Vec3, Volume } from '@polyrad/sdk';
import { generateChestPhantom, rescannedPoint, rescanVolume, type Rescan } from '@polyrad/phantom';
import { localAxes, refineLocally, registerRigid, shiftAt, toCurrent } from './rigid.registration.js';

// the same phantom patient a year later (a nodule grew), on another table position, with 5 mm sections and a smaller field of view
const prior = generateChestPhantom({ seed: 11, nodules: { specs: [{ diameterMm: 7 }, { diameterMm: 10 }] } });
const later = generateChestPhantom({ seed: 11, nodules: { specs: [{ diameterMm: 9 }, { diameterMm: 10 }] } });
const shift: Vec3 = [7.3, -12.1, 43.4];
const current = rescanVolume(later.volume, { shiftMm: shift, slicesPerSection: 2, crop: { i: [10, 150], j: [5, 155], k: [2, 88] } });

const error = (t: Vec3) => Math.max(...t.map((v, a) => Math.abs(v - shift[a])));

test('a rescan with another table position, 5 mm sections and a smaller field of view registers within one 4 mm cell', () => {
  const result = registerRigid(prior.volume, current);
  assert.equal(result.status, 'registered', JSON.stringify(result));
  if (result.status !== 'registered') return;
  assert.ok(error(result.translation) <= 4, `found ${result.translation}, expected ${shift}`);
  assert.ok(result.rotationDeg.every((d) => Math.abs(d) <= 1), `no rotation, found ${result.rotationDeg}`);
  assert.ok(result.lungDice > 0.8 && result.boneDice > 0.6, `Dice lung ${result.lungDice}, bone ${result.boneDice}`);
});

test('the local refinement places each nodule (the grown one too) within 1.5 mm of where it is', () => {
  const result = registerRigid(prior.volume, current);
  assert.equal(result.status, 'registered');
  if (result.status !== 'registered') return;
  for (const nodule of prior.truth.nodules) {
    const local = refineLocally(prior.volume, current, nodule.center, shiftAt(result, nodule.center));
    assert.ok(error(local.translation) <= 1.5, `nodule at ${nodule.center}: ${local.translation} vs ${shift}`);
  }
});

test('a patient lying rolled by 5 degrees and tilted by 2 (and shifted, 5 mm sections): the rotation is found within 1 degree, each nodule within 3 mm, within 1.5 mm refined', () => {
  const rotationDeg: Vec3 = [2, 0, 5];
  const rescan: Rescan = { shiftMm: shift, rotationDeg, slicesPerSection: 2, crop: { i: [10, 150], j: [5, 155], k: [2, 88] } };
  const turned = rescanVolume(later.volume, rescan);
  const result = registerRigid(prior.volume, turned);
  assert.equal(result.status, 'registered', JSON.stringify(result));
  if (result.status !== 'registered') return;
  assert.ok(result.rotationDeg.every((d, a) => Math.abs(d - rotationDeg[a]) <= 1), `rotation ${result.rotationDeg}, expected ${rotationDeg}`);
  for (const nodule of prior.truth.nodules) {
    const expected = rescannedPoint(later.volume, rescan, nodule.center);
    const found = toCurrent(result, nodule.center);
    const miss = Math.hypot(...found.map((v, a) => v - expected[a]));
    assert.ok(miss <= 3, `nodule at ${nodule.center}: placed at ${found}, truly at ${expected} (${miss.toFixed(1)} mm)`);
    const local = refineLocally(prior.volume, turned, nodule.center, shiftAt(result, nodule.center), undefined, localAxes(result, 'to current'));
    const refined = Math.hypot(...local.translation.map((t, a) => nodule.center[a] + t - expected[a]));
    assert.ok(refined <= 1.5, `nodule at ${nodule.center}: refined to ${refined.toFixed(1)} mm`);
  }
});

test('an exam with no lung in common does not register, and says why', () => {
  const air: Volume = { ...current, voxels: new Int16Array(current.voxels.length).fill(-1000) };
  const result = registerRigid(prior.volume, air);
  assert.equal(result.status, 'failed');
  if (result.status === 'failed') assert.match(result.reason, /registration failed/);
});
