import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRingSearch } from './vertebral-ring.search.js';
import { locateColumn } from './spinal-column.locator.js';
import { bodySlices } from './body-slices.tracer.js';
import { vertebralColumnFixture } from './vertebral-column.fixture.js';

test('bodySlices: slices through the bodies are body or endplate slices, slices through the discs are gaps', () => {
  const sliceMm = 1.25;
  const fixture = vertebralColumnFixture({ bodies: [{ heightMm: 20 }, { heightMm: 22 }, { heightMm: 24 }], sliceMm, trabecularHu: 160, discMm: 6 });
  const { volume } = fixture;
  const search = createRingSearch(volume);
  const { bodies, sliceKinds } = bodySlices(volume, search, locateColumn(volume, search)!);
  const zOf = (k: number): number => (k + 0.5) * sliceMm;
  for (const [n, b] of fixture.bodies.entries()) {
    const inside = sliceKinds.filter((_, k) => zOf(k) > b.bottomMm + 3 && zOf(k) < b.topMm - 3);
    assert.ok(inside.every((kind) => kind !== 'gap'), `body ${n}: ${inside.join(',')}`);
    const disc = sliceKinds.filter((_, k) => zOf(k) > b.topMm + 1.5 && zOf(k) < b.topMm + 4.5);
    if (n < fixture.bodies.length - 1) assert.ok(disc.every((kind) => kind === 'gap'), `disc above body ${n}: ${disc.join(',')}`);
  }
  // each body slice's outline lies within ~2 mm of the drawn 16 x 14 mm body (a thin cortex is found where the bone gives way to soft tissue)
  for (const b of bodies.filter((x) => x !== undefined)) {
    assert.ok(Math.abs(b.left - 16) <= 2 && Math.abs(b.right - 16) <= 2 && Math.abs(b.anterior - 14) <= 2, JSON.stringify(b));
  }
});
