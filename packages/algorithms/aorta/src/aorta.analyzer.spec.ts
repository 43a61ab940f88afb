import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateManifest, type AlgorithmFinding, type IndeterminateCategory, type Vec3, type Volume } from '@polyrad/sdk';
import { runPluginForTest } from '@polyrad/sdk/testing';
import { generateChestPhantom, sampleChestCase, type ChestPhantomOptions } from '@polyrad/phantom';
import { groupSeries, loadVolume, scanDicomInputs } from '@polyrad/dicom';
import plugin, { aortaCategory, aortaCategoryDecision, limbGateFailure, limbsPositionFailure, type AortaLimb } from './index.js';
import type { CrossSection } from './aorta-section.measurer.js';
import { axialStack, coarseStack, pointAt } from './axial-stack.js';

const context = { log: () => undefined };
const byCode = (findings: AlgorithmFinding[]): Record<string, AlgorithmFinding> => Object.fromEntries(findings.map((f) => [f.code, f]));

async function analyse(volume: Volume): Promise<{ findings: Record<string, AlgorithmFinding>; artifactTypes: string[]; missing: string[] }> {
  const outputs = await plugin.run({ series: { seriesInstanceUid: '1.2.3', modality: 'CT', volume, fingerprint: {} }, artifacts: {}, config: {} }, context);
  return { findings: byCode(outputs.findings ?? []), artifactTypes: (outputs.artifacts ?? []).map((a) => a.type), missing: (outputs.missing ?? []).map((m) => m.type) };
}

/** Runs the plugin as the platform would (outputs validated against the manifest and the report rules). */
async function runAsPlatform(volume: Volume): Promise<Awaited<ReturnType<typeof runPluginForTest>> & { byCode: Record<string, AlgorithmFinding> }> {
  const result = await runPluginForTest(plugin, { volume, fingerprint: { Modality: 'CT', bodyRegions: ['thorax'], sliceCount: volume.geometry.dimensions[2] } });
  return { ...result, byCode: byCode(result.findings) };
}

/** Both diameters not assessed, each with a reason matching `why`; the run succeeds and lists the centre line as missing. */
function assertDeclined(result: Awaited<ReturnType<typeof runAsPlatform>>, why: RegExp): void {
  assert.equal(result.status, 'succeeded', `status ${result.status}: ${result.reason} ${result.problems.join('; ')}`);
  assert.deepEqual(result.problems, []);
  for (const segment of ['ascending', 'descending']) {
    const f = result.byCode[`aorta.${segment}.diameter`];
    assert.ok(f, `${segment} finding present`);
    assert.equal(f.assessment, 'not-assessed');
    assert.equal(f.value, null);
    assert.equal(f.category, undefined, 'no category without a measurement');
    assert.match(f.reason ?? '', why);
  }
  assert.deepEqual(result.artifacts, []);
}

/** distance from a point to the nearest point of a polyline sampled every ~2 mm */
function distanceToLine(p: Vec3, line: Vec3[]): number {
  return Math.min(...line.map((q) => Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2])));
}

test('category bands: ascending <40 normal, 40-49 dilated, >=50 aneurysm; descending <30, 30-39, >=40', () => {
  assert.deepEqual([39.9, 40, 49.9, 50].map((d) => aortaCategory('ascending', d)), ['normal', 'dilated', 'dilated', 'aneurysm']);
  assert.deepEqual([29.9, 30, 39.9, 40].map((d) => aortaCategory('descending', d)), ['normal', 'dilated', 'dilated', 'aneurysm']);
});

test('a diameter within the ±3 mm measurement error of a cut-off is borderline, never "normal"; beyond it the category stands', () => {
  assert.deepEqual(aortaCategoryDecision('ascending', 36.9), { category: 'normal' });
  const inside = aortaCategoryDecision('ascending', 38.2);
  assert.equal(inside.category, 'borderline normal/dilated');
  assert.equal(inside.indeterminate?.reason, 'borderline: 38.2 mm lies within the measurement error (±3 mm) of the 40 mm cut-off between normal and dilated');
  // 43 - 3 = 40 mm is already dilated (>= 40): the true value cannot be normal
  assert.equal(aortaCategoryDecision('ascending', 42.9).category, 'borderline normal/dilated');
  assert.deepEqual(aortaCategoryDecision('ascending', 43), { category: 'dilated' });
  assert.equal(aortaCategoryDecision('descending', 28.8).category, 'borderline normal/dilated');
  assert.deepEqual(aortaCategoryDecision('descending', 26.9), { category: 'normal' });
  assert.equal(aortaCategoryDecision('descending', 41).category, 'borderline dilated/aneurysm');
  assert.deepEqual(aortaCategoryDecision('descending', 44), { category: 'aneurysm' });
});

