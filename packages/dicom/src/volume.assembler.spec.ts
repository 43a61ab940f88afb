import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PolyradError, voxelToPatient, type Vec3 } from '@polyrad/sdk';
import { groupSeries } from './series.grouper.js';
import { scanDicomInputs } from './dicom-input.scanner.js';
import { loadVolume } from './volume.assembler.js';
import { readDicomHeader } from './dicom-file.reader.js';
import { encodeDataSet, encodePart10, type DicomElementValue } from './explicit-vr-le.encoder.js';
import { testData } from './test-data.helper.js';

const lidc = testData('ct/lidc-idri-0001/jpeg-lossless-sv1');

test('LIDC-IDRI-0001 (real CT, JPEG Lossless SV1) loads as one sorted 512x512x133 HU volume', { skip: lidc.skip }, async () => {
  const { instances, rejected } = await scanDicomInputs([lidc.path]);
  assert.deepEqual(rejected, []);
  const series = groupSeries(instances);
  assert.equal(series.length, 1);
  assert.equal(series[0].instances.length, 133);
  assert.equal(series[0].syntheticUids, false);

  const started = performance.now();
  const volume = await loadVolume(series[0]);
  console.log(`# LIDC-IDRI-0001: loadVolume took ${Math.round(performance.now() - started)} ms`);

  const { dimensions, spacing, origin, direction } = volume.geometry;
  assert.deepEqual(dimensions, [512, 512, 133]);
  assert.ok(Math.abs(spacing[0] - 0.703125) < 1e-6 && Math.abs(spacing[1] - 0.703125) < 1e-6, `pixel spacing ${spacing}`);
  assert.ok(Math.abs(spacing[2] - 2.5) < 1e-3, `slice spacing ${spacing[2]}`);
  assert.equal(volume.unit, 'HU');
  assert.ok(volume.voxels instanceof Int16Array);
  for (const [a, b] of [[0, 1], [0, 2], [1, 2]]) assert.ok(Math.abs(direction[a].reduce((s, v, n) => s + v * direction[b][n], 0)) < 1e-9);
  for (const axis of direction) assert.ok(Math.abs(Math.hypot(...axis) - 1) < 1e-9);

  // Sorted in space: z rises with k, from the lowest slice in the files to the highest.
  const zs = instances.map((i) => i.ImagePositionPatient![2]);
  assert.equal(origin[2], Math.min(...zs));
  assert.ok(Math.abs(voxelToPatient(volume.geometry, 0, 0, 132)[2] - Math.max(...zs)) < 1e-3);

  // Each file's own pixels are the slice at its ImagePositionPatient (fails if sorted by name or InstanceNumber).
  const [nx, ny] = dimensions;
  const slice = nx * ny;
  for (const name of ['000001.dcm', '000050.dcm', '000133.dcm']) {
    const header = await readDicomHeader(join(lidc.path, name));
    const alone = await loadVolume([header]);
    const k = Math.round((header.ImagePositionPatient![2] - origin[2]) / spacing[2]);
    assert.deepEqual(volume.voxels.subarray(k * slice, (k + 1) * slice), alone.voxels, `${name} belongs at k=${k}`);
  }

  // Air in front of the chest, inside the reconstruction circle, reads about -1000 HU.
  const mid = 66;
  let sum = 0;
  let count = 0;
  for (let j = 20; j < 50; j++) for (let i = 240; i < 272; i++, count++) sum += volume.voxels[i + j * nx + mid * slice];
  const air = sum / count;
  assert.ok(air > -1050 && air < -950, `air ${air.toFixed(1)} HU`);

  // Plausible tissue: fat and soft tissue present, contrast-enhanced blood present, no wrapped values.
  let min = Infinity;
  let max = -Infinity;
  let fat = 0;
  let soft = 0;
  let blood = 0;
  for (const v of volume.voxels) {
    if (v < min) min = v;
    if (v > max) max = v;
    if (v >= -150 && v <= -50) fat++;
    else if (v >= 20 && v <= 80) soft++;
    else if (v >= 150 && v <= 400) blood++;
  }
  const total = volume.voxels.length;
  assert.ok(fat / total > 0.02, `fat fraction ${fat / total}`);
  assert.ok(soft / total > 0.02, `soft tissue fraction ${soft / total}`);
  assert.ok(blood / total > 0.001, `enhanced blood fraction ${blood / total}`);
  assert.ok(min >= -2048, `minimum ${min} HU`);
  assert.ok(max < 4000, `maximum ${max} HU (signed pixels read as unsigned would wrap to ~63000)`);
});

