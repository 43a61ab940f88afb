import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { PolyradError, voxelToPatient, type Vec3, type Volume, type VolumeGeometry } from '@polyrad/sdk';
import { writeCtSeries, CT_IMAGE_STORAGE } from './ct-series.writer.js';
import { scanDicomInputs } from './dicom-input.scanner.js';
import { groupSeries } from './series.grouper.js';
import { loadVolume } from './volume.assembler.js';
import { readDicomHeader } from './dicom-file.reader.js';
import { cross } from './vec3.math.js';

/** Rotation of the identity axes by three angles (degrees): an oblique, tilted grid. */
function obliqueAxes(ax: number, ay: number, az: number): [Vec3, Vec3, Vec3] {
  const [a, b, c] = [ax, ay, az].map((d) => (d * Math.PI) / 180);
  const rx = (v: Vec3): Vec3 => [v[0], v[1] * Math.cos(a) - v[2] * Math.sin(a), v[1] * Math.sin(a) + v[2] * Math.cos(a)];
  const ry = (v: Vec3): Vec3 => [v[0] * Math.cos(b) + v[2] * Math.sin(b), v[1], -v[0] * Math.sin(b) + v[2] * Math.cos(b)];
  const rz = (v: Vec3): Vec3 => [v[0] * Math.cos(c) - v[1] * Math.sin(c), v[0] * Math.sin(c) + v[1] * Math.cos(c), v[2]];
  const rot = (v: Vec3) => rz(ry(rx(v)));
  const row = rot([1, 0, 0]);
  const col = rot([0, 1, 0]);
  return [row, col, cross(row, col)];
}

/** A small phantom with distinct values everywhere, non-square so i/j swaps show. */
function phantom(geometry: Omit<VolumeGeometry, 'dimensions'>, dimensions: Vec3 = [7, 5, 6], low = -1024): Volume {
  const [nx, ny, nz] = dimensions;
  const voxels = new Int16Array(nx * ny * nz);
  for (let n = 0; n < voxels.length; n++) voxels[n] = low + ((n * 7919) % 3000);
  return { geometry: { dimensions, ...geometry }, voxels, unit: 'HU' };
}

const meta = { PatientID: 'PHANTOM-1', StudyDate: '20240131', AccessionNumber: 'ACC42', SeriesDescription: 'Chest 1.25mm', ContrastBolusAgent: 'Iohexol', seed: 7 };

