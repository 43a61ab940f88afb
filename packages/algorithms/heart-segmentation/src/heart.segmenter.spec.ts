import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { outputProblems, PolyradError, validateManifest, voxelToPatient, type AlgorithmOutputs, type Artifact, type IndeterminateCategory, type LabelMask, type SeriesInput, type Volume } from '@polyrad/sdk';
import { generateChestPhantom, PHANTOM_LABELS, sampleChestCase, type ChestPhantomOptions } from '@polyrad/phantom';
import { groupSeries, loadVolume, scanDicomInputs } from '@polyrad/dicom';
import lungSegmentation from '@polyrad/algorithm-lung-segmentation';
import plugin, {
  HEART_BELOW_LUNG_BASES_MM,
  HEART_PLAUSIBLE_ML,
  heartQualityProblems,
  HEART_VOLUME_UPPER_ML,
  heartVolumeCategory,
  lungLabels,
  dropVesselStubs,
  measureHeartAnatomy,
  segmentHeart,
  type HeartAnatomy,
} from './index.js';

const context = { log: () => undefined };

/** lung segmentation -> heart segmentation, as the platform chains them */
async function runOn(volume: Volume): Promise<AlgorithmOutputs> {
  const series: SeriesInput = { seriesInstanceUid: '1.2.3', modality: 'CT', volume, fingerprint: {} };
  const lungs = (await lungSegmentation.run({ series, artifacts: {}, config: {} }, context)).artifacts![0];
  const outputs = await plugin.run({ series, artifacts: { [lungs.type]: lungs }, config: {} }, context);
  assert.deepEqual(outputProblems(plugin, outputs, series), [], 'the platform accepts the outputs');
  return outputs;
}

/** A not-assessed heart volume: no value, no category, the reason; the mask reported missing with it. */
function assertNotAssessed(outputs: AlgorithmOutputs, reason: RegExp): void {
  const [finding] = outputs.findings!;
  assert.deepEqual([finding.code, finding.assessment, finding.value, finding.category], ['heart.volume', 'not-assessed', null, undefined]);
  assert.match(finding.reason!, reason);
  assert.deepEqual(outputs.artifacts ?? [], []);
  assert.deepEqual(outputs.missing, [{ type: 'polyrad.mask.heart', reason: finding.reason }]);
}

test('manifest validates; consumes the lung mask and produces polyrad.mask.heart 1.x', () => {
  const manifest = validateManifest(JSON.parse(readFileSync(new URL('../manifest.json', import.meta.url), 'utf8')), 'manifest.json');
  assert.equal(manifest.id, 'polyrad.heart-segmentation');
  const lungs = lungSegmentation.manifest.produces.find((p) => p.type === manifest.consumes[0].type);
  assert.ok(lungs && lungs.version.startsWith('1.'), 'the lung segmentation produces the consumed mask');
  assert.deepEqual(manifest.produces.map((p) => `${p.type}@${p.version}`), ['polyrad.mask.heart@1.0.0']);
  assert.deepEqual(manifest.findings.map((f) => f.code), ['heart.volume']);
});

// The realistic phantom (mediastinum without fat planes, great vessels and liver dome on the heart): the
// segmenter is not tuned to it, and most of these come out not assessed. A heart that passes the gates
// must be within the validation tolerance (15 %) with the truth's category; one that does not must say why.
for (const options of [
  { seed: 11 },
  { seed: 12, feetFirst: true },
  { seed: 14, contrast: true },
  // a fine grid long enough for adult lungs (150 mm held a 1.2 L chest, which the lung mask's own gate refuses)
  { seed: 42, dimensions: [256, 256, 240], spacing: [1.25, 1.25, 1.25], emphysemaFraction: 0.08 },
  { seed: 42, dimensions: [512, 512, 90], spacing: [0.625, 0.625, 2.5] },
] satisfies ChestPhantomOptions[]) {
  test(`phantom ${JSON.stringify(options)}: heart volume within 15 % of the truth in its category, or not assessed with the reason`, async () => {
    const phantom = generateChestPhantom(options);
    const outputs = await runOn(phantom.volume);
    const [finding] = outputs.findings!;
    const truthMl = phantom.truth.heart.volumeMl;
    console.log(`# heart ${JSON.stringify(options)}: ${finding.value ?? 'not assessed'} mL vs truth ${truthMl.toFixed(0)} mL ${finding.category ?? finding.reason}`);
    assert.equal(finding.code, 'heart.volume');
    if (finding.assessment === 'not-assessed') return assertNotAssessed(outputs, /quality checks|lung|heart/);
    const volume = finding.value as number;
    assert.ok(Math.abs(volume - truthMl) <= 0.15 * truthMl, `${volume} mL vs ${truthMl} mL`);
    // the truth's category, or borderline between it and its neighbour (the band is as wide as the tolerance)
    const truthCategory = truthMl > HEART_VOLUME_UPPER_ML ? 'enlarged' : 'normal';
    const between = (finding.indeterminate as IndeterminateCategory | undefined)?.between;
    if (between) assert.ok(between.includes(truthCategory), `${finding.category} for a true ${truthCategory}`);
    else assert.equal(finding.category, truthCategory);
    assert.ok(finding.reference?.source && finding.reference.max === HEART_VOLUME_UPPER_ML);
    const artifact = outputs.artifacts![0] as Extract<Artifact, { kind: 'mask' }>;
    assert.deepEqual(artifact.mask.labelNames, { 1: 'heart' });
  });
}

