import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labelCentroid, patientToVoxel, voxelToPatient, type LabelMask, type VolumeGeometry } from './volume.js';

// Feet-first, mirrored rows, anisotropic: index order and patient order disagree on two axes.
const geometry: VolumeGeometry = {
  dimensions: [4, 3, 2],
  spacing: [0.5, 0.7, 2.5],
  origin: [10, -20, 100],
  direction: [[-1, 0, 0], [0, 1, 0], [0, 0, -1]],
};

test('voxel and patient coordinates map both ways, following the direction vectors', () => {
  assert.deepEqual(voxelToPatient(geometry, 2, 1, 1), [9, -19.3, 97.5]);
  const back = patientToVoxel(geometry, [9, -19.3, 97.5]);
  back.forEach((v, n) => assert.ok(Math.abs(v - [2, 1, 1][n]) < 1e-9));
});

test('labelCentroid is the LPS centre of one label, undefined when absent', () => {
  const labels = new Uint8Array(24);
  labels[0] = 1; // (0,0,0)
  labels[3 + 2 * 4 + 12] = 1; // (3,2,1)
  const mask: LabelMask = { geometry, labels, labelNames: { 1: 'x' } };
  const c = labelCentroid(mask, 1)!;
  [10 - 0.75, -20 + 0.7, 100 - 1.25].forEach((v, n) => assert.ok(Math.abs(c[n] - v) < 1e-9, `${c}`));
  assert.equal(labelCentroid(mask, 2), undefined);
});
