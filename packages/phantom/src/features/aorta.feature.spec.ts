import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateChestPhantom, PHANTOM_LABELS, type ChestPhantom, type ChestPhantomOptions } from '../index.js';
import { faceContacts } from './voxel-contact.helper.js';

const grid: Partial<ChestPhantomOptions> = { dimensions: [180, 180, 90], spacing: [1.8, 1.8, 2.5], noiseSd: 5 };
const isBone = (l: number): boolean => l === PHANTOM_LABELS.vertebra || l === PHANTOM_LABELS.bone;

/** aorta-bone voxel faces below the carina, where only the descending limb meets the spine */
function descendingOnSpine(phantom: ChestPhantom): number {
  const { geometry } = phantom.volume;
  const [nx, ny] = geometry.dimensions;
  const carinaK = (phantom.truth.carina[2] - geometry.origin[2]) / (geometry.spacing[2] * geometry.direction[2][2]);
  const labels = phantom.labels.labels;
  const below = (p: number): boolean => Math.floor(p / (nx * ny)) < carinaK;
  return faceContacts(phantom.volume, (p) => below(p) && labels[p] === PHANTOM_LABELS.aorta, (p) => below(p) && isBone(labels[p]));
}

test('the descending aorta lies on the vertebral body (no lung or fat between) on most seeds, unless a gap is asked for', () => {
  for (const seed of [3, 14]) {
    const phantom = generateChestPhantom({ seed, ...grid, aorta: { spineGapMm: 0 } });
    assert.equal(phantom.truth.aorta.spineGapMm, 0);
    const touching = descendingOnSpine(phantom);
    assert.ok(touching > 40, `seed ${seed}: ${touching} aorta-bone voxel faces`);
  }
  assert.equal(descendingOnSpine(generateChestPhantom({ seed: 3, ...grid, aorta: { spineGapMm: 4 } })), 0);
});

test('drawn from the seed: the aorta lies on the spine on most seeds, aneurysms of both limbs on some', () => {
  const aortas = Array.from({ length: 30 }, (_, n) => generateChestPhantom({ seed: 21 + n, dimensions: [64, 64, 30], spacing: [5, 5, 8] }).truth.aorta);
  const gaps = aortas.map((a) => a.spineGapMm);
  assert.ok(gaps.filter((g) => g === 0).length >= 20, `gaps ${gaps}`);
  const segments = new Set(aortas.map((a) => a.aneurysm?.segment ?? 'none'));
  assert.deepEqual([...segments].sort(), ['ascending', 'descending', 'none']);
  for (const a of aortas.filter((x) => x.aneurysm)) {
    const [lo, hi] = a.aneurysm!.segment === 'ascending' ? [40, 60] : [35, 55];
    assert.ok(a.aneurysm!.maxDiameterMm >= lo && a.aneurysm!.maxDiameterMm <= hi);
  }
});

test('aneurysms: the drawn maximum is the truth, a descending one grows away from the spine and keeps touching it', () => {
  const phantom = generateChestPhantom({ seed: 5, ...grid, aorta: { spineGapMm: 0, aneurysm: { segment: 'descending', maxDiameterMm: 50, position: 0.3 } } });
  const { aorta } = phantom.truth;
  assert.equal(aorta.descendingDiameterMm, 50);
  assert.deepEqual(aorta.aneurysm, { segment: 'descending', maxDiameterMm: 50, lengthMm: 40 });
  // the widest cross-section, counted on the axial slice through the aneurysm centre: about pi 25^2 mm2
  const { geometry } = phantom.volume;
  const [nx, ny] = geometry.dimensions;
  const [sx, sy] = geometry.spacing;
  const k = Math.round((aorta.aneurysmCenter![2] - geometry.origin[2]) / geometry.spacing[2]);
  const labels = phantom.labels.labels;
  const [cx, cy] = aorta.aneurysmCenter!;
  let area = 0;
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) {
      // the descending limb only (the ascending aorta crosses the same slice)
      const x = geometry.origin[0] + i * sx * geometry.direction[0][0];
      const y = geometry.origin[1] + j * sy;
      if (labels[i + j * nx + k * nx * ny] === PHANTOM_LABELS.aorta && Math.hypot(x - cx, y - cy) < 35) area += sx * sy;
    }
  }
  assert.ok(Math.abs(area - Math.PI * 25 * 25) < 0.1 * Math.PI * 25 * 25, `aneurysm slice ${area.toFixed(0)} mm2`);
  // within 10 mm of the widest slice (one of them may hold a disc, which is not bone)
  const slice = (p: number): boolean => Math.abs(Math.floor(p / (nx * ny)) - k) * geometry.spacing[2] <= 10;
  assert.ok(faceContacts(phantom.volume, (p) => slice(p) && labels[p] === PHANTOM_LABELS.aorta, (p) => slice(p) && isBone(labels[p])) > 0, 'the aneurysm still lies on the spine');
  assert.equal(generateChestPhantom({ seed: 5, ...grid, aorta: { aneurysm: false } }).truth.aorta.aneurysm, undefined);
});

test('unenhanced blood has the attenuation of myocardium; contrast enhances the lumen', () => {
  for (const contrast of [false, true]) {
    const phantom = generateChestPhantom({ seed: 9, ...grid, contrast, aorta: { aneurysm: false } });
    const labels = phantom.labels.labels;
    const hu: number[] = [];
    labels.forEach((l, p) => {
      if (l === PHANTOM_LABELS.aorta) hu.push(phantom.volume.voxels[p]);
    });
    hu.sort((a, b) => a - b);
    const median = hu[hu.length >> 1];
    const { aorta, heart } = phantom.truth;
    assert.ok(Math.abs(median - aorta.bloodHu) < 3, `median ${median} vs class ${aorta.bloodHu}`);
    if (contrast) assert.ok(aorta.bloodHu >= 200 && aorta.bloodHu <= 450, `${aorta.bloodHu}`);
    else {
      assert.ok(aorta.bloodHu >= 35 && aorta.bloodHu <= 50, `${aorta.bloodHu}`);
      assert.ok(Math.abs(heart.myocardiumHu - aorta.bloodHu) <= 8, `myocardium ${heart.myocardiumHu} vs blood ${aorta.bloodHu}`);
    }
  }
});