test('manifest validates and declares both diameter findings and the centre-line artifact', () => {
  const manifest = validateManifest(JSON.parse(readFileSync(new URL('../manifest.json', import.meta.url), 'utf8')), 'manifest.json');
  assert.equal(manifest.id, 'polyrad.aorta');
  assert.deepEqual(manifest.findings.map((f) => f.code).sort(), ['aorta.ascending.diameter', 'aorta.descending.diameter']);
  assert.ok(manifest.findings.every((f) => f.unit === 'mm'));
  assert.deepEqual(manifest.produces.map((p) => `${p.type}@${p.version}`), ['polyrad.aorta.centerline@1.0.0', 'polyrad.mask.aorta@1.0.0']);
});

/**
 * What a reader must be able to rely on: a measured diameter within 3 mm of the drawn tube (the issue's
 * tolerance), in the drawn category or borderline between it and its neighbour (the band is as wide as the
 * tolerance, so it always holds the truth's category), and centred on the
 * aorta; otherwise not assessed with a reason - never a wrong number or category. Returns the measured limbs.
 */
function assertHonestAorta(findings: Record<string, AlgorithmFinding>, truth: ReturnType<typeof generateChestPhantom>['truth']['aorta'], label: string): string[] {
  const measured: string[] = [];
  for (const segment of ['ascending', 'descending'] as const) {
    const f = findings[`aorta.${segment}.diameter`];
    assert.ok(f, `${label}: ${segment} finding present`);
    const expected = segment === 'ascending' ? truth.ascendingDiameterMm : truth.descendingDiameterMm;
    console.log(`# ${label} ${segment}: ${f.assessment} ${f.value ?? f.reason} (drawn ${expected.toFixed(1)} mm)`);
    if (f.assessment === 'not-assessed') {
      assert.ok(f.value === null && f.category === undefined && (f.reason ?? '').length > 20, `${label} ${segment}`);
      continue;
    }
    measured.push(segment);
    assert.ok(Math.abs((f.value as number) - expected) <= 3, `${label} ${segment} ${f.value} mm vs ${expected.toFixed(1)} mm`);
    const between = (f.indeterminate as IndeterminateCategory | undefined)?.between;
    if (between) assert.ok(between.includes(aortaCategory(segment, expected)), `${label} ${segment}: ${f.category} for a true ${aortaCategory(segment, expected)}`);
    else assert.equal(f.category, aortaCategory(segment, expected), `${label} ${segment}`);
    assert.ok(f.reference?.source.includes('Erbel'), 'reference cites its guideline');
    assert.ok(distanceToLine(f.center!, truth.centerLine) < 5, `${label} ${segment} centre ${f.center} lies on the drawn centre line`);
  }
  return measured;
}

/** the generator's default field of view (320 mm) on 1.5 mm pixels, the coarsest the plugin measures on */
const grid = { dimensions: [214, 214, 90] as Vec3, spacing: [1.5, 1.5, 2.5] as Vec3 };

const cases: { name: string; options: ChestPhantomOptions }[] = [
  { name: 'contrast, rows flipped', options: { seed: 3, contrast: true, flipX: true, ...grid } },
  { name: 'non-contrast, feet first', options: { seed: 2, feetFirst: true, ...grid } },
  // unenhanced, the descending aorta touching the oesophagus without a fat plane: on the first merged
  // phantom it read 29.2 mm for 25.9 mm through every gate; it must be within 3 mm or not assessed
  { name: 'non-contrast, feet first, rows flipped', options: { seed: 4, feetFirst: true, flipX: true, ...grid } },
  { name: 'contrast, 52 mm ascending aneurysm, finer grid', options: { seed: 11, contrast: true, dimensions: [214, 214, 90], spacing: [1.5, 1.5, 2.5], aorta: { aneurysm: { segment: 'ascending', maxDiameterMm: 52 } } } },
];

