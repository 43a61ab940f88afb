import { test } from 'node:test';
import assert from 'node:assert/strict';
import { patientToVoxel } from '@polyrad/sdk';
import { generateChestPhantom, genantGradeOf, PHANTOM_LABELS, type VertebralFractureShape } from '../index.js';

const base = { dimensions: [150, 130, 0] as [number, number, number], heart: { coronaryLesions: [], aorticCalcium: false } };

for (const [shape, heightLossPercent, sliceMm] of [
  ['wedge', 32, 3],
  ['biconcave', 50, 1.25],
  ['crush', 33, 5],
  ['wedge', 55, 5],
] as [VertebralFractureShape, number, number][]) {
  test(`a ${heightLossPercent} % ${shape} fracture at ${sliceMm} mm slices: its grade follows from the counted heights`, () => {
    const phantom = generateChestPhantom({
      ...base,
      seed: 41,
      dimensions: [150, 130, Math.round(300 / sliceMm)],
      spacing: [2, 2, sliceMm],
      spine: { fracture: { heightLossPercent, shape } },
    });
    const { vertebrae, fractured } = phantom.truth.spine;
    const broken = vertebrae[fractured!];
    assert.equal(broken.fracture, shape);
    assert.ok(broken.complete);
    // endplates sit on sub-slice boundaries: the counted loss is the requested one to within half a
    // sub-slice of a >= 17 mm reference height
    const subSlice = sliceMm / phantom.truth.acquisition.zSupersampling;
    const tolerance = (100 * subSlice) / 2 / 17;
    assert.ok(Math.abs(broken.heightLossPercent - heightLossPercent) <= tolerance, `${broken.heightLossPercent} % counted for ${heightLossPercent} %`);
    assert.equal(broken.genantGrade, genantGradeOf(heightLossPercent));
    const { anterior, middle, posterior } = broken.heightsMm;
    if (shape === 'wedge') assert.ok(anterior < middle && middle < posterior);
    if (shape === 'biconcave') assert.ok(middle < anterior && Math.abs(anterior - posterior) < 1.5);
    if (shape === 'crush') assert.ok(Math.abs(anterior - posterior) < 1.5 && posterior < 0.8 * vertebrae[fractured! - 1].heightsMm.posterior);
    // every body's truth is its formula applied to its counted heights, and nothing else is graded
    for (const v of vertebrae) {
      assert.equal(v.genantGrade, genantGradeOf(v.heightLossPercent));
      if (v.index !== fractured) assert.equal(v.genantGrade, 0, `${v.level}: ${v.heightLossPercent} %`);
    }
  });
}

test('thoracic bodies grow caudally from ~18 to ~26 mm; bodies are wider than deep with posterior elements behind', () => {
  const phantom = generateChestPhantom({ ...base, seed: 42, dimensions: [200, 180, 300], spacing: [1.6, 1.6, 1], spine: { fracture: false } });
  const complete = phantom.truth.spine.vertebrae.filter((v) => v.complete);
  assert.ok(complete.length >= 8, `${complete.length} complete bodies`);
  for (const v of complete) assert.ok(v.heightsMm.posterior > 16 && v.heightsMm.posterior < 28, `${v.level} ${v.heightsMm.posterior} mm`);
  assert.ok(complete.at(-1)!.heightsMm.posterior - complete[0].heightsMm.posterior > 0.5 * (complete.length - 1), 'heights grow');
  assert.ok(complete.every((v) => v.level.startsWith('T') || v.level.startsWith('L')));
  // on the mid-body slice: vertebra label wider (x) than deep (y), bone (arch) behind it
  const { geometry, labels } = phantom.labels;
  const [nx, ny] = geometry.dimensions;
  const mid = complete[Math.floor(complete.length / 2)];
  const [ci, cj, ck] = patientToVoxel(geometry, mid.center).map(Math.round);
  const run = (step: number, limit: number): number => {
    let n = 0;
    for (let s = -limit; s <= limit; s++) if (labels[ci + cj * nx + ck * nx * ny + s * step] === PHANTOM_LABELS.vertebra) n++;
    return n;
  };
  const width = run(1, 40);
  const depth = run(nx, 40); // 1.6 mm pixels: a ~36 x 32 mm body
  assert.ok(width > depth && depth > 15, `width ${width}, depth ${depth} pixels`);
  let arch = 0;
  for (let j = cj; j < ny; j++) if (labels[ci + j * nx + ck * nx * ny] === PHANTOM_LABELS.bone) arch++;
  assert.ok(arch > 0, 'lamina or spinous process behind the body');
  assert.ok(phantom.truth.spine.corticalHu >= 400 && phantom.truth.spine.corticalHu <= 900);
});
