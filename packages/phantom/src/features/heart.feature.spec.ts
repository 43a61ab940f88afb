import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateChestPhantom, PHANTOM_LABELS, type ChestPhantom, type ChestPhantomOptions } from '../index.js';
import { acquireCt } from '../ct-acquisition.js';
import { SeededRandom } from '../seeded-random.js';
import { agatstonOfImage, agatstonWeight } from './heart.feature.js';

const grid: Partial<ChestPhantomOptions> = { dimensions: [180, 180, 90], spacing: [1.8, 1.8, 2.5] };

/** z (LPS) range of the heart label */
function heartZRange(phantom: ChestPhantom): [number, number] {
  const { geometry } = phantom.volume;
  const [nx, ny, nz] = geometry.dimensions;
  const z: number[] = [];
  for (let k = 0; k < nz; k++) {
    const slice = phantom.labels.labels.subarray(k * nx * ny, (k + 1) * nx * ny);
    if (slice.includes(PHANTOM_LABELS.heart)) z.push(geometry.origin[2] + k * geometry.spacing[2] * geometry.direction[2][2]);
  }
  return [Math.min(...z), Math.max(...z)];
}

/**
 * Agatston score recounted from a noise-free image (Agatston 1990, 3 mm normalised like the truth): per
 * slice, 8-connected components of voxels >= 130 HU among those that differ from `without`, the same
 * case generated without the calcium in question (options never shift the rest of the anatomy).
 */
function imageAgatston(phantom: ChestPhantom, without: ChestPhantom): number {
  const { geometry } = phantom.volume;
  const [nx, ny, nz] = geometry.dimensions;
  const [sx, sy, sz] = geometry.spacing;
  const hu = phantom.volume.voxels;
  const inSet = (p: number): boolean => hu[p] >= 130 && hu[p] !== without.volume.voxels[p];
  let sum = 0;
  const seen = new Uint8Array(nx * ny * nz);
  for (let p0 = 0; p0 < hu.length; p0++) {
    if (seen[p0] || !inSet(p0)) continue;
    const k = Math.floor(p0 / (nx * ny));
    const stack = [p0];
    seen[p0] = 1;
    let area = 0;
    let peak = -Infinity;
    while (stack.length) {
      const p = stack.pop()!;
      area++;
      peak = Math.max(peak, hu[p]);
      const i = p % nx;
      const j = Math.floor(p / nx) % ny;
      for (let dj = -1; dj <= 1; dj++) {
        for (let di = -1; di <= 1; di++) {
          if (i + di < 0 || j + dj < 0 || i + di >= nx || j + dj >= ny) continue;
          const q = i + di + (j + dj) * nx + k * nx * ny;
          if (!seen[q] && inSet(q)) {
            seen[q] = 1;
            stack.push(q);
          }
        }
      }
    }
    if (area * sx * sy >= 1) sum += area * sx * sy * agatstonWeight(peak);
  }
  return (sum * sz) / 3;
}

test('the truth score is read at the image slice thickness: sub-slices averaged (partial volume), then Agatston 1990', () => {
  // 4 x 4 pixels of 1 mm2, two image slices of three 1 mm sub-slices; class 0 fat, 1 and 2 calcium
  const tissue = new Uint8Array(4 * 4 * 6);
  const at = (i: number, j: number, m: number): number => i + 4 * j + 16 * m;
  for (const m of [0, 1]) for (const j of [1, 2]) for (const i of [1, 2]) tissue[at(i, j, m)] = 1; // 600 HU in 2 of 3 sub-slices
  for (const j of [1, 2]) for (const i of [1, 2]) tissue[at(i, j, 4)] = 2; // 300 HU in 1 of 3 sub-slices
  const calcium = Uint8Array.from([0, 1, 1]);
  const scan = (slices: number, zSupersampling: number) =>
    acquireCt({ tissue, dimensions: [4, 4, slices], zSupersampling, classHu: [-100, 600, 300], classLabel: [4, 10, 10], noiseSd: 0, kernel: 'standard', rng: new SeededRandom(1) }).image;
  // slice 0: mean (600 + 600 - 100) / 3 = 367 HU -> weight 3 over 4 mm2; slice 1: (300 - 200) / 3 = 33 HU, below 130
  assert.equal(agatstonOfImage(scan(2, 3), [1, 1, 3], calcium), (4 * 3 * 3) / 3);
  // read at 1 mm (no averaging): 4 mm2 x 4 twice, 4 mm2 x 3 once
  assert.equal(agatstonOfImage(scan(6, 1), [1, 1, 1], calcium), (16 + 16 + 12) / 3);
});