// ---- synthetic files for pixel handling: padding, BitsStored, signedness, rescale ----

interface SliceSpec {
  Modality: string;
  pixels: number[]; // raw 16-bit words as stored in the file
  PixelRepresentation: number;
  BitsStored: number;
  slope?: string;
  intercept?: string;
  padding?: number; // 16-bit pattern, written as US
  paddingLimit?: number;
  x?: number; // ImagePositionPatient x, mm (a gantry tilt moves it from slice to slice)
  z?: number; // ImagePositionPatient z, mm; default 2 mm per slice
}

function sliceFile(spec: SliceSpec, z: number): Uint8Array {
  const text = (tag: number, vr: DicomElementValue['vr'], value: string): DicomElementValue => ({ tag, vr, value });
  const words = new Uint8Array(spec.pixels.length * 2);
  spec.pixels.forEach((w, n) => new DataView(words.buffer).setUint16(n * 2, w & 0xffff, true));
  const elements: DicomElementValue[] = [
    text(0x00080016, 'UI', '1.2.840.10008.5.1.4.1.1.2'),
    text(0x00080018, 'UI', `2.25.${1000 + z}`),
    text(0x00080060, 'CS', spec.Modality),
    text(0x0020000d, 'UI', '2.25.1'),
    text(0x0020000e, 'UI', '2.25.2'),
    text(0x00200032, 'DS', `${spec.x ?? 0}\\0\\${z}`),
    text(0x00200037, 'DS', '1\\0\\0\\0\\1\\0'),
    { tag: 0x00280002, vr: 'US', value: [1] },
    text(0x00280004, 'CS', 'MONOCHROME2'),
    { tag: 0x00280010, vr: 'US', value: [1] },
    { tag: 0x00280011, vr: 'US', value: [spec.pixels.length] },
    text(0x00280030, 'DS', '1\\1'),
    { tag: 0x00280100, vr: 'US', value: [16] },
    { tag: 0x00280101, vr: 'US', value: [spec.BitsStored] },
    { tag: 0x00280102, vr: 'US', value: [spec.BitsStored - 1] },
    { tag: 0x00280103, vr: 'US', value: [spec.PixelRepresentation] },
    text(0x00281052, 'DS', spec.intercept ?? '0'),
    text(0x00281053, 'DS', spec.slope ?? '1'),
    { tag: 0x7fe00010, vr: 'OW', value: words },
  ];
  if (spec.padding !== undefined) elements.push({ tag: 0x00280120, vr: 'US', value: [spec.padding] });
  if (spec.paddingLimit !== undefined) elements.push({ tag: 0x00280121, vr: 'US', value: [spec.paddingLimit] });
  return encodePart10(
    [
      text(0x00020002, 'UI', '1.2.840.10008.5.1.4.1.1.2'),
      text(0x00020003, 'UI', `2.25.${1000 + z}`),
      text(0x00020010, 'UI', '1.2.840.10008.1.2.1'),
    ],
    encodeDataSet(elements),
  );
}

/**
 * Writes the slices, scans them, lets `afterScan` change files (as a copy still running would), and
 * loads the series.
 */
