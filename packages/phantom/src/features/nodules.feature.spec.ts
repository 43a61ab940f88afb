import { test } from 'node:test';
import assert from 'node:assert/strict';
import { patientToVoxel, voxelToPatient } from '@polyrad/sdk';
import { generateChestPhantom, lungRadsBaseline, PHANTOM_LABELS, type ChestPhantom } from '../index.js';

// one sub-slice per slice, so the truth's voxels are the image's voxels and can be recounted from the labels
const options = {
  seed: 7,
  dimensions: [200, 180, 90] as [number, number, number],
  spacing: [1.2, 1.2, 1.5] as [number, number, number],
  zSupersampling: 1,
  heart: { coronaryLesions: [], aorticCalcium: false },
};

test('no nodules unless asked for', () => {
  const phantom = generateChestPhantom({ ...options, seed: 8 });
  assert.deepEqual(phantom.truth.nodules, []);
  assert.equal(phantom.labels.labels.indexOf(PHANTOM_LABELS.nodule), -1);
});

test('nodule truth is counted from the voxels: volume, centre, side, axes', () => {
  const diametersMm = [5, 8, 12, 18];
  const phantom = generateChestPhantom({ ...options, nodules: { diametersMm } });
  const { truth, labels, volume } = phantom;
  const [nx, ny] = volume.geometry.dimensions;
  const [sx, sy, sz] = volume.geometry.spacing;
  assert.equal(truth.nodules.length, diametersMm.length);
  const labelled = labels.labels.reduce((n, l) => n + (l === PHANTOM_LABELS.nodule ? 1 : 0), 0);
  assert.equal(truth.nodules.reduce((n, t) => n + t.voxelCount, 0), labelled, 'every nodule voxel belongs to one nodule');
  for (const t of truth.nodules) {
    assert.equal(t.volumeMm3, t.voxelCount * sx * sy * sz);
    assert.ok(t.longAxisMm >= t.shortAxisMm);
    assert.equal(t.meanDiameterMm, Math.round(((t.longAxisMm + t.shortAxisMm) / 2) * 10) / 10);
    // a drawn nodule is at most its nominal size plus a voxel; free spheres are about their nominal size
    assert.ok(t.longAxisMm <= (t.shape === 'ellipsoid' ? 1.35 : 1) * t.nominalDiameterMm + 1.5, `long ${t.longAxisMm} for ${t.nominalDiameterMm}`);
    if (t.attachment === 'isolated' && t.shape === 'sphere') assert.ok(Math.abs(t.meanDiameterMm - t.nominalDiameterMm) <= 1.5);
    // the centre lies in the nodule, and the lung around it is the side named
    const [i, j, k] = patientToVoxel(volume.geometry, t.center).map(Math.round);
    const p = i + j * nx + k * nx * ny;
    if (t.attachment !== 'juxtapleural') assert.equal(labels.labels[p], PHANTOM_LABELS.nodule);
    const lungLabel = t.side === 'right' ? PHANTOM_LABELS.lungRight : PHANTOM_LABELS.lungLeft;
    let own = 0;
    let other = 0;
    const reach = Math.ceil(t.longAxisMm / sx);
    for (let di = -reach; di <= reach; di++) {
      const l = labels.labels[p + di];
      if (l === lungLabel) own++;
      else if (l === PHANTOM_LABELS.lungRight || l === PHANTOM_LABELS.lungLeft) other++;
    }
    assert.ok(own > other, `${t.side} nodule sits in the ${t.side} lung`);
    assert.ok(t.hu >= 20 && t.hu <= 60);
  }
  assert.ok(new Set(truth.nodules.map((t) => t.side)).size === 2, 'both lungs get nodules');
});

