import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandSegmented } from './palette-color.mapper.js';

function expand(words: number[], entries: number): number[] {
  return [...expandSegmented((n) => words[n], words.length, entries, (why) => {
    throw new Error(why);
  })];
}

test('segmented palette tables expand discrete, linear and indirect segments (PS3.3 C.7.9.2)', () => {
  // discrete [0, 100], linear to 200 over 4, indirect: copy the 2 segments at word 0 again.
  assert.deepEqual(expand([0, 2, 0, 100, 1, 4, 200, 2, 2, 0, 0], 12), [0, 100, 125, 150, 175, 200, 0, 100, 125, 150, 175, 200]);
  // A table shorter than its descriptor repeats its last value.
  assert.deepEqual(expand([0, 1, 7, 1, 2, 9], 5), [7, 8, 9, 9, 9]);
});

test('hostile segmented tables are refused with the reason, never a hang or an unbounded table', () => {
  const refused = (words: number[], entries: number, reason: RegExp) => assert.throws(() => expand(words, entries), reason);
  refused([1, 3, 50], 8, /linear segment comes first/);
  refused([0, 1, 5, 2, 1, 3, 0], 8, /indirect segment leads to another indirect/);
  refused([0, 1, 5, 2, 1, 65535, 65535], 8, /runs past the end/);
  refused([0, 1, 5, 1, 65535, 9], 100, /more than the 100 entries/);
  refused([0, 5, 1, 2], 8, /runs past the end/);
  refused([7, 1], 8, /unknown segment type 7/);
  refused([0, 0], 8, /holds no entries/);
});
