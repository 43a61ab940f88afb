import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Vec3, Volume } from '@polyrad/sdk';
import { generateChestPhantom } from '@polyrad/phantom';
import { rescanVolume } from './phantom-rescan.fixture.js';
import { refineLocally, registerRigid } from './rigid.registration.js';

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
  assert.ok(result.lungDice > 0.8 && result.boneDice > 0.6, `Dice lung ${result.lungDice}, bone ${result.boneDice}`);
});

test('the local refinement places each nodule (the grown one too) within 1.5 mm of where it is', () => {
  const result = registerRigid(prior.volume, current);
  assert.equal(result.status, 'registered');
  if (result.status !== 'registered') return;
  for (const nodule of prior.truth.nodules) {
    const local = refineLocally(prior.volume, current, nodule.center, result.translation);
    assert.ok(error(local.translation) <= 1.5, `nodule at ${nodule.center}: ${local.translation} vs ${shift}`);
  }
});

test('an exam with no lung in common does not register, and says why', () => {
  const air: Volume = { ...current, voxels: new Int16Array(current.voxels.length).fill(-1000) };
  const result = registerRigid(prior.volume, air);
  assert.equal(result.status, 'failed');
  if (result.status === 'failed') assert.match(result.reason, /registration failed/);
});
