import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateManifest, type AlgorithmFinding, type Vec3, type Volume } from '@polyrad/sdk';
import { generateChestPhantom, type ChestPhantomOptions } from '@polyrad/phantom';
import { groupSeries, loadVolume, scanDicomInputs } from '@polyrad/dicom';
import plugin, { aortaCategory } from './index.js';
import { axialStack, coarseStack, pointAt } from './axial-stack.js';

const context = { log: () => undefined };
const byCode = (findings: AlgorithmFinding[]): Record<string, AlgorithmFinding> => Object.fromEntries(findings.map((f) => [f.code, f]));

async function analyse(volume: Volume): Promise<{ findings: Record<string, AlgorithmFinding>; warnings: string[]; artifactTypes: string[] }> {
  const outputs = await plugin.run({ series: { seriesInstanceUid: '1.2.3', modality: 'CT', volume, fingerprint: {} }, artifacts: {}, config: {} }, context);
  return { findings: byCode(outputs.findings ?? []), warnings: outputs.warnings ?? [], artifactTypes: (outputs.artifacts ?? []).map((a) => a.type) };
}

/** distance from a point to the nearest point of a polyline sampled every ~2 mm */
function distanceToLine(p: Vec3, line: Vec3[]): number {
  return Math.min(...line.map((q) => Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2])));
}

test('category bands: ascending <40 normal, 40-49 dilated, >=50 aneurysm; descending <30, 30-39, >=40', () => {
  assert.deepEqual([39.9, 40, 49.9, 50].map((d) => aortaCategory('ascending', d)), ['normal', 'dilated', 'dilated', 'aneurysm']);
  assert.deepEqual([29.9, 30, 39.9, 40].map((d) => aortaCategory('descending', d)), ['normal', 'dilated', 'dilated', 'aneurysm']);
});

test('manifest validates and declares both diameter findings and the centre-line artifact', () => {
  const manifest = validateManifest(JSON.parse(readFileSync(new URL('../manifest.json', import.meta.url), 'utf8')), 'manifest.json');
  assert.equal(manifest.id, 'polyrad.aorta');
  assert.deepEqual(manifest.findings.map((f) => f.code).sort(), ['aorta.ascending.diameter', 'aorta.descending.diameter']);
  assert.ok(manifest.findings.every((f) => f.unit === 'mm'));
  assert.deepEqual(manifest.produces.map((p) => `${p.type}@${p.version}`), ['polyrad.aorta.centerline@1.0.0']);
});

const cases: { name: string; options: ChestPhantomOptions }[] = [
  { name: 'contrast, rows flipped', options: { seed: 3, contrast: true, flipX: true } },
  { name: 'non-contrast, feet first', options: { seed: 2, feetFirst: true } },
  { name: 'non-contrast, feet first, rows flipped', options: { seed: 4, feetFirst: true, flipX: true } },
];

for (const { name, options } of cases) {
  test(`phantom (${name}): both diameters within 3 mm of the drawn tube, measured on the aorta`, async () => {
    const phantom = generateChestPhantom(options);
    const { findings, warnings, artifactTypes } = await analyse(phantom.volume);
    assert.deepEqual(warnings, []);
    assert.deepEqual(artifactTypes, ['polyrad.aorta.centerline']);
    const truth = phantom.truth.aorta;
    for (const segment of ['ascending', 'descending'] as const) {
      const f = findings[`aorta.${segment}.diameter`];
      assert.ok(f, `${segment} reported`);
      const expected = segment === 'ascending' ? truth.ascendingDiameterMm : truth.descendingDiameterMm;
      assert.ok(Math.abs((f.value as number) - expected) <= 3, `${segment} ${f.value} mm vs ${expected.toFixed(1)} mm`);
      assert.equal(f.unit, 'mm');
      assert.equal(f.category, 'normal');
      assert.ok(f.reference?.source.includes('Erbel'), 'reference cites its guideline');
      assert.ok(distanceToLine(f.center!, truth.centerLine) < 5, `${segment} centre ${f.center} lies on the drawn centre line`);
    }
    // the ascending aorta is anterior and to the right of the descending aorta
    const asc = findings['aorta.ascending.diameter'].center!;
    const desc = findings['aorta.descending.diameter'].center!;
    assert.ok(asc[1] < desc[1] && asc[0] < desc[0], `ascending ${asc} anterior-right of descending ${desc}`);
  });
}

