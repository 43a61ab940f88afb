import { test } from 'node:test';
import assert from 'node:assert/strict';
import { axialStack, coarseStack } from './axial-stack.js';
import { findDescending, type DescendingSearch } from './descending-aorta.finder.js';
import { scanRoundStructures } from './round-structure.detector.js';
import { syntheticScene, type Tube } from './synthetic-scene.fixture.js';

const up: [number, number, number] = [0, 0, 1];
const enhanced = { contrast: true, lo: 130, hi: 650 };

function search(tubes: Tube[]): { found: ReturnType<typeof findDescending>; seen: DescendingSearch } {
  const stack = axialStack(syntheticScene({ dimensions: [90, 90, 32], spacing: [1.5, 1.5, 2.5], noiseHu: 10, tubes }));
  const coarse = coarseStack(stack);
  const seen: DescendingSearch = { trackedMm: 0, roundMm: 0 };
  const scan = scanRoundStructures(coarse, enhanced.lo, enhanced.hi, 5, 4);
  return { found: findDescending(coarse, stack, scan, enhanced, seen), seen };
}

test('an enhanced tube behind and left of the centre, with enhanced lumens in front of it, is the descending aorta', () => {
  const { found } = search([
    { at: [22, 30, 0], direction: up, radiusMm: 12, hu: 300 },
    // the ascending aorta in front
    { at: [-10, -25, 0], direction: up, radiusMm: 15, hu: 300 },
  ]);
  assert.ok(found, 'found');
  const xs = found.chain.map((c) => c.x);
  assert.ok(xs.every((x) => Math.abs(x - 22) < 3), `track x ${Math.min(...xs)}-${Math.max(...xs)}`);
  assert.ok(Math.abs(found.bloodHu - 300) < 20, `blood ${found.bloodHu}`);
});

test('a column of unenhanced vertebral marrow (180 HU, faint cortex) with nothing enhanced in front is not taken for an enhanced aorta', () => {
  const { found, seen } = search([{ at: [10, 35, 0], direction: up, radiusMm: 14, hu: 180 }]);
  assert.equal(found, undefined);
  // it was followed, so the reason can say what was seen
  assert.ok(seen.trackedMm >= 40, `${seen.trackedMm}`);
});

test('unenhanced: a round tube of muscle behind the spine is not the descending aorta; one beside the spine is', () => {
  const unenhanced = { contrast: false, lo: -20, hi: 100 };
  const find = (tubes: Tube[]) => {
    const stack = axialStack(syntheticScene({ dimensions: [90, 90, 32], spacing: [1.5, 1.5, 2.5], noiseHu: 10, tubes }));
    const coarse = coarseStack(stack);
    return findDescending(coarse, stack, scanRoundStructures(coarse, unenhanced.lo, unenhanced.hi, 5, 4), unenhanced, { trackedMm: 0, roundMm: 0 });
  };
  const spine: Tube = { at: [0, 35, 0], direction: up, radiusMm: 15, hu: 400 };
  const muscle: Tube = { at: [20, 62, 0], direction: up, radiusMm: 10, hu: 50 };
  assert.equal(find([spine, muscle]), undefined);
  const found = find([spine, muscle, { at: [28, 30, 0], direction: up, radiusMm: 11, hu: 40 }]);
  assert.ok(found, 'the aorta beside the spine is found');
  const ys = found.chain.map((c) => c.y);
  assert.ok(ys.every((y) => Math.abs(y - 30) < 3), `track y ${Math.min(...ys)}-${Math.max(...ys)}`);
});
