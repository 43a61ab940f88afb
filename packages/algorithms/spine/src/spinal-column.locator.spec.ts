import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRingSearch } from './vertebral-ring.search.js';
import { locateColumn } from './spinal-column.locator.js';
import { vertebralColumnFixture } from './vertebral-column.fixture.js';

test('locateColumn: finds a drawn column within 1.5 of its 3 mm search steps of its centre, osteoporotic bone with a dense cortex included', () => {
  for (const trabecularHu of [90, 220]) {
    const { volume, centre } = vertebralColumnFixture({ bodies: [{ heightMm: 22 }, { heightMm: 22 }, { heightMm: 22 }], sliceMm: 2, trabecularHu });
    const column = locateColumn(volume, createRingSearch(volume));
    assert.ok(column, `${trabecularHu} HU: column found`);
    assert.ok(Math.hypot(column.ci - centre.ci, column.cj - centre.cj) <= 4.5, `${trabecularHu} HU: (${column.ci}, ${column.cj}) vs (${centre.ci}, ${centre.cj})`);
  }
});

test('locateColumn: no column in a volume without bone', () => {
  const { volume } = vertebralColumnFixture({ bodies: [{ heightMm: 22 }, { heightMm: 22 }], sliceMm: 2, trabecularHu: 150 });
  volume.voxels.fill(40);
  assert.equal(locateColumn(volume, createRingSearch(volume)), undefined);
});
