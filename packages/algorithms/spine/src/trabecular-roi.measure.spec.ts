import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SliceBody } from './body-slices.tracer.js';
import { trabecularRoi } from './trabecular-roi.measure.js';
import { vertebralColumnFixture } from './vertebral-column.fixture.js';

test('trabecularRoi: the mean of the ellipse at 70 % of the outline is the drawn trabecular HU, clear of the cortex', () => {
  for (const trabecularHu of [85, 150, 240]) {
    const { volume, centre } = vertebralColumnFixture({ bodies: [{ heightMm: 24 }], sliceMm: 1.25, trabecularHu, noiseHu: 30 });
    // the inner outline of the drawn body (16 x 14 mm less the 1 mm cortex), on slices through its middle
    const slice: SliceBody = { ...centre, left: 15, right: 15, anterior: 13, posterior: 13, anteriorOuter: 14 };
    const ks = [10, 11, 12, 13, 14];
    const roi = trabecularRoi(volume, ks.map(() => slice), ks);
    assert.ok(Math.abs(roi.sum / roi.count - trabecularHu) <= 3, `${trabecularHu}: ${roi.sum / roi.count}`);
    assert.equal(roi.dense, 0);
    // ~0.7 x 15 by 0.7 x 13 mm, pi a b per slice
    assert.ok(Math.abs(roi.count / ks.length - Math.PI * 10.5 * 9.1) < 15, `${roi.count / ks.length} voxels per slice`);
  }
});