test('ground-glass, part-solid, irregular and mass truth: type, solid component, Lung-RADS v2022 from the counted sizes', () => {
  const phantom = generateChestPhantom({
    seed: 12,
    dimensions: [220, 200, 120],
    spacing: [1.4, 1.4, 2.5],
    heart: { coronaryLesions: [], aorticCalcium: false },
    nodules: {
      specs: [
        { diameterMm: 14, shape: 'sphere', attachment: 'isolated' },
        { diameterMm: 14, shape: 'spiculated', attachment: 'isolated' },
        { diameterMm: 35, type: 'non-solid', attachment: 'isolated', hu: -650 },
        { diameterMm: 12, type: 'non-solid', shape: 'lobulated' },
        { diameterMm: 20, type: 'part-solid', solidDiameterMm: 10 },
        { diameterMm: 45, attachment: 'juxtapleural', shape: 'lobulated' },
      ],
    },
  });
  const [sphere, spiculated, largeGgn, smallGgn, partSolid, mass] = phantom.truth.nodules;
  const { voxels } = phantom.volume;
  const { labels } = phantom.labels;
  // spicules reach far beyond the radius of a sphere of the same volume; a round nodule does not
  const reach = (t: typeof sphere): number => farthestVoxelMm(phantom, t.center) / Math.cbrt((3 * t.volumeMm3) / (4 * Math.PI));
  assert.ok(reach(spiculated) > 1.4 && reach(sphere) < 1.2, `reach ${reach(spiculated)} vs ${reach(sphere)}`);
  assert.equal(spiculated.shape, 'spiculated');
  // ground glass: its type, its density in the image, and Lung-RADS 3 only from 30 mm
  assert.equal(largeGgn.type, 'non-solid');
  assert.equal(largeGgn.hu, -650);
  const [nx, ny] = phantom.volume.geometry.dimensions;
  const [i, j, k] = patientToVoxel(phantom.volume.geometry, largeGgn.center).map(Math.round);
  assert.equal(labels[i + j * nx + k * nx * ny], PHANTOM_LABELS.nodule);
  assert.ok(voxels[i + j * nx + k * nx * ny] < -450, `ground glass at ${voxels[i + j * nx + k * nx * ny]} HU`);
  assert.ok(largeGgn.meanDiameterMm >= 30 && largeGgn.lungRads === '3' && largeGgn.isMass);
  assert.ok(smallGgn.type === 'non-solid' && smallGgn.meanDiameterMm < 30 && smallGgn.lungRads === '2');
  assert.ok(smallGgn.hu >= -750 && smallGgn.hu <= -450);
  // part-solid: a solid core inside the ground glass; >= 8 mm solid is 4B
  assert.equal(partSolid.type, 'part-solid');
  assert.ok(partSolid.solidComponentMm! < partSolid.longAxisMm && partSolid.solidComponentMeanMm! >= 8, `core ${partSolid.solidComponentMeanMm}`);
  assert.equal(partSolid.lungRads, '4B');
  // a mass: long axis > 30 mm
  assert.ok(mass.isMass && mass.longAxisMm > 30 && mass.lungRads === '4B' && mass.attachment === 'juxtapleural');
  assert.ok(!sphere.isMass);
  for (const t of phantom.truth.nodules) assert.equal(t.lungRads, lungRadsBaseline(t));
});

/** distance from `center` to the farthest voxel of the nodule there (6-connected nodule label), mm */
function farthestVoxelMm(phantom: ChestPhantom, center: [number, number, number]): number {
  const { geometry, labels } = phantom.labels;
  const [nx, ny] = geometry.dimensions;
  const [i, j, k] = patientToVoxel(geometry, center).map(Math.round);
  const seen = new Set<number>([i + j * nx + k * nx * ny]);
  const stack = [...seen];
  let farthest = 0;
  while (stack.length > 0) {
    const p = stack.pop()!;
    const q = voxelToPatient(geometry, p % nx, Math.floor(p / nx) % ny, Math.floor(p / (nx * ny)));
    farthest = Math.max(farthest, Math.hypot(q[0] - center[0], q[1] - center[1], q[2] - center[2]));
    for (const n of [p - 1, p + 1, p - nx, p + nx, p - nx * ny, p + nx * ny]) {
      if (labels[n] === PHANTOM_LABELS.nodule && !seen.has(n)) {
        seen.add(n);
        stack.push(n);
      }
    }
  }
  return farthest;
}
