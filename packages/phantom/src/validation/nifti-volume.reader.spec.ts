import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { voxelToPatient } from '@polyrad/sdk';
import { readNiftiVolume } from './nifti-volume.reader.js';

/** a 2 x 3 x 2 int16 NIfTI-1 with a RAS sform of 1.5 mm voxels, i running to patient right (RAS -x) */
function tinyNifti(little = true): Uint8Array {
  const buffer = new ArrayBuffer(352 + 12 * 2);
  const v = new DataView(buffer);
  v.setInt32(0, 348, little);
  [3, 2, 3, 2, 1, 1, 1, 1].forEach((d, i) => v.setInt16(40 + 2 * i, d, little));
  v.setInt16(70, 4, little);
  v.setInt16(72, 16, little);
  v.setFloat32(108, 352, little);
  v.setFloat32(112, 2, little);
  v.setFloat32(116, -1024, little);
  v.setInt16(254, 2, little);
  [[-1.5, 0, 0, 71.5], [0, -1.5, 0, 255.5], [0, 0, 1.5, 540]].forEach((row, r) => row.forEach((x, c) => v.setFloat32(280 + 16 * r + 4 * c, x, little)));
  for (let p = 0; p < 12; p++) v.setInt16(352 + 2 * p, 500 + p, little);
  return new Uint8Array(buffer);
}

test('NIfTI: voxels rescaled to HU, the RAS sform turned into LPS geometry, either byte order', () => {
  for (const little of [true, false]) {
    const volume = readNiftiVolume(tinyNifti(little));
    assert.deepEqual(volume.geometry.dimensions, [2, 3, 2]);
    assert.deepEqual(volume.geometry.spacing, [1.5, 1.5, 1.5]);
    assert.deepEqual(volume.geometry.direction, [[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
    assert.deepEqual(voxelToPatient(volume.geometry, 1, 2, 1), [-71.5 + 1.5, -255.5 + 3, 541.5]);
    assert.equal(volume.voxels[0], 2 * 500 - 1024);
    assert.equal(volume.voxels[11], 2 * 511 - 1024);
  }
});

test('NIfTI: a file that is not NIfTI-1, or has no sform, is refused with the reason', () => {
  assert.throws(() => readNiftiVolume(new Uint8Array(400)), /not a NIfTI-1 file/);
  const noSform = tinyNifti();
  new DataView(noSform.buffer).setInt16(254, 0, true);
  assert.throws(() => readNiftiVolume(noSform), /no sform/);
});

const repositoryRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..');
const dataDir = resolve(process.env.POLYRAD_TEST_DATA ?? join(repositoryRoot, '../shared/data'));
const crop = join(dataDir, 'ct/totalsegmentator/aorta_report/test_result_models/ct_cropped.nii.gz');
const skip = existsSync(crop) ? false : `TotalSegmentator crop not found at ${crop} (set POLYRAD_TEST_DATA)`;
if (skip) console.log(`# skipping: ${skip}`);

test('TotalSegmentator CTA crop: the ascending-aorta landmark of its reference report lies in enhanced blood', { skip }, () => {
  const volume = readNiftiVolume(gunzipSync(readFileSync(crop)));
  assert.deepEqual(volume.geometry.dimensions, [120, 126, 164]);
  // "mid asc. aorta" start/end points of the reference report (RAS): their midpoint is the lumen centre
  const ras = [(-10.6652 + 0.7725) / 2, (168.621 + 200.3369) / 2, (694.5811 + 702.6159) / 2];
  const [x, y, z] = [-ras[0], -ras[1], ras[2]];
  const { origin, spacing, dimensions } = volume.geometry;
  const [i, j, k] = [x, y, z].map((c, d) => Math.round((c - origin[d]) / spacing[d]));
  const hu = volume.voxels[i + j * dimensions[0] + k * dimensions[0] * dimensions[1]];
  assert.ok(hu > 150, `${hu} HU at the aortic lumen of a CT angiogram`);
});
