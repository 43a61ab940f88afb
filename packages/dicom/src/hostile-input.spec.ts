import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { PolyradError } from '@polyrad/sdk';
import { readDicomHeader } from './dicom-file.reader.js';
import { loadVolume } from './volume.assembler.js';
import { testData } from './test-data.helper.js';

const pd = testData('transfer-syntaxes/pydicom-data');
// Small files covering native, RLE, JPEG-LS, JPEG 2000 and multi-frame paths, and two with lookup tables.
const SEEDS = [
  'emri_small.dcm',
  'emri_small_RLE.dcm',
  'emri_small_jpeg_ls_lossless.dcm',
  'emri_small_jpeg_2k_lossless.dcm',
  'SC_rgb.dcm',
  'JLSL_08_07_0_1F.dcm',
  // a segmented palette and a Modality LUT Sequence: tables whose sizes the file declares
  'gdcm-US-ALOKA-16.dcm',
  'mlut_18.dcm',
];

type Mutation =
  | { kind: 'truncate'; at: number }
  | { kind: 'flip'; at: number; value: number }
  | { kind: 'length'; at: number; value: number }
  | { kind: 'nest'; at: number; depth: number };

/** Undefined-length sequence (0008,1115) SQ nested `depth` items deep, explicit VR little endian. */
function nestedSequence(depth: number): Uint8Array {
  const open = [0x08, 0x00, 0x15, 0x11, 0x53, 0x51, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xfe, 0xff, 0x00, 0xe0, 0xff, 0xff, 0xff, 0xff];
  const bytes: number[] = [];
  for (let n = 0; n < depth; n++) bytes.push(...open);
  return Uint8Array.from(bytes);
}

function mutate(original: Uint8Array, m: Mutation): Uint8Array {
  const at = Math.floor(m.at * original.length);
  switch (m.kind) {
    case 'truncate':
      return original.subarray(0, at);
    case 'flip': {
      const copy = Uint8Array.from(original);
      copy[at] ^= m.value || 1;
      return copy;
    }
    case 'length': {
      // A 32-bit (or the 16-bit explicit VR) length field overwritten with a huge value.
      const copy = Uint8Array.from(original);
      new DataView(copy.buffer).setUint32(Math.min(at, copy.length - 4), m.value, true);
      return copy;
    }
    case 'nest': {
      const insert = nestedSequence(m.depth);
      const out = new Uint8Array(original.length + insert.length);
      out.set(original.subarray(0, at));
      out.set(insert, at);
      out.set(original.subarray(at), at + insert.length);
      return out;
    }
  }
}

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.double({ min: 0, max: 0.999, noNaN: true }), value: fc.integer({ min: 1, max: 255 }) }),
  fc.record({
    kind: fc.constant('length' as const),
    at: fc.double({ min: 0, max: 0.999, noNaN: true }),
    value: fc.oneof(fc.constant(0xffffffff), fc.constant(0xfffffffe), fc.constant(0x7fffffff), fc.integer({ min: 0, max: 0xffffffff })),
  }),
  fc.record({ kind: fc.constant('nest' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), depth: fc.integer({ min: 1, max: 3000 }) }),
);

test('hostile input: mutated files load or fail with a PolyradError naming the file, never anything else', { skip: pd.skip, timeout: 30000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'polyrad-hostile-'));
  try {
    const seeds = await Promise.all(SEEDS.map((name) => readFile(join(pd.path, name))));
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: seeds.length - 1 }), mutation, async (seed, m) => {
        const path = join(dir, `mutant-${n++}.dcm`);
        await writeFile(path, mutate(seeds[seed], m));
        try {
          const header = await readDicomHeader(path);
          const volume = await loadVolume([header]);
          // Whatever loaded must be no larger than the header's own claim, which the file had to justify.
          assert.ok(volume.voxels.length <= header.Rows * header.Columns * Math.max(1, header.NumberOfFrames));
        } catch (error) {
          if (!(error instanceof PolyradError)) throw new Error(`${SEEDS[seed]} ${JSON.stringify(m)}: ${String((error as Error)?.stack ?? error)}`);
          assert.equal(error.subject, path, `${SEEDS[seed]} ${JSON.stringify(m)}: ${error.code} ${error.message} names ${error.subject}`);
        } finally {
          await rm(path, { force: true });
        }
      }),
      { numRuns: 600, seed: 20240601 },
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
