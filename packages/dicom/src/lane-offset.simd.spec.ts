import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { inLaneScratch, laneScratch, offsetScratchLanes } from './lane-offset.simd.js';

test('the SIMD lane offset adds the intercept modulo 2^16 to masked samples, vector body and scalar tail alike', () => {
  let seed = 12345;
  const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 16;
  for (const lanes of [0, 1, 7, 8, 9, 15, 16, 17, 100, 262144]) {
    for (const [bits, add] of [[16, -1024], [12, -1024], [16, 0], [11, 3000]]) {
      const mask = 2 ** bits - 1;
      const bytes = laneScratch(lanes * 2);
      const samples = new Uint16Array(bytes.buffer, bytes.byteOffset, lanes);
      for (let n = 0; n < lanes; n++) samples[n] = random();
      const expected = samples.map((v) => ((v & mask) + add) & 0xffff);
      const orOfMasked = samples.reduce((or, v) => or | (v & mask), 0);
      assert.ok(inLaneScratch(samples));
      assert.equal(offsetScratchLanes(samples, mask, add), orOfMasked, `OR of masked samples, ${lanes} lanes`);
      assert.deepEqual(samples, expected, `${lanes} lanes, ${bits} bits, add ${add}`);
    }
  }
  assert.equal(inLaneScratch(new Uint16Array(4)), false);
});

test('the committed WebAssembly module is the one lane-offset.wat compiles to', () => {
  // Exits non-zero, naming the file, when lane-offset.wasm.ts is stale.
  execFileSync(process.execPath, [resolve(import.meta.dirname, '../../../scripts/build-wasm.mjs'), '--check'], { stdio: 'pipe' });
});
