import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRingSearch } from './vertebral-ring.search.js';
import { locateColumn } from './spinal-column.locator.js';
import { bodySlices, type SliceBody } from './body-slices.tracer.js';
import { vertebralRuns } from './vertebral-runs.segmenter.js';
import { endplateCentres, vertebralHeights } from './vertebral-heights.measure.js';
import { vertebralColumnFixture, type FixtureBody } from './vertebral-column.fixture.js';

test('endplateCentres: a bright plate on each side, or the drop into a darker disc; undefined when a side shows neither', () => {
  // inside 150 HU, plates at indices 2 and 9, discs of 80 beyond
  const profile = [80, 80, 400, 150, 150, 150, 150, 150, 150, 400, 80, 80];
  assert.deepEqual(endplateCentres(profile, 5, 150, 1, 5), { lower: 2, upper: 9 });
  // a plate split over two thick slices keeps its centroid between them
  const split = [80, 250, 250, 150, 150, 150, 150, 150, 150, 150, 80, 80];
  assert.equal(endplateCentres(split, 5, 150, 2, 5)!.lower, 1.5);
  // no plate above the bone, but a drop into the disc: the surface half-way down, less half a 1 mm plate
  const dropOnly = [80, 80, 150, 150, 150, 150, 150, 150, 80, 80];
  const d = endplateCentres(dropOnly, 4, 150, 1, 5)!;
  assert.equal(d.upper, 7.5 - 0.5);
  // a noisy line needs a plate of five noise SDs: 100 HU over the bone is not enough at SD 30
  assert.equal(endplateCentres([80, 250, 150, 150, 150, 150, 150, 150, 250, 80], 4, 150, 1, 30), undefined);
  // osteoporotic bone as dark as the disc, no plate: not resolved
  assert.equal(endplateCentres([80, 82, 78, 80, 81, 79, 80, 80], 4, 80, 1, 5), undefined);
});

function heightsOf(bodies: FixtureBody[], sliceMm: number, trabecularHu: number): { anterior: number; middle: number; posterior: number; reliable: boolean }[] {
  const { volume } = vertebralColumnFixture({ bodies, sliceMm, trabecularHu, noiseHu: 10 });
  const search = createRingSearch(volume);
  const traced = bodySlices(volume, search, locateColumn(volume, search)!);
  const runs = vertebralRuns(traced.bodies, traced.sliceKinds, sliceMm);
  return runs.map(([k0, k1], r) => {
    const ref = traced.bodies.slice(k0, k1 + 1).filter((b): b is SliceBody => b !== undefined);
    const h = vertebralHeights(volume, traced.bodies, runs, r, ref, trabecularHu);
    return { ...h.heightsMm, reliable: h.heightsReliable };
  });
}

for (const sliceMm of [1.25, 3]) {
  for (const trabecularHu of [90, 230]) {
    test(`vertebralHeights at ${sliceMm} mm slices, ${trabecularHu} HU bone: heights within 1.5 mm of the drawn ones, a 35 % wedge shows at the front only`, () => {
      const drawn: FixtureBody[] = [{ heightMm: 21 }, { heightMm: 23, wedgePercent: 35 }, { heightMm: 24 }];
      const measured = heightsOf(drawn, sliceMm, trabecularHu);
      assert.equal(measured.length, 3);
      measured.forEach((h, n) => {
        assert.ok(h.reliable, `body ${n}: ${JSON.stringify(h)}`);
        assert.ok(Math.abs(h.posterior - drawn[n].heightMm) <= 1.5, `body ${n} posterior ${h.posterior} vs ${drawn[n].heightMm}`);
        const front = drawn[n].heightMm * (1 - (drawn[n].wedgePercent ?? 0) / 100);
        assert.ok(Math.abs(h.anterior - front) <= 1.5, `body ${n} anterior ${h.anterior} vs ${front}`);
      });
    });
  }
}