// A heart that passes every gate: 600 mL, centred between and in front of the lungs, above the lung bases.
const passing: HeartAnatomy = {
  volumeMl: 600,
  heartCentre: [10, -20, 0],
  rightLungCentre: [-70, 0, 20],
  leftLungCentre: [70, 0, 20],
  heartZ: [-50, 60],
  lungZ: [-120, 150],
  sliceMm: 2.5,
  touchesScanEnd: false,
  coreShare: 0.6,
  tissueBorderShare: 0.3,
};
for (const [gate, change, problem] of [
  ['volume too small (a great vessel or a slice of the heart)', { volumeMl: 58, heartZ: [-10, 20] }, /58 mL, outside the plausible adult range 250-1500 mL/],
  ['volume too large (liver or mediastinum included)', { volumeMl: 1609 }, /1609 mL, outside the plausible adult range/],
  ['scan ends inside the heart', { touchesScanEnd: true }, /heart not fully covered/],
  ['centre beside a lung (liver under the right lung)', { heartCentre: [-57, -20, 0] }, /not between the lungs/],
  ['centre behind the lungs (spine, descending aorta)', { heartCentre: [10, 15, 0] }, /15 mm behind the lungs' centres/],
  ['below the lung bases', { heartZ: [-195, -115] }, /75 mm below the lung bases/],
  ['outline not seen (liver, chest wall around it)', { tissueBorderShare: 0.7 }, /70 % of its surface borders soft tissue/],
  ['a thin shell', { coreShare: 0.2 }, /thin: 20 %/],
  ['too tall for its volume (great vessels, descending aorta)', { heartZ: [-50, 115] }, /168 mm tall for 600 mL \(1\.99 x/],
] as const) {
  test(`quality gate: ${gate} fails the heart and says what was seen`, () => {
    assert.deepEqual(heartQualityProblems(passing), []);
    const problems = heartQualityProblems({ ...passing, ...change } as HeartAnatomy);
    assert.equal(problems.length, 1, problems.join('; '));
    assert.match(problems[0], problem);
  });
}

test('gate edges: 250 and 1500 mL pass, the heart may reach a little below the lung bases', () => {
  for (const volumeMl of HEART_PLAUSIBLE_ML) assert.deepEqual(heartQualityProblems({ ...passing, volumeMl, heartZ: [-40, 40] }), []);
  assert.deepEqual(heartQualityProblems({ ...passing, heartZ: [-120 - HEART_BELOW_LUNG_BASES_MM, -10 - HEART_BELOW_LUNG_BASES_MM] }), []);
});

test('the phantom heart measured against its lungs passes; broken to 58 mL it fails', async () => {
  const phantom = generateChestPhantom({ seed: 15 });
  const series: SeriesInput = { seriesInstanceUid: '1', modality: 'CT', volume: phantom.volume, fingerprint: {} };
  const lungs = (await lungSegmentation.run({ series, artifacts: {}, config: {} }, context)).artifacts![0] as Extract<Artifact, { kind: 'mask' }>;
  const heart = Uint8Array.from(phantom.labels.labels, (l) => (l === PHANTOM_LABELS.heart ? 1 : 0));
  const { right, left } = lungLabels(lungs.mask);
  const mask = (labels: Uint8Array): LabelMask => ({ geometry: phantom.volume.geometry, labels, labelNames: { 1: 'heart' } });
  assert.deepEqual(heartQualityProblems(measureHeartAnatomy(mask(heart), lungs.mask, right, left, phantom.volume)), []);
  // keep the heart's top slices up to 58 mL: what the segmenter found on a real 5 mm CT (the ascending aorta)
  const [nx, ny] = phantom.volume.geometry.dimensions;
  const voxelMl = phantom.volume.geometry.spacing.reduce((a, b) => a * b, 1) / 1000;
  const broken = new Uint8Array(heart.length);
  let kept = 0;
  for (let p = heart.length - 1; p >= 0 && kept * voxelMl < 58; p--) {
    if (!heart[p]) continue;
    broken[p] = 1;
    kept++;
  }
  assert.ok(broken.indexOf(1) >= nx * ny, 'the piece lies inside the scan');
  const problems = heartQualityProblems(measureHeartAnatomy(mask(broken), lungs.mask, right, left, phantom.volume));
  assert.match(problems.join('; '), /5[78] mL, outside the plausible adult range/);
});

test('a scan that stops inside the heart: heart volume not assessed, mask missing, no category', async () => {
  const phantom = generateChestPhantom({ seed: 16 });
  const { geometry } = phantom.volume;
  const [nx, ny, nz] = geometry.dimensions;
  let top = 0;
  let bottom = nz;
  for (let p = 0; p < phantom.labels.labels.length; p++) {
    if (phantom.labels.labels[p] !== PHANTOM_LABELS.heart) continue;
    bottom = Math.min(bottom, Math.floor(p / (nx * ny)));
    top = Math.max(top, Math.floor(p / (nx * ny)));
  }
  // drop the slices below the heart's middle: the scan now starts inside the heart
  const k0 = Math.round((top + bottom) / 2);
  const cropped: Volume = {
    ...phantom.volume,
    geometry: { ...geometry, dimensions: [nx, ny, nz - k0], origin: voxelToPatient(geometry, 0, 0, k0) },
    voxels: phantom.volume.voxels.slice(k0 * nx * ny),
  };
  assertNotAssessed(await runOn(cropped), /heart not fully covered/);
});

// Step by step on the realistic phantom: a heart that rests on the liver with no fat between them (which
// a fixed 10 mm core erosion joined to the liver: 2.5-3 L "hearts"), the great vessels on its base.
test('segmentHeart: a heart resting on the liver without fat is cut from it (volume within 15 % of the truth, no liver)', async () => {
  const options = sampleChestCase(1004); // development seed: 1 mm slices, 1.4 mm pixels, non-contrast
  const phantom = generateChestPhantom({ ...options, heart: { ...options.heart, epicardialFatMm: 0, aorticRootFatMm: 0 } });
  const series: SeriesInput = { seriesInstanceUid: '1', modality: 'CT', volume: phantom.volume, fingerprint: {} };
  const lungs = (await lungSegmentation.run({ series, artifacts: {}, config: {} }, context)).artifacts![0] as Extract<Artifact, { kind: 'mask' }>;
  const heart = segmentHeart(phantom.volume, lungs.mask);
  const truthMl = phantom.truth.heart.volumeMl;
  assert.ok(Math.abs(heart.volumeMl - truthMl) <= 0.15 * truthMl, `${heart.volumeMl.toFixed(0)} mL vs ${truthMl.toFixed(0)} mL`);
  // what it took beyond the heart is not the liver: few of its voxels lie below the heart's lowest slice
  const [nx, ny] = phantom.volume.geometry.dimensions;
  let lowest = Infinity;
  for (let p = 0; p < phantom.labels.labels.length; p++) if (phantom.labels.labels[p] === PHANTOM_LABELS.heart) lowest = Math.min(lowest, voxelToPatient(phantom.volume.geometry, 0, 0, Math.floor(p / (nx * ny)))[2]);
  let below = 0;
  for (let p = 0; p < heart.mask.labels.length; p++) if (heart.mask.labels[p] && voxelToPatient(phantom.volume.geometry, 0, 0, Math.floor(p / (nx * ny)))[2] < lowest - 3) below++;
  assert.ok(below <= 0.01 * heart.voxelCount, `${below} voxels below the heart`);
});

test('dropVesselStubs: a 12 mm vessel rising from a 50 mm heart falls away, the heart keeps its volume', () => {
  const dims: [number, number, number] = [100, 100, 140];
  const spacing: [number, number, number] = [1.25, 1.25, 1.25];
  const region = new Uint8Array(dims[0] * dims[1] * dims[2]);
  let heart = 0;
  for (let k = 0, c = 0; k < dims[2]; k++) {
    for (let j = 0; j < dims[1]; j++) {
      for (let i = 0; i < dims[0]; i++, c++) {
        const [x, y, z] = [i * 1.25 - 62, j * 1.25 - 62, k * 1.25 - 62];
        const inHeart = Math.hypot(x, y, z) <= 50;
        heart += inHeart ? 1 : 0;
        if (inHeart || (Math.hypot(x - 20, y) <= 12 && z > 0)) region[c] = 1;
      }
    }
  }
  const kept = dropVesselStubs(region, { dims, spacing });
  let total = 0;
  let vessel = 0;
  for (let k = 0, c = 0; k < dims[2]; k++) {
    for (let j = 0; j < dims[1]; j++) {
      for (let i = 0; i < dims[0]; i++, c++) {
        if (!kept[c]) continue;
        total++;
        if (k * 1.25 - 62 > 55) vessel++;
      }
    }
  }
  assert.equal(vessel, 0, 'no vessel beyond the heart');
  assert.ok(Math.abs(total - heart) <= 0.05 * heart, `${total} voxels kept for a heart of ${heart}`);
});

test('volume categories: normal up to the upper limit, enlarged above, borderline within the ±15 % measurement error of it', () => {
  assert.deepEqual(heartVolumeCategory(700), { category: 'normal' });
  const inside = heartVolumeCategory(900);
  assert.equal(inside.category, 'borderline normal/enlarged');
  assert.equal(inside.indeterminate?.reason, 'borderline: 900 mL lies within the measurement error (±124.5 mL) of the 830 mL cut-off between normal and enlarged');
  assert.equal(heartVolumeCategory(HEART_VOLUME_UPPER_ML).category, 'borderline normal/enlarged');
  assert.deepEqual(heartVolumeCategory(960), { category: 'enlarged' });
});

test('a lung mask without both lungs: the segmenter says why, the plugin reports the heart not assessed', async () => {
  const geometry = { dimensions: [20, 20, 10] as [number, number, number], spacing: [2, 2, 2] as [number, number, number], origin: [0, 0, 0] as [number, number, number], direction: [[1, 0, 0], [0, 1, 0], [0, 0, 1]] as [[number, number, number], [number, number, number], [number, number, number]] };
  const labels = new Uint8Array(4000);
  labels[100] = 1; // a right lung voxel, no left lung
  assert.throws(
    () => segmentHeart({ geometry, voxels: new Int16Array(4000), unit: 'HU' }, { geometry, labels, labelNames: { 1: 'lung.right', 2: 'lung.left' } }),
    (e: unknown) => e instanceof PolyradError && e.code === 'LUNGS_MISSING',
  );
  const series: SeriesInput = { seriesInstanceUid: '1', modality: 'CT', volume: { geometry, voxels: new Int16Array(4000), unit: 'HU' }, fingerprint: {} };
  const lungs: Artifact = { kind: 'mask', type: 'polyrad.mask.lungs', version: '1.0.0', mask: { geometry, labels, labelNames: { 1: 'lung.right', 2: 'lung.left' } } };
  assertNotAssessed(await plugin.run({ series, artifacts: { [lungs.type]: lungs }, config: {} }, context), /lacks a right or a left lung/);
});

// Real CTs the suite was not tuned on for the heart. No reader reference exists for the heart, so the test
// asserts honest behaviour with a tolerance inside one category: a heart measured on these visibly
// normal-sized hearts is "normal" between 400 and 800 mL (the limit is 830 mL); otherwise it is not assessed
// with a reason. Before the gates: 58 mL "normal" (the ascending aorta) and 1545 mL "enlarged" (the liver)
// on Lung-PET-CT-Dx A0001, 986 mL "enlarged" (heart with descending aorta and pulmonary arteries) on LIDC-IDRI-0003.
const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const dataRoot = resolve(repoRoot, process.env.POLYRAD_TEST_DATA ?? '../shared/data', 'ct');
for (const name of ['lidc-idri-0001/jpeg-lossless-sv1', 'lidc-idri-0003/jpeg-lossless-sv1', 'lung-pet-ct-dx-a0001']) {
  const path = resolve(dataRoot, name);
  const skip = existsSync(path) ? false : `real test data not found at ${path} (set POLYRAD_TEST_DATA)`;
  if (skip) console.log(`# skipping: ${skip}`);
  test(`real CT ${name}: heart volume normal (400-800 mL) or not assessed with a reason, never a wrong category`, { skip }, async () => {
    const { instances } = await scanDicomInputs([path]);
    for (const dicom of groupSeries(instances)) {
      const outputs = await runOn(await loadVolume(dicom));
      const [finding] = outputs.findings!;
      console.log(`# ${name} ${dicom.SeriesDescription ?? ''}: heart ${finding.value ?? 'not assessed'} ${finding.category ?? finding.reason}`);
      if (finding.assessment === 'not-assessed') {
        assertNotAssessed(outputs, /./);
        continue;
      }
      assert.ok((finding.value as number) >= 400 && (finding.value as number) <= 800, `heart ${finding.value} mL`);
      // above 705.5 mL a normal heart is within the measurement error of the 830 mL limit: borderline
      assert.equal(finding.category, (finding.value as number) < 705.5 ? 'normal' : 'borderline normal/enlarged');
      assert.equal(outputs.artifacts![0].type, 'polyrad.mask.heart');
    }
  });
}
