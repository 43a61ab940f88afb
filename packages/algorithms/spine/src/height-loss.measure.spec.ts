import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { VertebraMeasurement } from './spine.analyzer.js';
import { measureHeightLoss, rejectAtypicalHeights } from './height-loss.measure.js';

function body(z: number, a: number, m: number, p: number, extentMm = p + 2): VertebraMeasurement {
  return {
    index: 0,
    center: [0, 0, z],
    complete: true,
    extentMm,
    trabecularHu: 150,
    roiVoxelCount: 500,
    roiAreaMm2: 300,
    roiDenseShare: 0,
    outline: [],
    corticalShare: 0.5,
    heightsMm: { anterior: a, middle: m, posterior: p },
    heightLossPercent: 0,
    comparedWithAdjacent: 0,
    lossAgainstAdjacent: false,
    heightsReliable: true,
  };
}

test('measureHeightLoss: a wedge against its own posterior wall, a crush against the adjacent bodies (Genant 1993)', () => {
  const column = [body(0, 22, 22, 22), body(-27, 15, 22, 22), body(-54, 23, 23, 23), body(-81, 16, 16, 16, 17), body(-108, 24, 24, 24)];
  rejectAtypicalHeights(column);
  measureHeightLoss(column);
  assert.deepEqual(
    column.map((v) => [Math.round(v.heightLossPercent), v.comparedWithAdjacent]),
    [
      [1, 1],
      // 15 mm in front against the larger of its own 22 mm and the neighbours' 22.5 mm
      [33, 2],
      [0, 2],
      // 16 mm against the neighbours' 23.5 mm: a 32 % crush, though its own heights are equal
      [32, 2],
      [0, 1],
    ],
  );
});

test('measureHeightLoss: a body with one neighbour is compared with it carried along the column trend (heights grow caudally)', () => {
  const column = [body(0, 15.2, 19, 19), body(-27, 20, 20, 20), body(-54, 21, 21, 21), body(-81, 22, 22, 22)];
  rejectAtypicalHeights(column);
  measureHeightLoss(column);
  // 15.2 against the 19 mm expected at its level (not the 20 mm of the body below): 20 %, not 24 %
  assert.ok(Math.abs(column[0].heightLossPercent - 20) < 0.5, `${column[0].heightLossPercent}`);
});

test('measureHeightLoss: neighbours much taller than a body that is not shorter along the slices: a missed endplate, not graded (no false crush)', () => {
  // the middle body reads 18 mm against neighbours of 22-23 mm but its ring run is as long as theirs
  const column = [body(0, 22, 22, 22, 24), body(-27, 22, 22, 22, 24), body(-54, 18, 18, 18, 24), body(-81, 23, 23, 23, 24), body(-108, 23, 23, 23, 24)];
  rejectAtypicalHeights(column);
  measureHeightLoss(column);
  assert.equal(column[2].heightsReliable, false);
  assert.equal(column[2].heightLossPercent, 0);
});

test('rejectAtypicalHeights: a posterior height far from the column typical is a missed endplate, unless the body is short along the slices too', () => {
  const column = [body(0, 22, 22, 22), body(-27, 22, 22, 30), body(-54, 23, 23, 23), body(-81, 14, 14, 14, 25), body(-108, 24, 24, 24)];
  rejectAtypicalHeights(column);
  assert.deepEqual(
    column.map((v) => v.heightsReliable),
    [true, false, true, false, true],
  );
  // fewer than three bodies: no typical height to trust
  const two = [body(0, 22, 22, 22), body(-27, 22, 22, 22)];
  rejectAtypicalHeights(two);
  assert.deepEqual(two.map((v) => v.heightsReliable), [false, false]);
});