for (const { name, options } of cases) {
  test(`phantom (${name}): each diameter within 3 mm and in the drawn category, or not assessed with a reason`, async () => {
    const phantom = generateChestPhantom(options);
    const { findings, artifactTypes, missing } = await analyse(phantom.volume);
    const measured = assertHonestAorta(findings, phantom.truth.aorta, `seed ${options.seed}`);
    // the centre line and the tube mask are handed on exactly when a limb passed its checks
    assert.deepEqual(artifactTypes, measured.length > 0 ? ['polyrad.aorta.centerline', 'polyrad.mask.aorta'] : []);
    assert.deepEqual(missing, measured.length > 0 ? [] : ['polyrad.aorta.centerline', 'polyrad.mask.aorta']);
    if (measured.length === 2) {
      // the ascending aorta is anterior and to the right of the descending aorta
      const asc = findings['aorta.ascending.diameter'].center!;
      const desc = findings['aorta.descending.diameter'].center!;
      assert.ok(asc[1] < desc[1] && asc[0] < desc[0], `ascending ${asc} anterior-right of descending ${desc}`);
    }
  });
}

test('a 52 mm unenhanced descending aneurysm that stops the tracker: an aneurysm within 3 mm or not assessed, never "normal" from the stretch below it', async () => {
  // unenhanced: the track follows the normal calibre up to the bulge and ends there (26.7 mm "normal" once, without the arch check)
  const phantom = generateChestPhantom({ seed: 5, ...grid, aorta: { aneurysm: { segment: 'descending', maxDiameterMm: 52 } } });
  const { findings } = await analyse(phantom.volume);
  const desc = findings['aorta.descending.diameter'];
  assertHonestAorta(findings, phantom.truth.aorta, 'seed 5 descending aneurysm');
  assert.notEqual(desc.category, 'normal');
  if (desc.assessment === 'not-assessed') assert.ok(desc.reason, 'a reason is given');
});

test('a descending aneurysm tracked only from its bulge up (arms down, unenhanced, 2 mm): its maximum is stated as a lower bound in the aneurysm class, and muscle behind the spine is not taken for the aorta', async () => {
  // retired reporting seed 9013: read 26.6 mm "normal" on a paraspinal muscle while a 44.2 mm aneurysm lay beside the spine
  const phantom = generateChestPhantom(sampleChestCase(9013));
  const { findings } = await analyse(phantom.volume);
  const desc = findings['aorta.descending.diameter'];
  assert.equal(desc.assessment, 'measured');
  assert.equal(desc.lowerBound, true);
  assert.equal(desc.category, 'aneurysm');
  assert.ok(Math.abs((desc.value as number) - phantom.truth.aorta.descendingDiameterMm) <= 3, `${desc.value} mm`);
  assert.match(String(desc.note), /^at least [\d.]+ mm: the descending aorta was followed up to z/);
  assertHonestAorta(findings, phantom.truth.aorta, 'seed 9013');
});

test('the gates leave measurements on the plain phantoms (they do not decline everything)', async () => {
  // (on unenhanced 1.5 mm phantoms whose superior mediastinum is soft tissue, a descending track that
  // stops under a low arch is not known to have reached it, and is declined: coverage, not honesty)
  let measured = 0;
  for (const { options } of cases) {
    const { findings } = await analyse(generateChestPhantom(options).volume);
    measured += Object.values(findings).filter((f) => f.assessment === 'measured').length;
  }
  assert.ok(measured >= 4, `${measured} of 8 diameters measured on four phantoms`);
});

test('a volume without an aorta: the run succeeds, both diameters not assessed with the reason, the centre line missing', async () => {
  const n = 64 * 64 * 24;
  const voxels = new Int16Array(n).fill(-1000);
  const volume: Volume = {
    geometry: { dimensions: [64, 64, 24], spacing: [1.5, 1.5, 2.5], origin: [0, 0, 0], direction: [[1, 0, 0], [0, 1, 0], [0, 0, 1]] },
    voxels,
    unit: 'HU',
  };
  const result = await runAsPlatform(volume);
  assertDeclined(result, /no descending aorta found|descending aorta/);
  assert.match(result.byCode['aorta.descending.diameter'].reason!, /no descending aorta found/);
  assert.match(result.byCode['aorta.ascending.diameter'].reason!, /not searched/);
});

