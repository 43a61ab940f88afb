import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labelCentroid } from '@polyrad/sdk';
import { generateChestPhantom, PHANTOM_LABELS, type ChestPhantom } from './chest-phantom.generator.js';
import { sampleChestCase } from './chest-case.sampler.js';

const centroidX = (phantom: ChestPhantom, label: number): number => labelCentroid(phantom.labels, label)![0];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

test('the same seed gives the same image; another seed gives another anatomy', () => {
  const a = generateChestPhantom({ seed: 7 });
  const b = generateChestPhantom({ seed: 7 });
  const c = generateChestPhantom({ seed: 8 });
  assert.deepEqual(a.truth, b.truth);
  assert.ok(a.volume.voxels.every((v, p) => v === b.volume.voxels[p]));
  assert.notEqual(a.truth.lungVolumeMl.right, c.truth.lungVolumeMl.right);
});

test('truth is recounted exactly from the label map and the HU values', () => {
  const phantom = generateChestPhantom({ seed: 11, emphysemaFraction: 0.1 });
  const { labels } = phantom.labels;
  const hu = phantom.volume.voxels;
  const [sx, sy, sz] = phantom.volume.geometry.spacing;
  let right = 0, left = 0, rightLow = 0, leftLow = 0;
  labels.forEach((l, p) => {
    if (l === PHANTOM_LABELS.lungRight) {
      right++;
      if (hu[p] < -950) rightLow++;
    } else if (l === PHANTOM_LABELS.lungLeft) {
      left++;
      if (hu[p] < -950) leftLow++;
    }
  });
  assert.equal(phantom.truth.lungVoxelCount.right, right);
  assert.equal(phantom.truth.lungVoxelCount.left, left);
  assert.ok(Math.abs(phantom.truth.lungVolumeMl.left - (left * sx * sy * sz) / 1000) < 1e-6);
  assert.ok(Math.abs(phantom.truth.laa950Percent.right - (100 * rightLow) / right) < 1e-9);
  assert.ok(Math.abs(phantom.truth.laa950Percent.left - (100 * leftLow) / left) < 1e-9);
  // a plausible (if small) adult lung size for the default 320 x 320 x 225 mm field
  assert.ok(phantom.truth.lungVolumeMl.total > 1200 && phantom.truth.lungVolumeMl.total < 6000, `${phantom.truth.lungVolumeMl.total} mL`);
});

test('at thick slices every volume is that of the label map the image comes with (partial volume in the HU only)', () => {
  const phantom = generateChestPhantom({ seed: 11, dimensions: [160, 160, 45], spacing: [2, 2, 5], nodules: { diametersMm: [8, 14] } });
  const { truth } = phantom;
  assert.equal(truth.acquisition.zSupersampling, 5);
  const count = (label: number): number => phantom.labels.labels.reduce((n, l) => n + (l === label ? 1 : 0), 0);
  const [sx, sy, sz] = phantom.volume.geometry.spacing;
  assert.ok(Math.abs(truth.heart.volumeMl - (count(PHANTOM_LABELS.heart) * sx * sy * sz) / 1000) < 1e-6, `heart ${truth.heart.volumeMl} mL`);
  assert.equal(truth.nodules.reduce((n, t) => n + t.voxelCount, 0), count(PHANTOM_LABELS.nodule));
  for (const t of truth.nodules) assert.equal(t.volumeMm3, t.voxelCount * sx * sy * sz);
  assert.equal(truth.airwayVoxelCount, count(PHANTOM_LABELS.airway));
});

test('tissues have CT-like attenuation: aerated lung, soft tissue, outside air, bone', () => {
  const phantom = generateChestPhantom({ seed: 3 });
  const byLabel = new Map<number, number[]>();
  phantom.labels.labels.forEach((l, p) => {
    if (p % 7 !== 0) return; // sample
    const list = byLabel.get(l) ?? [];
    list.push(phantom.volume.voxels[p]);
    byLabel.set(l, list);
  });
  const lung = [...byLabel.get(PHANTOM_LABELS.lungRight)!, ...byLabel.get(PHANTOM_LABELS.lungLeft)!];
  const lungMedian = median(lung);
  assert.ok(lungMedian > -900 && lungMedian < -820, `lung median ${lungMedian}`);
  // without emphysema almost no lung is below -950 HU
  assert.ok(phantom.truth.laa950Percent.total < 0.5, `${phantom.truth.laa950Percent.total}`);
  assert.ok(Math.abs(median(byLabel.get(0)!) + 1000) < 10);
  assert.ok(median(byLabel.get(PHANTOM_LABELS.bone)!) > 150);
  const body = median(byLabel.get(PHANTOM_LABELS.body)!);
  assert.ok(body > -150 && body < 80, `body median ${body}`);
});

test('the requested emphysema fraction is realised, unevenly between the lungs', () => {
  for (const fraction of [0.05, 0.2]) {
    const phantom = generateChestPhantom({ seed: 21, emphysemaFraction: fraction });
    const { emphysemaVolumeFraction: realised, laa950Percent: laa } = phantom.truth;
    assert.ok(Math.abs(realised.total - fraction) < 0.01, `realised ${realised.total} for ${fraction}`);
    // clusters at -985 HU with 20 HU noise: about 95 % of their voxels fall below -950 HU
    assert.ok(laa.total > 85 * fraction && laa.total < 102 * fraction, `LAA-950 ${laa.total}% for ${fraction}`);
    assert.ok(Math.abs(laa.left - laa.right) > 0.05 * laa.total, 'left and right should differ');
  }
});

