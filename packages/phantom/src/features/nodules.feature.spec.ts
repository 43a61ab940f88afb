import { test } from 'node:test';
import assert from 'node:assert/strict';
import { patientToVoxel } from '@polyrad/sdk';
import { generateChestPhantom, PHANTOM_LABELS } from '../index.js';

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
