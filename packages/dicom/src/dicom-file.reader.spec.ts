import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createDeflateRaw } from 'node:zlib';
import { join } from 'node:path';
import { PolyradError } from '@polyrad/sdk';
import { MAX_INFLATED_BYTES } from './dicom-dataset.parser.js';
import { readDicomHeader } from './dicom-file.reader.js';
import { scanDicomInputs } from './dicom-input.scanner.js';
import { groupSeries } from './series.grouper.js';
import { loadVolume } from './volume.assembler.js';
import { pixelDecoderFor } from './pixel-decoder.registry.js';
import { testData } from './test-data.helper.js';

const lidcFile = testData('ct/lidc-idri-0001/jpeg-lossless-sv1/000001.dcm');
const pydicom = testData('transfer-syntaxes/pydicom/test_files');
const qaTs = testData('transfer-syntaxes/dcm_qa_ts/In');
const totalSeg = testData('ct/totalsegmentator/example_ct_dicom');

/** Rejects with a PolyradError of this code whose subject and one-line form name the file. */
async function assertTyped(promise: Promise<unknown>, code: string, path: string): Promise<PolyradError> {
  let caught: unknown;
  await promise.then(
    () => assert.fail(`${path} was accepted; expected ${code}`),
    (error: unknown) => (caught = error),
  );
  assert.ok(caught instanceof PolyradError, `${path}: a ${(caught as Error)?.constructor?.name} escaped: ${String(caught)}`);
  assert.equal(caught.code, code, `${path}: ${caught.toLine()}`);
  assert.equal(caught.subject, path);
  assert.ok(caught.toLine().startsWith(`${path}: `));
  assert.doesNotMatch(caught.message, /dicomParser|at .*\.js:\d+/, 'no library internals or stack in the message');
  return caught;
}

function randomBytes(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let s = seed;
  for (let n = 0; n < length; n++) bytes[n] = (s = (s * 1103515245 + 12345) >>> 0) >>> 24;
  return bytes;
}

