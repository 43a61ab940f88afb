import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Vec3, Volume } from '@polyrad/sdk';
import { rescanVolume } from '@polyrad/phantom';
import { scanStudy } from '../pipeline/study.scanner.js';
import { refineLocally, registerRigid } from './rigid.registration.js';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const dataRoot = resolve(repoRoot, process.env.POLYRAD_TEST_DATA ?? '../shared/data');
const lidc1 = join(dataRoot, 'ct/lidc-idri-0001/jpeg-lossless-sv1');
const lidc3 = join(dataRoot, 'ct/lidc-idri-0003/jpeg-lossless-sv1');
const missing = existsSync(lidc1) && existsSync(lidc3) ? false : `real CTs not found under ${dataRoot} (set POLYRAD_TEST_DATA)`;
if (missing) console.log(`# skipping real-CT registration: ${missing}`);

async function volumeOf(path: string): Promise<Volume> {
  const study = await scanStudy([path]);
  return [...study.volumes.values()][0];
}

test('the real LIDC-IDRI 0001 CT "rescanned" (5 mm sections, smaller field of view, another table position) registers onto itself, locally within 1.5 mm', { skip: missing }, async () => {
  const prior = await volumeOf(lidc1);
  const shift: Vec3 = [-14.6, 9.2, 131.3];
  // 2 x 2.5 mm averaged into 5 mm sections, 40 columns and rows and 10 slices less
  const current = rescanVolume(prior, { shiftMm: shift, slicesPerSection: 2, crop: { i: [20, 492], j: [20, 492], k: [5, 128] } });
  const result = registerRigid(prior, current);
  assert.equal(result.status, 'registered', JSON.stringify(result));
  if (result.status !== 'registered') return;
  assert.ok(Math.max(...result.translation.map((t, a) => Math.abs(t - shift[a]))) <= 4, `found ${result.translation}, expected ${shift}`);
  // a point in the right lung: the local refinement must land on the true shift there
  const local = refineLocally(prior, current, [-100, 40, -180], result.translation);
  assert.ok(Math.max(...local.translation.map((t, a) => Math.abs(t - shift[a]))) <= 1.5, `refined ${local.translation}`);
});

test('two different patients (LIDC 0001 and 0003) do not register: their lungs and bones overlap far less than one patient\'s', { skip: missing }, async () => {
  const result = registerRigid(await volumeOf(lidc3), await volumeOf(lidc1));
  assert.equal(result.status, 'failed');
  if (result.status === 'failed') assert.match(result.reason, /lung overlap \(Dice\) 0\.\d+ < 0\.6/);
});
