import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SliceBody, SliceKind } from './body-slices.tracer.js';
import { vertebralRuns } from './vertebral-runs.segmenter.js';

const body: SliceBody = { ci: 0, cj: 0, left: 15, right: 15, anterior: 13, posterior: 13, anteriorOuter: 14 };
const slices = (pattern: string): { bodies: (SliceBody | undefined)[]; kinds: SliceKind[] } => ({
  bodies: [...pattern].map((c) => (c === 'b' ? body : undefined)),
  kinds: [...pattern].map((c) => (c === 'b' ? 'body' : c === 'e' ? 'endplate' : 'gap')),
});

test('vertebralRuns: runs of >= 12 mm with >= 6 mm of body slices are bodies; short runs (a rib head, a few stray rings) are not', () => {
  // 2 mm slices: 10 slices = 20 mm body, 3-slice disc, 5 slices = 10 mm (too short), endplates count towards the run
  const { bodies, kinds } = slices('ggebbbbbbbbegggbbbbbgggbbbbbbbbbbgg');
  assert.deepEqual(vertebralRuns(bodies, kinds, 2), [
    [2, 11],
    [23, 32],
  ]);
  // a run of endplate slices alone is no body
  const plates = slices('geeeeeeeeeg');
  assert.deepEqual(vertebralRuns(plates.bodies, plates.kinds, 2), []);
});