const noCalcium = { coronaryLesions: [], aorticCalcium: false, aorticValveCalcium: false, mitralAnnulusCalcium: false };

test('calcium at heart level that is not coronary (aortic root wall, aortic valve, mitral annulus) is drawn and kept out of the score', () => {
  const options: ChestPhantomOptions = { seed: 12, ...grid, noiseSd: 0 };
  const phantom = generateChestPhantom({ ...options, heart: { coronaryLesions: [], aorticCalcium: true, aorticValveCalcium: true, mitralAnnulusCalcium: true } });
  const { heart } = phantom.truth;
  assert.equal(heart.agatston, 0);
  assert.equal(heart.cacDrs, '0');
  assert.deepEqual([...new Set(heart.nonCoronaryCalcium.lesions.map((l) => l.artery))].sort(), ['aorta', 'aortic-valve', 'mitral-annulus']);
  const [zLow, zHigh] = heartZRange(phantom);
  for (const lesion of heart.nonCoronaryCalcium.lesions) {
    assert.ok(lesion.center[2] >= zLow && lesion.center[2] <= zHigh, `${lesion.artery} at z ${lesion.center[2].toFixed(1)}, heart ${zLow}..${zHigh}`);
  }
  assert.ok(heart.nonCoronaryCalcium.agatston > 20, `would add ${heart.nonCoronaryCalcium.agatston}`);
  assert.ok(heart.aorticCalcium && heart.aorticCalcium.agatston > 0 && heart.aorticCalcium.agatston <= heart.nonCoronaryCalcium.agatston);
  // the image agrees: nothing in the coronary label, the would-be score where the non-coronary calcium changed the image
  assert.ok(!phantom.labels.labels.includes(PHANTOM_LABELS.calcium));
  const all = imageAgatston(phantom, generateChestPhantom({ ...options, heart: noCalcium }));
  assert.ok(Math.abs(all - heart.nonCoronaryCalcium.agatston) < 1e-6, `image ${all} vs truth ${heart.nonCoronaryCalcium.agatston}`);
});

test('coronary calcium in each artery: the truth score is the image score of the coronary lesions alone, sharp kernel included', () => {
  // a sharp kernel raises the calcium's edges and spreads it a pixel: the truth is what the image shows
  const options: ChestPhantomOptions = { seed: 13, ...grid, noiseSd: 0, kernel: 'sharp' };
  const others = { aorticCalcium: true, aorticValveCalcium: false, mitralAnnulusCalcium: true, coronaryOffsetMm: 5 };
  const phantom = generateChestPhantom({
    ...options,
    heart: {
      ...others,
      coronaryLesions: [
        { artery: 'LM', hu: 450, radiusMm: 2.5 },
        { artery: 'LAD', hu: 160, radiusMm: 3.5 },
        { artery: 'LCX', hu: 700, radiusMm: 1.8 },
        { artery: 'RCA', hu: 260, radiusMm: 3 },
      ],
    },
  });
  const { heart } = phantom.truth;
  assert.deepEqual(heart.lesions.map((l) => l.artery), ['LM', 'LAD', 'LCX', 'RCA']);
  assert.ok(heart.lesions.every((l) => l.voxelCount > 0));
  // lesions from 1.5 mm radius have a less dense rim around their peak
  assert.ok(heart.lesions.filter((l) => l.rimHu !== undefined).every((l) => l.rimHu! < l.hu && l.rimHu! >= 155));
  const coronary = imageAgatston(phantom, generateChestPhantom({ ...options, heart: { ...others, coronaryLesions: [] } }));
  assert.ok(heart.agatston > 0 && Math.abs(coronary - heart.agatston) < 1e-6, `image ${coronary} vs truth ${heart.agatston}`);
  const all = imageAgatston(phantom, generateChestPhantom({ ...options, heart: { ...noCalcium, coronaryOffsetMm: 5 } }));
  assert.ok(Math.abs(all - heart.agatston - heart.nonCoronaryCalcium.agatston) < 1e-6, `image ${all} vs truth ${heart.agatston} + ${heart.nonCoronaryCalcium.agatston}`);
});