test('phantom whose aorta cannot be seen: succeeded, both diameters not assessed, centre line missing (not a failure)', async () => {
  // the aorta painted over with mediastinal fat, every voxel within 2 mm of its wall
  const phantom = generateChestPhantom({ seed: 2, ...grid });
  const { volume } = phantom;
  const stack = axialStack(volume);
  const reach = Math.max(phantom.truth.aorta.ascendingDiameterMm, phantom.truth.aorta.descendingDiameterMm) / 2 + 2;
  for (const q of phantom.truth.aorta.centerLine) {
    const [ci, cj, ck] = [(q[0] - stack.x0) / stack.dx, (q[1] - stack.y0) / stack.dy, (q[2] - stack.z0) / stack.dz];
    const [ri, rj, rk] = [reach / Math.abs(stack.dx), reach / Math.abs(stack.dy), reach / Math.abs(stack.dz)];
    for (let k = Math.max(0, Math.ceil(ck - rk)); k <= Math.min(stack.nz - 1, ck + rk); k++) {
      for (let j = Math.max(0, Math.ceil(cj - rj)); j <= Math.min(stack.ny - 1, cj + rj); j++) {
        for (let i = Math.max(0, Math.ceil(ci - ri)); i <= Math.min(stack.nx - 1, ci + ri); i++) {
          const p = pointAt(stack, i, j, k);
          if (Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]) < reach) volume.voxels[i + j * stack.nx + k * stack.nx * stack.ny] = -90;
        }
      }
    }
  }
  const result = await runAsPlatform(volume);
  assertDeclined(result, /aorta/);
  // nothing found, or what was found (the oesophagus, the azygos) failed a check: either way said in words
  assert.match(result.byCode['aorta.descending.diameter'].reason!, /no descending aorta found: .*followed over \d+ mm|the track left the vessel|not round|outline/);
});

test('slices beyond 5 mm lie outside the operating range: both diameters not assessed, not measured anyway', async () => {
  const phantom = generateChestPhantom({ seed: 3, contrast: true, dimensions: [160, 160, 40], spacing: [2, 2, 6] });
  const result = await runAsPlatform(phantom.volume);
  assertDeclined(result, /slices 6\.0 mm apart, beyond the 5 mm/);
  assert.equal(result.warnings.length, 0);
});

test('pixels coarser than 1.5 mm (beyond the range measured) lie outside the operating range: both diameters not assessed, with the reason', async () => {
  const phantom = generateChestPhantom({ seed: 3, contrast: true, dimensions: [160, 160, 40], spacing: [2, 2, 5] });
  assertDeclined(await runAsPlatform(phantom.volume), /pixels of 2\.00 mm, coarser than the 1\.5 mm/);
});

/** a straight vertical limb of round, fully edged sections, as the measurer reports a clean aorta */
function limb(segment: 'ascending' | 'descending', options: { diameter?: number; x?: number; y?: number; count?: number; sliceMm?: number } = {}): AortaLimb {
  const { diameter = 30, x = 0, y = 0, count = 20, sliceMm = 2.5 } = options;
  const sections: CrossSection[] = Array.from({ length: count }, (_, n) => ({
    center: [x, y, n * sliceMm],
    axis: [0, 0, 1],
    maxDiameterMm: diameter,
    meanDiameterMm: diameter,
    minDiameterMm: diameter,
    edgeFraction: 1,
    largestGapDeg: 5,
    boneRimFraction: 0,
  }));
  const at = sections[count >> 1];
  const widest = sections.slice((count >> 1) - 1, (count >> 1) + 2);
  return { segment, diameterMm: diameter, center: at.center, meanDiameterMm: diameter, at, widest, centerLine: sections.map((s) => s.center), sections, attempted: count, reachesArch: true, widensBelow: false };
}

