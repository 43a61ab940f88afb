import { test } from 'node:test';
import assert from 'node:assert/strict';
import { axialStack } from './axial-stack.js';
import { ellipseAmplitude, fitOutline, lumenWindow, measureSection } from './aorta-section.measurer.js';
import { syntheticScene } from './synthetic-scene.fixture.js';

const vertical = { direction: [0, 0, 1] as [number, number, number] };

test('fitOutline: a circle seen from off its centre, with a quarter of the rays leaking into a neighbour, keeps its own radius and centre', () => {
  const rays = 72;
  const radii = new Float64Array(rays);
  for (let r = 0; r < rays; r++) {
    const t = (2 * Math.PI * r) / rays;
    // circle of radius 12 whose centre lies 2 mm along the first basis vector from the rays' origin
    const along = 2 * Math.cos(t);
    radii[r] = along + Math.sqrt(144 - 4 + along * along);
    if (r >= 10 && r < 28) radii[r] += 9; // the neighbour's far edge
  }
  const outline = fitOutline(radii, 11)!;
  assert.ok(Math.abs(outline.radius - 12) < 0.1, `radius ${outline.radius}`);
  assert.ok(Math.abs(outline.offset[0] - 2) < 0.15 && Math.abs(outline.offset[1]) < 0.15, `offset ${outline.offset}`);
  assert.equal(outline.onOutline.length, 72 - 18);
});

test('ellipseAmplitude: half the difference of the largest and smallest diameter from opposite chords; 0 when the chords leave the axes unknown', () => {
  const rays = 72;
  const radii = new Float64Array(rays);
  for (let r = 0; r < rays; r++) {
    const t = (2 * Math.PI * r) / rays;
    radii[r] = 1 / Math.hypot(Math.cos(t) / 13, Math.sin(t) / 11); // ellipse, diameters 26 and 22
  }
  const all = Array.from({ length: rays }, (_, r) => r);
  assert.ok(Math.abs(ellipseAmplitude(radii, all) - 2) < 0.3, `${ellipseAmplitude(radii, all)}`);
  // one side hidden over 90 degrees: its chords are missing in both directions
  assert.equal(ellipseAmplitude(radii, all.filter((r) => r < 18 || r >= 36)), 0);
});

test('measureSection: an unenhanced 24 mm lumen touching a neighbour of its own attenuation reads 24 mm (the neighbour does not widen it)', () => {
  const volume = syntheticScene({
    dimensions: [96, 96, 5],
    spacing: [0.8, 0.8, 2],
    noiseHu: 15,
    tubes: [
      { at: [0, 0, 0], ...vertical, radiusMm: 12, hu: 40 },
      // the oesophagus or the pulmonary artery, no fat plane between
      { at: [19, 6, 0], ...vertical, radiusMm: 8, hu: 40 },
    ],
  });
  // started off-centre, as a coarse distance-map peak would be
  const section = measureSection(axialStack(volume), [3, -2, 0], [0, 0, 1], 10, lumenWindow(40))!;
  assert.ok(section, 'measured');
  assert.ok(Math.abs(section.maxDiameterMm - 24) <= 0.8, `max ${section.maxDiameterMm}`);
  assert.ok(Math.hypot(section.center[0], section.center[1]) < 0.7, `centre ${section.center}`);
  assert.ok(section.edgeFraction < 0.95 && section.edgeFraction >= 0.6, `edge fraction ${section.edgeFraction}`);
});

test('measureSection: a tube cut perpendicular to its oblique axis reads its diameter, and a disc of marrow walled by cortex shows bone all round', () => {
  const oblique = syntheticScene({ dimensions: [96, 96, 21], spacing: [0.8, 0.8, 1], tubes: [{ at: [0, 0, 0], direction: [0.35, 0, 1], radiusMm: 14, hu: 300 }] });
  const axis = [0.35 / Math.hypot(0.35, 1), 0, 1 / Math.hypot(0.35, 1)] as [number, number, number];
  const section = measureSection(axialStack(oblique), [0, 0, 0], axis, 14, lumenWindow(300))!;
  assert.ok(Math.abs(section.maxDiameterMm - 28) <= 0.8, `max ${section.maxDiameterMm}`);
  assert.ok(section.boneRimFraction === 0);
  const vertebra = syntheticScene({ dimensions: [96, 96, 5], spacing: [0.8, 0.8, 2], tubes: [{ at: [0, 0, 0], ...vertical, radiusMm: 16, hu: 900 }, { at: [0, 0, 0], ...vertical, radiusMm: 14, hu: 200 }] });
  const marrow = measureSection(axialStack(vertebra), [0, 0, 0], [0, 0, 1], 13, lumenWindow(200))!;
  assert.ok(marrow.boneRimFraction > 0.9, `bone rim ${marrow.boneRimFraction}`);
});