async function loadSlices(specs: SliceSpec[], afterScan?: (fileOfSlice: (z: number) => string) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), 'polyrad-dicom-px-'));
  try {
    // Written in reverse z order so the file names disagree with space.
    const fileOfSlice = (z: number) => join(dir, `s${specs.length - z}.dcm`);
    for (const [z, spec] of specs.entries()) await writeFile(fileOfSlice(z), sliceFile(spec, spec.z ?? z * 2));
    const { instances, rejected } = await scanDicomInputs([dir]);
    assert.deepEqual(rejected, []);
    await afterScan?.(fileOfSlice);
    return await loadVolume(groupSeries(instances)[0]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('CT padding 63536 with signed pixels is compared as its 16-bit pattern (-2000) and becomes -1024 HU air', async () => {
  const volume = await loadSlices([
    { Modality: 'CT', pixels: [-2000, 0, 1024, 1064], PixelRepresentation: 1, BitsStored: 16, intercept: '-1024', padding: 63536 },
    { Modality: 'CT', pixels: [-2000, -2000, 24, 2048], PixelRepresentation: 1, BitsStored: 16, intercept: '-1024', padding: 63536 },
  ]);
  assert.ok(volume.voxels instanceof Int16Array);
  assert.deepEqual([...volume.voxels], [-1024, -1024, 0, 40, -1024, -1024, -1000, 1024]);
  assert.deepEqual(volume.geometry.spacing, [1, 1, 2]);
});

test('a padding range (PixelPaddingRangeLimit) maps every value in it to air', async () => {
  const volume = await loadSlices([
    { Modality: 'CT', pixels: [0, 5, 10, 11], PixelRepresentation: 0, BitsStored: 16, intercept: '-1024', padding: 0, paddingLimit: 10 },
  ]);
  assert.deepEqual([...volume.voxels], [-1024, -1024, -1024, -1013]);
});

test('BitsStored 12: bits above it are masked off, and signed samples are sign-extended from bit 11', async () => {
  const signed = await loadSlices([
    // 0xF000 garbage in the unused bits; 0x0FFB is -5 in 12-bit two's complement.
    { Modality: 'CT', pixels: [0xf000 | 0x0ffb, 0xa000 | 0x07ff, 0x0800], PixelRepresentation: 1, BitsStored: 12 },
  ]);
  assert.deepEqual([...signed.voxels], [-5, 2047, -2048]);
  // An even count of unsigned samples takes the two-words-at-a-time path; an odd count the per-sample one.
  const unsigned = await loadSlices([{ Modality: 'CT', pixels: [0xf000 | 100, 0x0fff, 0, 0xa000 | 5], PixelRepresentation: 0, BitsStored: 12, intercept: '-1024' }]);
  assert.deepEqual([...unsigned.voxels], [-924, 3071, -1024, -1019]);
  // Unsigned 16-bit words whose rescaled value passes Int16's top are clamped to 32767 (the fast path backs out).
  const high = await loadSlices([{ Modality: 'CT', pixels: [2048, 1024, 65535, 40000], PixelRepresentation: 0, BitsStored: 16, intercept: '-1024' }]);
  assert.deepEqual([...high.voxels], [1024, 0, 32767, 32767]);
  const odd = await loadSlices([{ Modality: 'CT', pixels: [0xf000 | 100, 0x0fff, 0], PixelRepresentation: 0, BitsStored: 12, intercept: '-1024' }]);
  assert.deepEqual([...odd.voxels], [-924, 3071, -1024]);
});

test('a non-integral rescale gives Float32 values; non-CT padding becomes the smallest real value', async () => {
  const ct = await loadSlices([{ Modality: 'CT', pixels: [0, 1, 3], PixelRepresentation: 0, BitsStored: 16, slope: '0.5', intercept: '-1024.25' }]);
  assert.ok(ct.voxels instanceof Float32Array);
  assert.deepEqual([...ct.voxels], [-1024.25, -1023.75, -1022.75]);
  const mr = await loadSlices([{ Modality: 'MR', pixels: [0, 37, 40, 65535], PixelRepresentation: 0, BitsStored: 16, padding: 0 }]);
  assert.ok(mr.voxels instanceof Uint16Array);
  assert.deepEqual([...mr.voxels], [37, 37, 40, 65535]);
  assert.notEqual(mr.unit, 'HU');
});

test('gantry tilt is corrected onto an orthogonal grid and said in a note; an irregular sideways drift is refused', async () => {
  // A rod at patient x = 5 mm through 4 slices 2 mm apart whose images start 1 mm further right each
  // slice (a 26.6 degree tilt): in slice k's own image the rod is at column 5 - k.
  const rod = (k: number) => Array.from({ length: 8 }, (_, i) => (i === 5 - k ? 2024 : 1064));
  const tilted = await loadSlices([0, 1, 2, 3].map((k) => ({ Modality: 'CT', pixels: rod(k), PixelRepresentation: 0, BitsStored: 16, intercept: '-1024', x: k })));
  assert.deepEqual(tilted.geometry.direction, [[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
  assert.deepEqual(tilted.geometry.origin, [0, 0, 0]);
  for (let k = 0; k < 4; k++) {
    const row = [...tilted.voxels.subarray(k * 8, k * 8 + 8)];
    // The rod stands at column 5 in every slice; columns shifted in from outside the image are air.
    assert.deepEqual(row, Array.from({ length: 8 }, (_, i) => (i === 5 ? 1000 : i < k ? -1024 : 40)), `slice ${k}`);
  }
  assert.ok(tilted.notes.some((n) => /gantry tilt of 26\.6 degrees corrected/.test(n)), tilted.notes.join('; '));

  const zigzag = [0, 1, 0, 1].map((x) => ({ Modality: 'CT', pixels: rod(0), PixelRepresentation: 0, BitsStored: 16, x }));
  await assert.rejects(loadSlices(zigzag), (e: unknown) => e instanceof PolyradError && e.code === 'DICOM_GANTRY_TILT' && /irregularly/.test(e.message) && /s\d\.dcm$/.test(e.subject!));
});

test('slices a little unevenly spaced are resampled to the median gap, and a note says so', async () => {
  // Gaps 2, 2.8 and 1.2 mm (median 2): resampled to z = 0, 2, 4, 6.
  const volume = await loadSlices([0, 2, 4.8, 6].map((z, k) => ({ Modality: 'CT', pixels: [100 * k, 100 * k], PixelRepresentation: 0, BitsStored: 16, z })));
  assert.deepEqual(volume.geometry.dimensions, [2, 1, 4]);
  assert.equal(volume.geometry.spacing[2], 2);
  // z = 4 lies 2/2.8 of the way from the slice at 2 mm (100 HU) to the one at 4.8 mm (200 HU).
  assert.deepEqual([...volume.voxels], [0, 0, 100, 100, 171, 171, 300, 300]);
  assert.ok(volume.notes.some((n) => /unevenly spaced .* resampled to the median gap, 2\.000 mm/.test(n)), volume.notes.join('; '));
});

test('series that cannot form one regular grid are refused with a typed error naming a file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'polyrad-dicom-grid-'));
  try {
    const spec: SliceSpec = { Modality: 'CT', pixels: [1, 2], PixelRepresentation: 0, BitsStored: 16 };
    for (const z of [0, 2, 4, 8]) await writeFile(join(dir, `z${z}.dcm`), sliceFile(spec, z));
    const { instances } = await scanDicomInputs([dir]);
    await assert.rejects(loadVolume(instances), (e: unknown) => {
      assert.ok(e instanceof PolyradError);
      assert.equal(e.code, 'DICOM_UNEVEN_SLICE_SPACING');
      assert.match(e.toLine(), /z8\.dcm: slices are not evenly spaced/);
      return true;
    });
    const twice = [...instances.slice(0, 2), { ...instances[0], path: join(dir, 'z0.dcm') }];
    await assert.rejects(loadVolume(twice), (e: unknown) => e instanceof PolyradError && e.code === 'DICOM_DUPLICATE_SLICE_POSITION');
    const tilted = instances.slice(0, 3).map((i, n) => ({ ...i, ImagePositionPatient: [n * 3, 0, n * 2] as Vec3 }));
    await assert.rejects(loadVolume(tilted), (e: unknown) => e instanceof PolyradError && e.code === 'DICOM_GANTRY_TILT');
    await assert.rejects(loadVolume([]), (e: unknown) => e instanceof PolyradError && e.code === 'DICOM_EMPTY_SERIES');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a radiograph with only ImagerPixelSpacing uses it, and says the spacing is at the detector plane', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'polyrad-dicom-dx-'));
  try {
    const text = (tag: number, vr: DicomElementValue['vr'], value: string): DicomElementValue => ({ tag, vr, value });
    const file = encodePart10(
      [text(0x00020002, 'UI', '1.2.840.10008.5.1.4.1.1.1.1'), text(0x00020003, 'UI', '2.25.77'), text(0x00020010, 'UI', '1.2.840.10008.1.2.1')],
      encodeDataSet([
        text(0x00080016, 'UI', '1.2.840.10008.5.1.4.1.1.1.1'),
        text(0x00080018, 'UI', '2.25.77'),
        text(0x00080060, 'CS', 'DX'),
        text(0x00181164, 'DS', '0.15\\0.14'),
        { tag: 0x00280002, vr: 'US', value: [1] },
        text(0x00280004, 'CS', 'MONOCHROME2'),
        { tag: 0x00280010, vr: 'US', value: [2] },
        { tag: 0x00280011, vr: 'US', value: [2] },
        { tag: 0x00280100, vr: 'US', value: [16] },
        { tag: 0x00280101, vr: 'US', value: [12] },
        { tag: 0x00280102, vr: 'US', value: [11] },
        { tag: 0x00280103, vr: 'US', value: [0] },
        { tag: 0x7fe00010, vr: 'OW', value: new Uint8Array(8) },
      ]),
    );
    await writeFile(join(dir, 'dx.dcm'), file);
    const dx = await loadVolume([await readDicomHeader(join(dir, 'dx.dcm'))]);
    // PixelSpacing order is row spacing first; the volume's spacing is [along a row, along a column, k].
    assert.deepEqual(dx.geometry.spacing, [0.14, 0.15, 1]);
    assert.ok(dx.notes.some((n) => /ImagerPixelSpacing .* detector plane/.test(n)), dx.notes.join('; '));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/** An enhanced MR file whose frames carry StackID, position and orientation in per-frame functional groups. */
function enhancedFile(frames: Array<{ stack: string; position: string; orientation: string }>): Uint8Array {
  const text = (tag: number, vr: DicomElementValue['vr'], value: string): DicomElementValue => ({ tag, vr, value });
  const sop = '1.2.840.10008.5.1.4.1.1.4.1';
  return encodePart10(
    [text(0x00020002, 'UI', sop), text(0x00020003, 'UI', '2.25.88'), text(0x00020010, 'UI', '1.2.840.10008.1.2.1')],
    encodeDataSet([
      text(0x00080016, 'UI', sop),
      text(0x00080018, 'UI', '2.25.88'),
      text(0x00080060, 'CS', 'MR'),
      text(0x0020000d, 'UI', '2.25.1'),
      text(0x0020000e, 'UI', '2.25.2'),
      text(0x00280008, 'IS', String(frames.length)),
      { tag: 0x00280002, vr: 'US', value: [1] },
      text(0x00280004, 'CS', 'MONOCHROME2'),
      { tag: 0x00280010, vr: 'US', value: [2] },
      { tag: 0x00280011, vr: 'US', value: [2] },
      { tag: 0x00280100, vr: 'US', value: [16] },
      { tag: 0x00280101, vr: 'US', value: [16] },
      { tag: 0x00280102, vr: 'US', value: [15] },
      { tag: 0x00280103, vr: 'US', value: [0] },
      { tag: 0x52009229, vr: 'SQ', value: [[{ tag: 0x00289110, vr: 'SQ', value: [[text(0x00180050, 'DS', '1'), text(0x00280030, 'DS', '1\\1')]] }]] },
      {
        tag: 0x52009230,
        vr: 'SQ',
        value: frames.map((f): DicomElementValue[] => [
          { tag: 0x00209111, vr: 'SQ', value: [[text(0x00209056, 'SH', f.stack)]] },
          { tag: 0x00209113, vr: 'SQ', value: [[text(0x00200032, 'DS', f.position)]] },
          { tag: 0x00209116, vr: 'SQ', value: [[text(0x00200037, 'DS', f.orientation)]] },
        ]),
      },
      { tag: 0x7fe00010, vr: 'OW', value: Uint8Array.from({ length: frames.length * 8 }, (_, n) => (n % 2 ? 0 : n)) },
    ]),
  );
}

test('an enhanced file holding several stacks: loaded whole it is refused with what it holds; scanned, each stack is a series', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'polyrad-dicom-stacks-'));
  try {
    const axial = '1\\0\\0\\0\\1\\0';
    const sagittal = '0\\1\\0\\0\\0\\-1';
    const oneStack = [
      { stack: '1', position: '0\\0\\1', orientation: axial },
      { stack: '1', position: '0\\0\\0', orientation: axial },
    ];
    await writeFile(join(dir, 'one.dcm'), enhancedFile(oneStack));
    const volume = await loadVolume([await readDicomHeader(join(dir, 'one.dcm'))]);
    assert.deepEqual(volume.geometry.dimensions, [2, 2, 2]);
    // Sorted along the normal: the frame at z = 0 (the second in the file, samples 8, 10, 12, 14) comes first.
    assert.deepEqual([...volume.voxels.subarray(0, 4)], [8, 10, 12, 14]);

    await writeFile(join(dir, 'two.dcm'), enhancedFile([...oneStack, { stack: '2', position: '0\\0\\0', orientation: sagittal }, { stack: '2', position: '1\\0\\0', orientation: sagittal }]));
    await assert.rejects(loadVolume([await readDicomHeader(join(dir, 'two.dcm'))]), (e: unknown) => {
      assert.ok(e instanceof PolyradError, String(e));
      assert.equal(e.code, 'DICOM_MULTIPLE_STACKS');
      assert.match(e.message, /holds 2 stacks \(StackID 1: 2 frames, StackID 2: 2 frames\)/);
      assert.ok(e.subject!.endsWith('two.dcm'));
      return true;
    });

    // Scanned as polyrad analyze does, the file becomes one series per stack, each loading its own frames.
    const { instances } = await scanDicomInputs([join(dir, 'two.dcm')]);
    const series = groupSeries(instances);
    assert.equal(series.length, 2);
    const byLabel = new Map(series.map((s) => [s.instances[0].stack!.label, s]));
    assert.deepEqual([...byLabel.keys()].sort(), ['StackID 1, orientation 1.00\\0.00\\0.00\\0.00\\1.00\\0.00', 'StackID 2, orientation 0.00\\1.00\\0.00\\0.00\\0.00\\-1.00']);
    assert.notEqual(series[0].SeriesInstanceUID, series[1].SeriesInstanceUID);
    for (const s of series) {
      assert.ok(s.syntheticUids);
      assert.match(s.warnings.join(' '), /holds 2 stacks of frames; StackID \d.* \(2 frames\) is analysed as its own series under the generated SeriesInstanceUID .* \(source series 2\.25\.2\)/);
      assert.match(s.SeriesDescription, /\[StackID \d/);
    }
    const axialStack = await loadVolume(byLabel.get('StackID 1, orientation 1.00\\0.00\\0.00\\0.00\\1.00\\0.00')!);
    assert.deepEqual(axialStack.geometry.dimensions, [2, 2, 2]);
    assert.deepEqual([...axialStack.voxels], [8, 10, 12, 14, 0, 2, 4, 6]);
    const sagittalStack = await loadVolume(byLabel.get('StackID 2, orientation 0.00\\1.00\\0.00\\0.00\\0.00\\-1.00')!);
    // Frames 2 (x = 0) and 3 (x = 1), sorted along the sagittal normal (-x): frame 3 first.
    assert.deepEqual([...sagittalStack.voxels], [24, 26, 28, 30, 16, 18, 20, 22]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

// 40 slices: enough for the uncompressed files to be read by the reader threads with the main thread.
const MANY = 40;

test('uncompressed series read by several threads: rescale, clamping, padding and Float32 give the same values as one file alone', async () => {
  const ct = await loadSlices(
    Array.from({ length: MANY }, (_, z) =>
      z % 2
        ? { Modality: 'CT', pixels: [2048, 1024, 65535, 40000], PixelRepresentation: 0, BitsStored: 16, intercept: '-1024' }
        : { Modality: 'CT', pixels: [0xf000 | 100, 0x0fff, 0, 0xa000 | 5], PixelRepresentation: 0, BitsStored: 12, intercept: '-1024' },
    ),
  );
  assert.ok(ct.voxels instanceof Int16Array);
  for (let z = 0; z < MANY; z++) {
    assert.deepEqual([...ct.voxels.subarray(4 * z, 4 * z + 4)], z % 2 ? [1024, 0, 32767, 32767] : [-924, 3071, -1024, -1019], `slice ${z}`);
  }
  const mr = await loadSlices(Array.from({ length: MANY }, (_, z) => ({ Modality: 'MR', pixels: [0, 37 + z, 40, 65535], PixelRepresentation: 0, BitsStored: 16, padding: 0 })));
  assert.ok(mr.voxels instanceof Uint16Array);
  // Padding becomes the smallest real value of the whole volume (37, in slice 0), wherever a thread read it.
  for (let z = 0; z < MANY; z++) assert.deepEqual([...mr.voxels.subarray(4 * z, 4 * z + 4)], [37, 37 + z, 40, 65535], `slice ${z}`);
  const float = await loadSlices(Array.from({ length: MANY }, () => ({ Modality: 'CT', pixels: [0, 1, 3, 5], PixelRepresentation: 0, BitsStored: 16, slope: '0.5', intercept: '-1024.25' })));
  assert.ok(float.voxels instanceof Float32Array);
  assert.deepEqual([...float.voxels.subarray(4 * (MANY - 1))], [-1024.25, -1023.75, -1022.75, -1021.75]);
});

test('a file whose pixels were cut short after the scan fails the threaded load with DICOM_TRUNCATED naming it; a changed file is read again', async () => {
  const slices = Array.from({ length: MANY }, (_, z) => ({ Modality: 'CT', pixels: [z, 1, 2, 3], PixelRepresentation: 1, BitsStored: 16 }));
  await assert.rejects(
    loadSlices(slices, async (fileOfSlice) => truncate(fileOfSlice(27), (await stat(fileOfSlice(27))).size - 3)),
    (e: unknown) => {
      assert.ok(e instanceof PolyradError, String(e));
      assert.equal(e.code, 'DICOM_TRUNCATED');
      assert.ok(e.subject!.endsWith('s13.dcm'), e.subject);
      return true;
    },
  );
  // Rewritten after the scan with a longer header, so its pixels moved: read the slow way, same values.
  const volume = await loadSlices(slices, (fileOfSlice) => writeFile(fileOfSlice(27), sliceFile({ ...slices[27], x: 0.000001 }, 54)));
  for (let z = 0; z < MANY; z++) assert.deepEqual([...volume.voxels.subarray(4 * z, 4 * z + 4)], [z, 1, 2, 3], `slice ${z}`);
});
