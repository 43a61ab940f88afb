import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Volume } from '@polyrad/sdk';
import { writeCtSeries } from './ct-series.writer.js';

// 2,000 slices of 96 x 96: a 37 MB volume in 2,000 files of 19 KB (39 MB), small enough for a test,
// large enough that holding every file's bytes (or leaving them all to the garbage collector) shows.
const [NX, NY, NZ] = [96, 96, 2000];

function rampVolume(): Volume {
  const voxels = new Int16Array(NX * NY * NZ);
  for (let n = 0; n < voxels.length; n++) voxels[n] = (n % 3001) - 1000;
  return {
    geometry: { dimensions: [NX, NY, NZ], spacing: [0.7, 0.7, 0.5], origin: [0, 0, 0], direction: [[1, 0, 0], [0, 1, 0], [0, 0, 1]] },
    voxels,
    unit: 'HU',
  };
}

// Runs in a fresh process, so its peak RSS is the load's own: scan, settle, then load and report.
const CHILD = `
import { readFileSync } from 'node:fs';
import { groupSeries, loadVolume, scanDicomInputs } from '@polyrad/dicom';
const { instances } = await scanDicomInputs([process.argv[1]]);
const series = groupSeries(instances);
// Start the pixel reader threads first (a few MB each, whatever the series): what is measured is
// the load's growth with the series' size.
await loadVolume([...series[0].instances].sort((a, b) => a.ImagePositionPatient[2] - b.ImagePositionPatient[2]).slice(0, 40));
globalThis.gc(); globalThis.gc();
const before = process.memoryUsage().rss;
const volume = await loadVolume(series[0]);
// VmHWM, not getrusage's maxRSS: Linux carries maxRSS over fork and exec, so it could be the test runner's.
const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
const peak = hwm ? Number(hwm[1]) * 1024 : process.resourceUsage().maxRSS * 1024;
let sum = 0;
for (let n = 0; n < volume.voxels.length; n += 9973) sum += volume.voxels[n];
console.log(JSON.stringify({ before, peak, volumeBytes: volume.voxels.byteLength, files: instances.length, sum, dims: volume.geometry.dimensions }));
`;

test('a 2,000-slice series loads without holding its files: peak memory grows by about the volume alone', { timeout: 120000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'polyrad-stream-'));
  try {
    const volume = rampVolume();
    await writeCtSeries(volume, dir, { PatientID: 'STREAM', StudyDate: '20260101', seed: 7 });
    const out = execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', CHILD, dir], { cwd: import.meta.dirname, encoding: 'utf8' });
    const result = JSON.parse(out.trim().split('\n').pop()!);
    assert.equal(result.files, NZ);
    assert.deepEqual(result.dims, [NX, NY, NZ]);
    let expected = 0;
    for (let n = 0; n < volume.voxels.length; n += 9973) expected += volume.voxels[n];
    assert.equal(result.sum, expected, 'voxels came back as written');
    const growth = result.peak - result.before;
    const filesBytes = NZ * (NX * NY * 2);
    console.log(`# 2,000 slices: peak RSS grew ${(growth / 1e6).toFixed(1)} MB for a ${(result.volumeBytes / 1e6).toFixed(1)} MB volume (files: ${(filesBytes / 1e6).toFixed(1)} MB)`);
    // Holding the files (or their garbage) would add ~39 MB on top of the volume; allow a quarter of it.
    assert.ok(growth < result.volumeBytes + 0.25 * filesBytes, `peak RSS grew ${(growth / 1e6).toFixed(1)} MB, volume ${(result.volumeBytes / 1e6).toFixed(1)} MB`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
