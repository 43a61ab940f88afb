import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Vec3 } from '@polyrad/sdk';
import { boundToHeartShape, fitEllipsoid } from './heart-shape.fitter.js';

/** Points on a tilted ellipsoid (semi-axes a, b, c about centre), each moved radially by up to `jitter` mm. */
function ellipsoidPoints(centre: Vec3, [a, b, c]: Vec3, jitter = 0): Vec3[] {
  const points: Vec3[] = [];
  const tilt = 0.4;
  for (let n = 0; n < 300; n++) {
    const z = 1 - (2 * n + 1) / 300;
    const r = Math.sqrt(1 - z * z);
    const phi = n * 2.39996;
    const scale = 1 + jitter * Math.sin(7 * n) / 50;
    const [x, y] = [a * r * Math.cos(phi) * scale, b * r * Math.sin(phi) * scale];
    const w = c * z * scale;
    points.push([centre[0] + x * Math.cos(tilt) - w * Math.sin(tilt), centre[1] + y, centre[2] + x * Math.sin(tilt) + w * Math.cos(tilt)]);
  }
  return points;
}

test('fitEllipsoid: a heart-sized tilted ellipsoid is recovered (surface at q = 1, centre at 0), within a few per cent under jitter', () => {
  const centre: Vec3 = [120, 90, 70];
  const fit = fitEllipsoid(ellipsoidPoints(centre, [60, 45, 50], 1));
  assert.ok(fit, 'an ellipsoid is fitted');
  assert.ok(fit.q(centre) < 0.01);
  for (const p of ellipsoidPoints(centre, [60, 45, 50])) assert.ok(Math.abs(Math.sqrt(fit.q(p)) - 1) < 0.05, `q ${fit.q(p)}`);
});

test('fitEllipsoid: no fit for what cannot be a heart (a 10 mm vessel, a flat patch of wall)', () => {
  assert.equal(fitEllipsoid(ellipsoidPoints([0, 0, 0], [10, 10, 10])), undefined);
  const flat: Vec3[] = Array.from({ length: 100 }, (_, n) => [n % 10, Math.floor(n / 10), 0]);
  assert.equal(fitEllipsoid(flat), undefined);
});

test('boundToHeartShape: a heart ringed by lung but resting on the liver keeps the heart and drops the liver', () => {
  // 1.25 mm grid: a sphere of 50 mm radius (the heart) sunk 10 mm into a slab of tissue below it (the liver), lung elsewhere
  const dims: [number, number, number] = [120, 120, 120];
  const spacing: [number, number, number] = [1.25, 1.25, 1.25];
  const centre: Vec3 = [75, 75, 85];
  const tissue = new Uint8Array(dims[0] * dims[1] * dims[2]);
  let heartVoxels = 0;
  for (let k = 0, c = 0; k < dims[2]; k++) {
    for (let j = 0; j < dims[1]; j++) {
      for (let i = 0; i < dims[0]; i++, c++) {
        const inHeart = Math.hypot(i * 1.25 - centre[0], j * 1.25 - centre[1], k * 1.25 - centre[2]) <= 50;
        if (inHeart) heartVoxels++;
        if (inHeart || k * 1.25 < 45) tissue[c] = 1;
      }
    }
  }
  // the region as the erosion left it: heart and liver joined
  const bounded = boundToHeartShape(tissue, tissue, centre, { dims, spacing });
  let kept = 0;
  let liver = 0;
  for (let k = 0, c = 0; k < dims[2]; k++) {
    for (let j = 0; j < dims[1]; j++) {
      for (let i = 0; i < dims[0]; i++, c++) {
        if (!bounded[c]) continue;
        kept++;
        if (Math.hypot(i * 1.25 - centre[0], j * 1.25 - centre[1], k * 1.25 - centre[2]) > 53) liver++;
      }
    }
  }
  assert.ok(Math.abs(kept - heartVoxels) <= 0.1 * heartVoxels, `${kept} voxels kept for a heart of ${heartVoxels}`);
  assert.ok(liver <= 0.02 * heartVoxels, `${liver} liver voxels kept`);
});
