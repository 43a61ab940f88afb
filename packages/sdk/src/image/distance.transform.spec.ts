import { test } from 'node:test';
import assert from 'node:assert/strict';
import { squaredDistanceTransform } from './distance.transform.js';

test('the squared distance transform equals brute force on an anisotropic grid', () => {
  const dims = [9, 7, 5];
  const spacing = [0.7, 1.1, 2.5];
  const n = dims[0] * dims[1] * dims[2];
  let seed = 7;
  const feature = new Uint8Array(n).map(() => ((seed = (seed * 48271) % 2147483647) % 11 === 0 ? 1 : 0));
  const d2 = squaredDistanceTransform(feature, dims, spacing);
  const coords = (p: number) => [p % dims[0], Math.floor(p / dims[0]) % dims[1], Math.floor(p / (dims[0] * dims[1]))];
  for (let p = 0; p < n; p++) {
    let best = Infinity;
    for (let q = 0; q < n; q++) {
      if (!feature[q]) continue;
      const [a, b] = [coords(p), coords(q)];
      best = Math.min(best, ((a[0] - b[0]) * spacing[0]) ** 2 + ((a[1] - b[1]) * spacing[1]) ** 2 + ((a[2] - b[2]) * spacing[2]) ** 2);
    }
    assert.ok(Math.abs(d2[p] - best) < 1e-3, `voxel ${p}: ${d2[p]} vs ${best}`);
  }
});

test('without any source every distance is "far"', () => {
  const d2 = squaredDistanceTransform(new Uint8Array(8), [2, 2, 2], [1, 1, 1]);
  assert.ok(d2.every((v) => v >= 1e20));
});