test('a 52 mm ascending aneurysm on a finer grid is measured and categorised as aneurysm', async () => {
  const phantom = generateChestPhantom({
    seed: 11,
    contrast: true,
    dimensions: [200, 200, 90],
    spacing: [1.6, 1.6, 2.5],
    aorta: { aneurysm: { segment: 'ascending', maxDiameterMm: 52 } },
  });
  const { findings } = await analyse(phantom.volume);
  const truth = phantom.truth.aorta;
  const asc = findings['aorta.ascending.diameter'];
  assert.equal(truth.ascendingDiameterMm, 52);
  assert.ok(Math.abs((asc.value as number) - 52) <= 3, `ascending ${asc.value} mm vs 52 mm`);
  assert.equal(asc.category, 'aneurysm');
  const [x, y, z] = truth.aneurysmCenter!;
  assert.ok(Math.hypot(asc.center![0] - x, asc.center![1] - y, asc.center![2] - z) < 15, `maximum at ${asc.center}, aneurysm at ${truth.aneurysmCenter}`);
  const desc = findings['aorta.descending.diameter'];
  assert.ok(Math.abs((desc.value as number) - truth.descendingDiameterMm) <= 3);
  assert.equal(desc.category, 'normal');
});

test('a volume without an aorta reports no diameters and says so', async () => {
  const n = 64 * 64 * 24;
  const voxels = new Int16Array(n).fill(-1000);
  const volume: Volume = {
    geometry: { dimensions: [64, 64, 24], spacing: [2, 2, 2.5], origin: [0, 0, 0], direction: [[1, 0, 0], [0, 1, 0], [0, 0, 1]] },
    voxels,
    unit: 'HU',
  };
  const { findings, warnings } = await analyse(volume);
  assert.deepEqual(findings, {});
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /no thoracic aorta found/);
});

test('thin-slice fine-pixel series are searched on a 2x2x2 block-mean copy that keeps every voxel where it lies', () => {
  // rows flipped and feet first, so signed spacings and the block-centre origin are both exercised
  const [nx, ny, nz] = [9, 8, 8];
  const geometry = { dimensions: [nx, ny, nz] as Vec3, spacing: [0.7, 0.7, 1.25] as Vec3, origin: [20, -30, 50] as Vec3, direction: [[-1, 0, 0], [0, 1, 0], [0, 0, -1]] as [Vec3, Vec3, Vec3] };
  const stack = axialStack({ geometry, voxels: new Float32Array(nx * ny * nz), unit: 'HU' });
  // HU linear in the patient position: a block mean equals the value at the block centre
  const hu = (p: Vec3): number => p[0] + 2 * p[1] + 3 * p[2];
  for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) stack.volume.voxels[i + j * nx + k * nx * ny] = hu(pointAt(stack, i, j, k));
  const coarse = coarseStack(stack);
  assert.deepEqual([coarse.nx, coarse.ny, coarse.nz], [4, 4, 4]);
  for (let k = 0; k < coarse.nz; k++) {
    for (let j = 0; j < coarse.ny; j++) {
      for (let i = 0; i < coarse.nx; i++) {
        const value = coarse.volume.voxels[i + j * coarse.nx + k * coarse.nx * coarse.ny];
        assert.ok(Math.abs(value - hu(pointAt(coarse, i, j, k))) < 1e-3, `block ${i},${j},${k}: ${value}`);
      }
    }
  }
  // 2 mm pixels and 2.5 mm slices are coarse enough already
  const plain = axialStack({ geometry: { ...geometry, spacing: [2, 2, 2.5] }, voxels: new Int16Array(nx * ny * nz), unit: 'HU' });
  assert.equal(coarseStack(plain), plain);
});

// real data: POLYRAD_TEST_DATA, or ../shared/data from the repository root (dist/ is four levels down)
const repositoryRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..');
const lidc = join(resolve(process.env.POLYRAD_TEST_DATA ?? join(repositoryRoot, '../shared/data')), 'ct/lidc-idri-0001');
const lidcSkip = existsSync(lidc) ? false : `real test data not found at ${lidc} (set POLYRAD_TEST_DATA)`;
if (lidcSkip) console.log(`# skipping: ${lidcSkip}`);

test('LIDC-IDRI-0001 (contrast chest CT, feet first): diameters in the normal adult range', { skip: lidcSkip }, async () => {
  const { instances } = await scanDicomInputs([lidc]);
  const [series] = groupSeries(instances);
  const volume = await loadVolume(series);
  const { findings, warnings } = await analyse(volume);
  assert.deepEqual(warnings, []);
  const asc = findings['aorta.ascending.diameter'];
  const desc = findings['aorta.descending.diameter'];
  assert.ok((asc.value as number) >= 25 && (asc.value as number) <= 38, `ascending ${asc.value} mm`);
  assert.ok((desc.value as number) >= 18 && (desc.value as number) <= 30, `descending ${desc.value} mm`);
  assert.equal(asc.category, 'normal');
  assert.equal(desc.category, 'normal');
  // anatomy: the descending aorta lies posterior and to the left of the ascending aorta
  assert.ok(desc.center![1] - asc.center![1] > 40 && desc.center![0] > asc.center![0], `ascending ${asc.center}, descending ${desc.center}`);
});