test('the epicardial fat is patchy: much of the heart surface touches lung or other tissue directly', () => {
  const phantom = generateChestPhantom({ seed: 4, ...grid, noiseSd: 0, heart: { epicardialFatMm: 6 } });
  const { heart } = phantom.truth;
  assert.ok(heart.fatCoveredSurface > 0.1 && heart.fatCoveredSurface < 0.85, `fat covers ${heart.fatCoveredSurface}`);
  const { labels } = phantom.labels;
  const [nx, ny] = phantom.volume.geometry.dimensions;
  let heartOnLung = 0;
  labels.forEach((l, p) => {
    if (l !== PHANTOM_LABELS.heart) return;
    for (const q of [p + 1, p - 1, p + nx, p - nx, p + nx * ny, p - nx * ny]) {
      if (labels[q] === PHANTOM_LABELS.lungLeft || labels[q] === PHANTOM_LABELS.lungRight) heartOnLung++;
    }
  });
  assert.ok(heartOnLung > 50, `${heartOnLung} heart-lung faces`);
  const none = generateChestPhantom({ seed: 4, ...grid, heart: { epicardialFatMm: 0, coronaryLesions: [] } }).truth.heart;
  assert.ok(none.fatCoveredSurface < heart.fatCoveredSurface, 'without epicardial fat only the coronary grooves hold fat');
});

test('heart size from normal to enlarged: the volume is that of the image label map, near the size asked for', () => {
  const volumes = [500, 1200].map((volumeMl) => {
    const phantom = generateChestPhantom({ seed: 15, ...grid, heart: { volumeMl } });
    const [sx, sy, sz] = phantom.volume.geometry.spacing;
    let count = 0;
    phantom.labels.labels.forEach((l) => {
      if (l === PHANTOM_LABELS.heart) count++;
    });
    assert.ok(Math.abs(phantom.truth.heart.volumeMl - (count * sx * sy * sz) / 1000) < 1e-6);
    assert.ok(Math.abs(phantom.truth.heart.volumeMl - volumeMl) < 0.12 * volumeMl, `${phantom.truth.heart.volumeMl} mL for ${volumeMl}`);
    return phantom.truth.heart.volumeMl;
  });
  assert.ok(volumes[1] > 2 * volumes[0]);
});

test('contrast: the chambers enhance (left and right as drawn); without contrast blood and myocardium match', () => {
  const enhanced = generateChestPhantom({ seed: 16, ...grid, noiseSd: 0, contrast: true, blood: { arterialHu: 380, venousHu: 260 } });
  const values = new Map<number, number>();
  enhanced.labels.labels.forEach((l, p) => {
    if (l === PHANTOM_LABELS.heart) values.set(enhanced.volume.voxels[p], (values.get(enhanced.volume.voxels[p]) ?? 0) + 1);
  });
  assert.ok((values.get(380) ?? 0) > 1000 && (values.get(260) ?? 0) > 1000, 'left and right blood pools');
  assert.ok(enhanced.truth.heart.myocardiumHu >= 90 && enhanced.truth.heart.myocardiumHu <= 130);
  const plain = generateChestPhantom({ seed: 16, ...grid, noiseSd: 0 }).truth.heart;
  assert.equal(plain.bloodHu.left, plain.bloodHu.right);
  assert.ok(Math.abs(plain.myocardiumHu - plain.bloodHu.left) <= 8);
});

test('the same anatomy and truth whatever the array order (feet first, mirrored rows)', () => {
  const a = generateChestPhantom({ seed: 5 }).truth;
  const b = generateChestPhantom({ seed: 5, feetFirst: true, flipX: true }).truth;
  assert.deepEqual([b.heart.volumeMl, b.heart.agatston, b.heart.nonCoronaryCalcium.agatston, b.heart.fatCoveredSurface], [a.heart.volumeMl, a.heart.agatston, a.heart.nonCoronaryCalcium.agatston, a.heart.fatCoveredSurface]);
  assert.deepEqual([b.mediastinum.fatMeanHu, b.mediastinum.oesophagus.voxelCount], [a.mediastinum.fatMeanHu, a.mediastinum.oesophagus.voxelCount]);
});

test('drawn from the seed: some seeds have no coronary calcium, others calcium in several arteries, many non-coronary calcium', () => {
  const hearts = Array.from({ length: 12 }, (_, n) => generateChestPhantom({ seed: 300 + n, dimensions: [96, 96, 50], spacing: [3.2, 3.2, 4] }).truth.heart);
  assert.ok(hearts.some((h) => h.lesions.length === 0), 'a seed with CAC 0');
  assert.ok(hearts.some((h) => new Set(h.lesions.map((l) => l.artery)).size >= 2), 'a seed with calcium in two arteries');
  assert.ok(hearts.filter((h) => h.nonCoronaryCalcium.lesions.length > 0).length >= 4, 'non-coronary calcium on many seeds');
  assert.ok(new Set(hearts.map((h) => Math.round(h.volumeMl / 100))).size >= 4, 'heart sizes vary');
});