test('empty, text, random and truncated files are refused with a typed error naming the file', { skip: lidcFile.skip }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'polyrad-dicom-bad-'));
  try {
    const real = await readFile(lidcFile.path);
    const files: Array<[string, Uint8Array | string, string]> = [
      ['empty.dcm', new Uint8Array(0), 'DICOM_EMPTY_FILE'],
      ['notes.txt', 'Patient notes: this is not an image.\n'.repeat(20), 'DICOM_NOT_DICOM'],
      ['random.dcm', randomBytes(4096, 42), 'DICOM_NOT_DICOM'],
      ['tiny.dcm', 'DICM', 'DICOM_NOT_DICOM'],
      ['cut-in-header.dcm', real.subarray(0, 1000), 'DICOM_TRUNCATED'],
      ['cut-in-pixels.dcm', real.subarray(0, Math.floor(real.length * 0.6)), 'DICOM_TRUNCATED'],
    ];
    for (const [name, content] of files) await writeFile(join(dir, name), content);
    for (const [name, , code] of files) await assertTyped(readDicomHeader(join(dir, name)), code, join(dir, name));
    await assertTyped(readDicomHeader(join(dir, 'missing.dcm')), 'DICOM_FILE_NOT_FOUND', join(dir, 'missing.dcm'));

    // The same files in a folder: scanning never throws, it lists each one with its reason.
    await copyFile(lidcFile.path, join(dir, 'good.dcm'));
    await writeFile(join(dir, '.DS_Store'), 'hidden');
    await copyFile(lidcFile.path, join(dir, 'DICOMDIR'));
    await mkdir(join(dir, 'nested'));
    await copyFile(lidcFile.path, join(dir, 'nested', 'again.dcm'));
    const { instances, rejected } = await scanDicomInputs([dir, join(dir, 'nope')]);
    assert.deepEqual(instances.map((i) => i.path).sort(), [join(dir, 'good.dcm'), join(dir, 'nested', 'again.dcm')]);
    assert.deepEqual(
      rejected.map((r) => [r.path, r.code]).sort(),
      [...files.map(([name, , code]) => [join(dir, name), code]), [join(dir, 'nope'), 'DICOM_FILE_NOT_FOUND']].sort(),
    );
    assert.ok(rejected.every((r) => r.message.length > 10 && !r.message.includes('\n')));
    // Two copies of one instance make one series with one slice, and a warning.
    const series = groupSeries(instances);
    assert.equal(series.length, 1);
    assert.equal(series[0].instances.length, 1);
    assert.match(series[0].warnings.join('\n'), /repeats SOPInstanceUID/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('malformed files from pydicom are refused with typed errors', { skip: pydicom.skip }, async () => {
  const cases: Array<[string, string]> = [
    ['MR_truncated.dcm', 'DICOM_TRUNCATED'],
    ['rtplan_truncated.dcm', 'DICOM_TRUNCATED'],
    ['no_meta.dcm', 'DICOM_NOT_DICOM'],
    ['no_meta_group_length.dcm', 'DICOM_NO_PIXEL_DATA'],
    ['meta_missing_tsyntax.dcm', 'DICOM_MISSING_ATTRIBUTE'],
    ['rtplan.dcm', 'DICOM_NO_PIXEL_DATA'],
  ];
  for (const [name, code] of cases) await assertTyped(readDicomHeader(join(pydicom.path, name)), code, join(pydicom.path, name));
  // Without requiring pixels, a structure set still reads as an instance.
  const plan = await readDicomHeader(join(pydicom.path, 'rtplan.dcm'), { requirePixelData: false });
  assert.equal(plan.Modality, 'RTPLAN');
  assert.equal(plan.hasPixelData, false);
});

test('a deflated file that inflates past the cap is refused as a decompression bomb, not allocated', { skip: pydicom.skip }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'polyrad-deflate-bomb-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  // pydicom's deflated image supplies the file meta; its dataset is replaced by one OB element of zeros
  // larger than the cap, deflated in chunks so the test never holds it whole
  const original = await readFile(join(pydicom.path, 'image_dfl.dcm'));
  const metaEnd = 132 + 12 + original.readUInt32LE(140);
  const zeros = MAX_INFLATED_BYTES + 1024 ** 2;
  const header = Buffer.alloc(12);
  header.writeUInt16LE(0x0009, 0); // a private group: read through, so only the inflater can stop it
  header.writeUInt16LE(0x1010, 2);
  header.write('OB', 4, 'latin1');
  header.writeUInt32LE(zeros, 8);
  const deflate = createDeflateRaw();
  const chunks: Buffer[] = [];
  deflate.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise((resolve) => deflate.on('end', resolve));
  deflate.write(header);
  const block = Buffer.alloc(16 * 1024 ** 2);
  for (let left = zeros; left > 0; left -= block.length) {
    if (!deflate.write(left >= block.length ? block : block.subarray(0, left))) await new Promise((r) => deflate.once('drain', r));
  }
  deflate.end();
  await done;
  const path = join(dir, 'bomb.dcm');
  await writeFile(path, Buffer.concat([original.subarray(0, metaEnd), ...chunks]));
  const error = await assertTyped(readDicomHeader(path), 'DICOM_DEFLATE_TOO_LARGE', path);
  assert.match(error.message, /expands past 512 MiB/);
});

test('one MR image in every supported transfer syntax decodes to the same pixels; an undecodable syntax is named', { skip: qaTs.skip }, async () => {
  const reference = await loadVolume([await readDicomHeader(join(qaTs.path, '1.dcm'))]);
  assert.deepEqual(reference.geometry.dimensions, [384, 384, 1]);
  assert.ok(reference.voxels.some((v) => v > 1000));
  for (const [name, syntax] of [
    ['2.dcm', '1.2.840.10008.1.2'],
    ['3.dcm', '1.2.840.10008.1.2.2'],
    ['5.dcm', '1.2.840.10008.1.2.4.70'],
    ['6.dcm', '1.2.840.10008.1.2.4.70'],
  ]) {
    const header = await readDicomHeader(join(qaTs.path, name));
    assert.equal(header.TransferSyntaxUID, syntax);
    assert.deepEqual((await loadVolume([header])).voxels, reference.voxels, `${name} (${syntax})`);
  }
  // JPEG 2000 is decoded since the codec packages came in (pixel-codecs.spec.ts covers all nine files);
  // a syntax without a decoder (MPEG-2 video) is still named in a typed error.
  const j2k = join(qaTs.path, '9.dcm');
  assert.deepEqual((await loadVolume([await readDicomHeader(j2k)])).voxels, reference.voxels, '9.dcm (JPEG 2000)');
  assert.throws(() => pixelDecoderFor('1.2.840.10008.1.2.4.100', j2k), (e: unknown) => e instanceof PolyradError && e.code === 'DICOM_UNSUPPORTED_TRANSFER_SYNTAX' && /MPEG2/.test(e.message));
});

test('a series whose files leave the UIDs empty gets a stable generated UID and a warning', { skip: totalSeg.skip }, async () => {
  const { instances, rejected } = await scanDicomInputs([totalSeg.path]);
  assert.equal(rejected.length, 0);
  assert.equal(instances.length, 20);
  assert.ok(instances.every((i) => i.SeriesInstanceUID === '' && i.StudyInstanceUID === ''));
  const [series, ...others] = groupSeries(instances);
  assert.equal(others.length, 0);
  assert.equal(series.syntheticUids, true);
  assert.match(series.SeriesInstanceUID, /^2\.25\.\d+$/);
  assert.match(series.warnings[0], /SeriesInstanceUID empty/);
  assert.equal(groupSeries([...instances].reverse())[0].SeriesInstanceUID, series.SeriesInstanceUID);
});