test('quality gates: a clean limb passes; each failed check is named with what was seen', () => {
  assert.equal(limbGateFailure(limb('descending'), 2.5, false), undefined);
  // too short to be a tube
  assert.match(limbGateFailure(limb('descending', { count: 4 }), 2.5, false)!, /measured over only 8 mm/);
  // a descending track that ends in a straight stretch (an aneurysm above stopped it)
  assert.match(limbGateFailure({ ...limb('descending'), reachesArch: false }, 2.5, false)!, /followed up to z 48 mm only, .*without bending into the arch/);
  // a descending track that starts above a bulge (an aneurysm below stopped it)
  assert.match(limbGateFailure({ ...limb('descending'), widensBelow: true }, 2.5, false)!, /followed down to z 0 mm only, where a wider lumen goes on below it/);
  // an ascending limb measured over 22 mm of its 50-80 mm: the rest, where an aneurysm may lie, was not measured
  assert.match(limbGateFailure(limb('ascending', { count: 12, sliceMm: 2 }), 2, false)!, /ascending aorta measured over only 22 mm \(at least 25 of the 50-80 mm/);
  assert.equal(limbGateFailure(limb('ascending', { count: 12, sliceMm: 2 }), 2, false, { coverage: false }), undefined);
  // centre line jumps 10 mm sideways between two 2.5 mm slices
  const jumpy = limb('descending');
  jumpy.centerLine = jumpy.centerLine.map((p, n): Vec3 => (n >= 10 ? [p[0] + 10, p[1], p[2]] : p));
  assert.match(limbGateFailure(jumpy, 2.5, false)!, /centre line jumps 10\.0 mm .*at most 6\.0 mm/);
  // ...unless the lumen widens around the step, as where a fusiform aneurysm pushing away from the spine begins
  const bulging = limb('descending');
  bulging.centerLine = bulging.centerLine.map((p, n): Vec3 => (n >= 10 ? [p[0] + 7, p[1], p[2]] : p));
  bulging.sections = bulging.sections.map((s, n) => (n >= 10 ? { ...s, center: [s.center[0] + 7, s.center[1], s.center[2]] as Vec3, meanDiameterMm: 42, maxDiameterMm: 42, minDiameterMm: 42 } : s));
  assert.doesNotMatch(limbGateFailure(bulging, 2.5, false) ?? '', /jumps/);
  // most cross-sections had no clear edge
  assert.match(limbGateFailure({ ...limb('descending'), attempted: 50 }, 2.5, false)!, /only 20 of 50 descending aortic cross-sections/);
  // outside the plausible adult range
  assert.match(limbGateFailure(limb('descending', { diameter: 12 }), 2.5, false)!, /12\.0 mm lies outside the plausible adult range of 15-70 mm/);
  assert.match(limbGateFailure(limb('ascending', { diameter: 75 }), 2.5, false)!, /75\.0 mm lies outside/);
  // an oval cross-section: a neighbour merged with the lumen
  const oval = limb('ascending');
  oval.widest = oval.widest.map((s, n) => ({ ...s, minDiameterMm: [20, 25, 30][n] }));
  assert.match(limbGateFailure(oval, 2.5, false)!, /not round \(smallest \/ largest diameter 0\.83/);
  // edge seen on too few rays (an unenhanced aorta against the oesophagus)
  const faint = limb('descending');
  faint.at = { ...faint.at, edgeFraction: 0.4 };
  assert.match(limbGateFailure(faint, 2.5, false)!, /lies on its outline on only 40 % of the rays/);
  // the wall seen on one side only: a circle through it is a guess
  const oneSided = limb('descending');
  oneSided.at = { ...oneSided.at, edgeFraction: 0.5, largestGapDeg: 190 };
  assert.match(limbGateFailure(oneSided, 2.5, false)!, /with a gap of 190 degrees/);
});

test('quality gates: the ascending aorta must lie anterior and to the right of the descending aorta', () => {
  const descending = limb('descending', { x: 25, y: 60, diameter: 24 });
  assert.equal(limbsPositionFailure(limb('ascending', { x: -5, y: -10 }), descending), undefined);
  // behind it (a vertebral body or the azygos), or to its left (the pulmonary trunk)
  assert.match(limbsPositionFailure(limb('ascending', { x: -5, y: 50 }), descending)!, /lies 10 mm anterior/);
  assert.match(limbsPositionFailure(limb('ascending', { x: 40, y: -10 }), descending)!, /-15 mm to the right/);
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
const realCt = join(resolve(process.env.POLYRAD_TEST_DATA ?? join(repositoryRoot, '../shared/data')), 'ct');
const realSkip = existsSync(realCt) ? false : `real test data not found at ${realCt} (set POLYRAD_TEST_DATA)`;
if (realSkip) console.log(`# skipping: ${realSkip}`);

async function loadReal(folder: string): Promise<Volume> {
  const { instances } = await scanDicomInputs([join(realCt, folder)]);
  const [series] = groupSeries(instances);
  return loadVolume(series);
}

// No reader measured these aortas: the ranges below lie inside the normal category (< 40 / < 30 mm), so a
// dilated or aneurysmal category fails (a value within 3 mm of the cut-off is borderline normal/dilated),
// and the two limbs must sit where the anatomy puts them.
for (const [folder, ascending, descending] of [
  ['lidc-idri-0001', [25, 38], [18, 28]],
  ['lidc-idri-0003', [28, 39.5], [20, 29.9]],
] as const) {
  test(`${folder} (contrast chest CT, 2.5 mm): both diameters measured, normal, ascending anterior-right of descending`, { skip: realSkip }, async () => {
    const { byCode: findings, status } = await runAsPlatform(await loadReal(folder));
    assert.equal(status, 'succeeded');
    const asc = findings['aorta.ascending.diameter'];
    const desc = findings['aorta.descending.diameter'];
    console.log(`# ${folder}: ascending ${asc.value} mm, descending ${desc.value} mm`);
    assert.equal(asc.assessment, 'measured', asc.reason);
    assert.equal(desc.assessment, 'measured', desc.reason);
    assert.ok((asc.value as number) >= ascending[0] && (asc.value as number) <= ascending[1], `ascending ${asc.value} mm`);
    assert.ok((desc.value as number) >= descending[0] && (desc.value as number) <= descending[1], `descending ${desc.value} mm`);
    for (const limb of [asc, desc]) assert.ok(['normal', 'borderline normal/dilated'].includes(String(limb.category)), `${limb.value} mm ${limb.category}`);
    assert.ok(desc.center![1] - asc.center![1] > 40 && desc.center![0] > asc.center![0], `ascending ${asc.center}, descending ${desc.center}`);
  });
}

// Lung-PET-CT-Dx A0001: unenhanced, 5 mm slices, an ascending aorta the tracker does not find. No reference
// diameters exist: the run must succeed and every diameter be either measured in the plausible range or
// not assessed with a reason - never a failed run, never a silent gap.
for (const kernel of ['2.000000-5mm-40805', '3.000000-5mm-41315']) {
  test(`Lung-PET-CT-Dx A0001 ${kernel} (unenhanced, 5 mm): succeeds, each diameter measured or not assessed with a reason`, { skip: realSkip }, async () => {
    const result = await runAsPlatform(await loadReal(`lung-pet-ct-dx-a0001/${kernel}`));
    assert.equal(result.status, 'succeeded', `${result.reason}`);
    assert.deepEqual(result.problems, []);
    for (const segment of ['ascending', 'descending']) {
      const f = result.byCode[`aorta.${segment}.diameter`];
      console.log(`# A0001 ${kernel} ${segment}: ${f.assessment} ${f.value ?? ''} ${f.category ?? ''} ${f.reason ?? ''}`);
      if (f.assessment === 'not-assessed') assert.ok((f.reason ?? '').length > 20, 'a reason a radiologist can act on');
      else assert.ok((f.value as number) >= 15 && (f.value as number) <= 70, `${segment} ${f.value}`);
    }
    // the ascending aorta is not traced on this unenhanced series (it merges with the heart and pulmonary trunk)
    assert.equal(result.byCode['aorta.ascending.diameter'].assessment, 'not-assessed');
    const measured = ['ascending', 'descending'].some((s) => result.byCode[`aorta.${s}.diameter`].assessment === 'measured');
    assert.deepEqual(result.artifacts.map((a) => a.type), measured ? ['polyrad.aorta.centerline', 'polyrad.mask.aorta'] : []);
  });
}
