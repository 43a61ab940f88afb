import { test } from 'node:test';
import assert from 'node:assert/strict';
import { axialStack, sliceZ } from './axial-stack.js';
import { lumenWindow } from './aorta-section.measurer.js';
import { measureLimb } from './aorta-limb.measurer.js';
import type { RoundCandidate } from './round-structure.detector.js';
import { syntheticScene, type Tube } from './synthetic-scene.fixture.js';

/** an unenhanced 25 mm descending aorta leaning 11 degrees, with the oesophagus touching it */
const aorta: Tube = { at: [0, 0, 0], direction: [0.2, 0, 1], radiusMm: 12.5, hu: 40 };
const oesophagus: Tube = { at: [-19, 6, 0], direction: [0, 0, 1], radiusMm: 7, hu: 40 };

function limbOf(lungFromX: number | undefined): ReturnType<typeof measureLimb> {
  const stack = axialStack(syntheticScene({ dimensions: [110, 110, 40], spacing: [0.8, 0.8, 2], noiseHu: 15, lungFromX, tubes: [aorta, oesophagus] }));
  // the tracked discs, 1.5 mm off the axis, with an inscribed radius a little short (as from the coarse copy)
  const chain: RoundCandidate[] = Array.from({ length: stack.nz }, (_, k) => ({ k, x: 0.2 * sliceZ(stack, k) + 1.5, y: -1, r: 11 }));
  return measureLimb(stack, stack, 'descending', chain, lumenWindow(40));
}

test('measureLimb: the diameter perpendicular to a leaning unenhanced aorta with a neighbour against its wall is within 1 mm', () => {
  const limb = limbOf(20);
  assert.ok(typeof limb === 'object', String(limb));
  assert.ok(Math.abs(limb.diameterMm - 25) <= 1, `diameter ${limb.diameterMm}`);
  // measured in the plane perpendicular to the axis, not the axial (oblique) cut of 25.5 mm x 25 mm
  assert.ok(Math.abs(limb.at.axis[0] - 0.2 / Math.hypot(0.2, 1)) < 0.05, `axis ${limb.at.axis}`);
});

test('measureLimb: without lung beside it (below the diaphragm) the tube is not measured as thoracic aorta, and says why', () => {
  const limb = limbOf(undefined);
  assert.equal(typeof limb, 'string');
  assert.match(limb as string, /only 0 of 0 cross-sections.*more had no lung beside them \(below the diaphragm/);
});