async function withDir<T>(run: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'polyrad-dicom-rt-'));
  try {
    return await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function assertGeometryClose(actual: VolumeGeometry, expected: VolumeGeometry): void {
  assert.deepEqual(actual.dimensions, expected.dimensions);
  const close = (a: number[], b: number[], what: string) => a.forEach((v, n) => assert.ok(Math.abs(v - b[n]) < 1e-6, `${what}: ${a} vs ${b}`));
  close(actual.spacing, expected.spacing, 'spacing');
  close(actual.origin, expected.origin, 'origin');
  actual.direction.forEach((axis, n) => close(axis, expected.direction[n], `direction[${n}]`));
}

for (const [name, geometry] of [
  ['oblique, tilted grid', { spacing: [0.8, 0.6, 1.25] as Vec3, origin: [-100.5, 20.25, 300.125] as Vec3, direction: obliqueAxes(20, -30, 10) }],
  ['feet-first axial (row to the right, slices going down)', { spacing: [0.7, 0.7, 2.5] as Vec3, origin: [120, -150, -20] as Vec3, direction: [[-1, 0, 0], [0, 1, 0], [0, 0, -1]] as [Vec3, Vec3, Vec3] }],
] as const) {
  test(`writeCtSeries then loadVolume gives identical voxels and geometry: ${name}`, async () => {
    const original = phantom(geometry);
    await withDir(async (dir) => {
      const written = await writeCtSeries(original, dir, meta);
      const names = written.files.map((f) => basename(f));
      assert.notDeepEqual([...names].sort(), names, 'file names must not follow slice order');
      const { instances, rejected } = await scanDicomInputs([dir]);
      assert.deepEqual(rejected, []);
      const series = groupSeries(instances);
      assert.equal(series.length, 1);
      assert.equal(series[0].SeriesInstanceUID, written.SeriesInstanceUID);
      const loaded = await loadVolume(series[0]);
      assert.equal(loaded.unit, 'HU');
      assert.ok(loaded.voxels instanceof Int16Array);
      assertGeometryClose(loaded.geometry, original.geometry);
      assert.deepEqual(loaded.voxels, original.voxels);
    });
  });
}

test('the written files carry the CT header a PACS and the dispatcher need', async () => {
  await withDir(async (dir) => {
    const written = await writeCtSeries(phantom({ spacing: [1, 1, 1], origin: [0, 0, 0], direction: [[1, 0, 0], [0, 1, 0], [0, 0, 1]] }), dir, meta);
    const first = await readDicomHeader(written.files[0]);
    assert.equal(first.TransferSyntaxUID, '1.2.840.10008.1.2.1');
    assert.equal(first.SOPClassUID, CT_IMAGE_STORAGE);
    assert.equal(first.MediaStorageSOPClassUID, CT_IMAGE_STORAGE);
    assert.equal(first.Modality, 'CT');
    assert.equal(first.PatientID, 'PHANTOM-1');
    assert.equal(first.StudyDate, '20240131');
    assert.equal(first.AccessionNumber, 'ACC42');
    assert.equal(first.SeriesDescription, 'Chest 1.25mm');
    assert.equal(first.ContrastBolusAgent, 'Iohexol');
    assert.equal(first.RescaleSlope, 1);
    assert.equal(first.RescaleIntercept, -1024);
    assert.equal(first.SliceThickness, 1);
    assert.match(first.SOPInstanceUID, /^2\.25\.\d{1,39}$/);
    assert.equal(first.SOPInstanceUID, written.SOPInstanceUIDs[0]);
    assert.equal(first.StudyInstanceUID, written.StudyInstanceUID);
    assert.equal(new Set(written.SOPInstanceUIDs).size, 6);
    // InstanceNumber runs against k, so a reader sorting by it would flip the volume.
    assert.equal(first.InstanceNumber, 6);
  });
});

test('signed storage (HU below -1024) and Float32 input round-trip to the rounded HU', async () => {
  const original = phantom({ spacing: [1, 1, 3], origin: [5, 5, 5], direction: [[1, 0, 0], [0, 0, -1], [0, 1, 0]] }, [4, 3, 3], -3000);
  const floats: Volume = { ...original, voxels: Float32Array.from(original.voxels, (v) => v + 0.25) };
  await withDir(async (dir) => {
    await writeCtSeries(floats, dir, meta);
    const header = (await scanDicomInputs([dir])).instances[0];
    assert.equal(header.PixelRepresentation, 1);
    const loaded = await loadVolume((await scanDicomInputs([dir])).instances);
    assert.deepEqual(loaded.voxels, original.voxels);
  });
});

test('a volume stacked against row x column comes back reversed, each voxel at the same patient position', async () => {
  const [row, col, normal] = obliqueAxes(0, 15, 0);
  const original = phantom({ spacing: [1, 2, 1.5], origin: [0, 0, 0], direction: [row, col, [-normal[0], -normal[1], -normal[2]]] });
  await withDir(async (dir) => {
    await writeCtSeries(original, dir, meta);
    const loaded = await loadVolume((await scanDicomInputs([dir])).instances);
    const [nx, ny, nz] = original.geometry.dimensions;
    for (const [i, j, k] of [[0, 0, 0], [6, 4, 5], [3, 2, 1]]) {
      const kk = nz - 1 - k;
      assert.equal(loaded.voxels[i + j * nx + kk * nx * ny], original.voxels[i + j * nx + k * nx * ny]);
      const a = voxelToPatient(loaded.geometry, i, j, kk);
      const b = voxelToPatient(original.geometry, i, j, k);
      a.forEach((v, n) => assert.ok(Math.abs(v - b[n]) < 1e-6));
    }
  });
});

test('a missing slice file is noticed, and a non-HU volume is refused by the writer', async () => {
  await withDir(async (dir) => {
    const written = await writeCtSeries(phantom({ spacing: [1, 1, 1], origin: [0, 0, 0], direction: [[1, 0, 0], [0, 1, 0], [0, 0, 1]] }), dir, meta);
    await unlink(written.files[3]);
    await assert.rejects(loadVolume((await scanDicomInputs([dir])).instances), (e: unknown) => e instanceof PolyradError && e.code === 'DICOM_UNEVEN_SLICE_SPACING');
    const mr: Volume = { ...phantom({ spacing: [1, 1, 1], origin: [0, 0, 0], direction: [[1, 0, 0], [0, 1, 0], [0, 0, 1]] }), unit: 'a.u.' };
    await assert.rejects(writeCtSeries(mr, join(dir, 'mr'), meta), (e: unknown) => e instanceof PolyradError && e.code === 'DICOM_INVALID_VOLUME');
  });
});