test('patient left is +x and the trachea is superior, whatever the array order', () => {
  for (const options of [{ seed: 5 }, { seed: 5, feetFirst: true }, { seed: 5, flipX: true }]) {
    const phantom = generateChestPhantom(options);
    const { geometry } = phantom.labels;
    assert.ok(centroidX(phantom, PHANTOM_LABELS.lungLeft) > centroidX(phantom, PHANTOM_LABELS.lungRight) + 50, JSON.stringify(options));
    const [nx, ny, nz] = geometry.dimensions;
    // the top slice in patient space holds airway, not lung
    const topK = geometry.direction[2][2] > 0 ? nz - 1 : 0;
    const top = phantom.labels.labels.subarray(topK * nx * ny, (topK + 1) * nx * ny);
    assert.ok(top.includes(PHANTOM_LABELS.airway), JSON.stringify(options));
    assert.ok(!top.includes(PHANTOM_LABELS.lungLeft) && !top.includes(PHANTOM_LABELS.lungRight));
  }
  const feetFirst = generateChestPhantom({ seed: 5, feetFirst: true });
  assert.deepEqual(feetFirst.volume.geometry.direction[2], [0, 0, -1]);
  // same anatomy, same truth, only the slice order differs
  assert.equal(feetFirst.truth.lungVoxelCount.total, generateChestPhantom({ seed: 5 }).truth.lungVoxelCount.total);
});

test('touching lungs share a face at the anterior junction; separate lungs do not', () => {
  const touchingFaces = (phantom: ChestPhantom): number => {
    const [nx] = phantom.labels.geometry.dimensions;
    const l = phantom.labels.labels;
    let faces = 0;
    for (let p = 0; p + nx < l.length; p++) {
      const a = l[p];
      if (a !== 1 && a !== 2) continue;
      const b = l[p + 1];
      const c = l[p + nx];
      if ((b === 1 || b === 2) && b !== a) faces++;
      if ((c === 1 || c === 2) && c !== a) faces++;
    }
    return faces;
  };
  assert.ok(touchingFaces(generateChestPhantom({ seed: 9, touchingLungs: true })) > 20);
  assert.equal(touchingFaces(generateChestPhantom({ seed: 9, touchingLungs: false })), 0);
});

test('a coarse grid still holds the whole body inside the field of view', () => {
  const phantom = generateChestPhantom({ seed: 4, dimensions: [96, 96, 40], spacing: [3.5, 3.5, 5] });
  const [nx, ny, nz] = phantom.labels.geometry.dimensions;
  const l = phantom.labels.labels;
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (const i of [0, nx - 1]) assert.ok(l[k * nx * ny + j * nx + i] === 0 || l[k * nx * ny + j * nx + i] === PHANTOM_LABELS.table);
  assert.ok(phantom.truth.lungVoxelCount.left > 1000 && phantom.truth.lungVoxelCount.right > 1000);
});

test('arms down add soft tissue and a humerus beside the chest; a wider patient is wider', () => {
  const base = { seed: 6, dimensions: [200, 160, 24] as [number, number, number], spacing: [3, 3, 5] as [number, number, number] };
  const boneLateralTo = (phantom: ChestPhantom): number => {
    const [nx, ny, nz] = phantom.labels.geometry.dimensions;
    const halfWidth = phantom.layout.body.halfWidth;
    let count = 0;
    for (let k = 0; k < nz; k++)
      for (let j = 0; j < ny; j++)
        for (let i = 0; i < nx; i++) {
          const x = phantom.labels.geometry.origin[0] + i * 3;
          if (Math.abs(x) > halfWidth + 10 && phantom.labels.labels[i + j * nx + k * nx * ny] === PHANTOM_LABELS.bone) count++;
        }
    return count;
  };
  const down = generateChestPhantom({ ...base, arms: 'down', bodyWidthMm: 300 });
  const up = generateChestPhantom({ ...base, arms: 'up', bodyWidthMm: 300 });
  assert.ok(boneLateralTo(down) > 100, 'a humerus on either side');
  assert.equal(boneLateralTo(up), 0);
  assert.equal(down.truth.acquisition.arms, 'down');
  const large = generateChestPhantom({ ...base, bodyWidthMm: 420, dimensions: [240, 200, 24] });
  const small = generateChestPhantom({ ...base, bodyWidthMm: 260 });
  assert.ok(Math.abs(large.truth.acquisition.bodyWidthMm - 420) < 1e-9 && Math.abs(small.truth.acquisition.bodyWidthMm - 260) < 1e-9);
  assert.ok(large.truth.lungVolumeMl.total > small.truth.lungVolumeMl.total);
});

test('a sampled validation case generates deterministically and reports its acquisition', () => {
  const options = sampleChestCase(1014); // 256 x 256 x 62 at 5 mm, small enough for a unit test
  const a = generateChestPhantom(options);
  const b = generateChestPhantom(options);
  assert.deepEqual(a.truth, b.truth);
  assert.ok(a.volume.voxels.every((v, p) => v === b.volume.voxels[p]));
  assert.deepEqual(a.volume.geometry.dimensions, options.dimensions);
  assert.equal(a.truth.acquisition.sliceThicknessMm, options.spacing![2]);
  assert.equal(a.truth.acquisition.zSupersampling, 5);
  assert.equal(a.truth.acquisition.kernel, options.kernel);
  assert.equal(a.truth.nodules.length, options.nodules!.specs!.length);
});
