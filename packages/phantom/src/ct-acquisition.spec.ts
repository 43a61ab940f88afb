import { test } from 'node:test';
import assert from 'node:assert/strict';
import { acquireCt, zSupersamplingFor, type ReconstructionKernel } from './ct-acquisition.js';
import { SeededRandom } from './seeded-random.js';

const CALCIUM = 1;
const classHu = [40, 600];
const classLabel = [4, 10];

/** a fine map (1 mm sub-slices, 0.5 mm pixels) holding one calcium sphere of the given diameter at its centre */
function calciumMap(n: number, nzFine: number, diameterMm: number): Uint8Array {
  const tissue = new Uint8Array(n * n * nzFine);
  const c = (n - 1) / 2;
  const cz = (nzFine - 1) / 2;
  for (let k = 0; k < nzFine; k++)
    for (let j = 0; j < n; j++)
      for (let i = 0; i < n; i++)
        if (((i - c) * 0.5) ** 2 + ((j - c) * 0.5) ** 2 + (k - cz) ** 2 <= (diameterMm / 2) ** 2) tissue[i + j * n + k * n * n] = CALCIUM;
  return tissue;
}

const peak = (voxels: Int16Array): number => voxels.reduce((m, v) => Math.max(m, v), -1024);

test('partial volume: a 4 mm calcium keeps its density in 1 mm slices and loses it in 5 mm slices', () => {
  const tissue = calciumMap(24, 15, 4);
  const common = { tissue, classHu, classLabel, noiseSd: 0, kernel: 'standard' as const, rng: new SeededRandom(1) };
  const thin = acquireCt({ ...common, dimensions: [24, 24, 15], zSupersampling: 1 });
  const thick = acquireCt({ ...common, dimensions: [24, 24, 3], zSupersampling: 5 });
  assert.equal(peak(thin.voxels), 600);
  // at best 4 of 5 sub-slices hold calcium: 0.8 x 600 + 0.2 x 40 = 488 HU
  assert.ok(peak(thick.voxels) <= 488 && peak(thick.voxels) > 300, `5 mm peak ${peak(thick.voxels)} HU`);
  // the label is the central sub-slice's class
  assert.ok(thick.labels.includes(10));
  assert.equal(zSupersamplingFor(5), 5);
  assert.equal(zSupersamplingFor(0.6), 1);
});

/** HU of a uniform 40 HU slab with noise, and the correlation of horizontally adjacent pixels */
function noiseOf(kernel: ReconstructionKernel): { sd: number; lag1: number } {
  const n = 96;
  const { voxels } = acquireCt({
    tissue: new Uint8Array(n * n * 4),
    dimensions: [n, n, 4],
    zSupersampling: 1,
    classHu,
    classLabel,
    noiseSd: 25,
    kernel,
    rng: new SeededRandom(5),
  });
  let s = 0;
  let ss = 0;
  let cross = 0;
  let pairs = 0;
  for (let p = 0; p < voxels.length; p++) {
    const v = voxels[p] - 40;
    s += v;
    ss += v * v;
    if (p % n < n - 1) {
      cross += v * (voxels[p + 1] - 40);
      pairs++;
    }
  }
  const variance = ss / voxels.length - (s / voxels.length) ** 2;
  return { sd: Math.sqrt(variance), lag1: cross / pairs / variance };
}

test('each kernel gives the requested noise SD with its own texture: soft blotchy, sharp fine-grained', () => {
  const soft = noiseOf('soft');
  const standard = noiseOf('standard');
  const sharp = noiseOf('sharp');
  for (const k of [soft, standard, sharp]) assert.ok(Math.abs(k.sd - 25) < 1.5, `SD ${k.sd}`);
  assert.ok(soft.lag1 > 0.5, `soft neighbour correlation ${soft.lag1}`);
  assert.ok(Math.abs(standard.lag1) < 0.05, `standard neighbour correlation ${standard.lag1}`);
  assert.ok(sharp.lag1 < -0.1, `sharp neighbour correlation ${sharp.lag1}`);
});

test('a sharp kernel overshoots at an edge, a soft one blurs it', () => {
  const n = 16;
  const tissue = new Uint8Array(n * n);
  for (let p = 0; p < tissue.length; p++) if (p % n >= n / 2) tissue[p] = CALCIUM;
  const row = (kernel: ReconstructionKernel): number[] => {
    const { voxels } = acquireCt({ tissue, dimensions: [n, n, 1], zSupersampling: 1, classHu, classLabel, noiseSd: 0, kernel, rng: new SeededRandom(1) });
    return Array.from(voxels.subarray(8 * n, 9 * n));
  };
  const sharp = row('sharp');
  const soft = row('soft');
  assert.ok(sharp[n / 2] > 600 && sharp[n / 2 - 1] < 40, `sharp ${sharp.slice(n / 2 - 2, n / 2 + 2)}`);
  assert.ok(soft[n / 2] < 600 && soft[n / 2 - 1] > 40, `soft ${soft.slice(n / 2 - 2, n / 2 + 2)}`);
  assert.deepEqual(row('standard').slice(n / 2 - 1, n / 2 + 1), [40, 600]);
});
