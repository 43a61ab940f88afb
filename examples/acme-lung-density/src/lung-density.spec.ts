import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Artifact, LabelMask, Volume } from '@polyrad/sdk';
import { runPluginForTest } from '@polyrad/sdk/testing';
import { generateChestPhantom, PHANTOM_LABELS } from '@polyrad/phantom';

// The package folder, loaded by the harness the way the platform loads a published package.
const pluginDir = fileURLToPath(new URL('..', import.meta.url));
const lungSegmentationDir = fileURLToPath(new URL('../../../packages/algorithms/lung-segmentation', import.meta.url));

/** A small phantom keeps the test fast; lungs are ~25 000 voxels at 4 x 4 x 5 mm. */
function phantom(emphysemaFraction = 0) {
  return generateChestPhantom({ seed: 3, dimensions: [80, 80, 45], spacing: [4, 4, 5], emphysemaFraction });
}

/** polyrad.mask.lungs as the platform's lung segmentation would hand it over, made from the phantom's labels. */
function lungMask(labels: LabelMask, version = '1.0.0'): Artifact {
  const lungs = labels.labels.map((l) => (l === PHANTOM_LABELS.lungRight ? 1 : l === PHANTOM_LABELS.lungLeft ? 2 : 0));
  return { kind: 'mask', type: 'polyrad.mask.lungs', version, mask: { geometry: labels.geometry, labels: lungs, labelNames: { 1: 'lung.right', 2: 'lung.left' } } };
}

const value = (findings: Array<{ code: string; value: unknown }>, code: string) => findings.find((f) => f.code === code)?.value as number;

test('air-tissue mixture of known density: MLD and mass follow from the mixture exactly', async () => {
  const { volume, labels } = phantom();
  // -800 HU is 20 % tissue: 0.2 g per mL of lung.
  const uniform: Volume = { ...volume, voxels: volume.voxels.map((hu, p) => (labels.labels[p] === 1 || labels.labels[p] === 2 ? -800 : hu)) };
  const result = await runPluginForTest(pluginDir, { volume: uniform, artifacts: [lungMask(labels)] });
  assert.deepEqual(result.problems, []);
  const lungMl = labels.labels.filter((l) => l === 1 || l === 2).length * (4 * 4 * 5) / 1000;
  assert.equal(value(result.findings, 'acme.lung.mean_density'), -800);
  assert.ok(Math.abs(value(result.findings, 'acme.lung.mass') - 0.2 * lungMl) <= 0.5);
});

test('on the chest phantom, emphysema lowers MLD by its air fraction and the findings pass the platform checks', async () => {
  const normal = phantom();
  const emphysema = phantom(0.3);
  const run = (p: ReturnType<typeof phantom>) => runPluginForTest(pluginDir, { volume: p.volume, artifacts: [lungMask(p.labels)] });
  const [a, b] = await Promise.all([run(normal), run(emphysema)]);
  assert.equal(a.status, 'succeeded', a.reason);
  assert.deepEqual(a.problems, []);
  for (const finding of a.findings) assert.ok(finding.reference?.text && finding.reference.source, `${finding.code} carries its reference`);

  const mld = value(a.findings, 'acme.lung.mean_density');
  // Parenchyma is drawn at -865 HU with vessels at +40 HU inside the lung label.
  assert.ok(mld > -880 && mld < -820, `MLD ${mld}`);
  // Mass of an air/tissue mixture: volume x (MLD + 1000) / 1000, within the clamping of vessel voxels.
  const expectedMass = normal.truth.lungVolumeMl.total * (mld + 1000) / 1000;
  assert.ok(Math.abs(value(a.findings, 'acme.lung.mass') - expectedMass) / expectedMass < 0.02, `mass ${value(a.findings, 'acme.lung.mass')} vs ${expectedMass}`);

  // Emphysema clusters (-985 HU) replace parenchyma (-865 HU) in the realised fraction of the lung.
  const expectedShift = -emphysema.truth.emphysemaVolumeFraction.total * 120;
  const shift = value(b.findings, 'acme.lung.mean_density') - mld;
  assert.ok(Math.abs(shift - expectedShift) < 6, `shift ${shift} HU, expected ${expectedShift.toFixed(1)}`);
});

test('the lung mask can come from the platform\'s own lung segmentation, run first by the harness', async () => {
  const { volume, labels } = phantom();
  // The header facts the platform would read from this series' DICOM files.
  const fingerprint = { Modality: 'CT', sliceCount: 45, SliceThickness: 5, bodyRegions: ['thorax'] };
  const chained = await runPluginForTest(pluginDir, { volume, fingerprint, plugins: [lungSegmentationDir] });
  assert.equal(chained.status, 'succeeded', chained.reason);
  const fromLabels = await runPluginForTest(pluginDir, { volume, artifacts: [lungMask(labels)] });
  // A segmentation differs from the phantom labels only at the lung border.
  const difference = value(chained.findings, 'acme.lung.mean_density') - value(fromLabels.findings, 'acme.lung.mean_density');
  assert.ok(Math.abs(difference) < 25, `MLD from the segmentation differs by ${difference} HU`);
});

test('the platform would not run it without a lung mask of a compatible version, or on a non-CT series', async () => {
  const { volume, labels } = phantom();
  const none = await runPluginForTest(pluginDir, { volume });
  assert.equal(none.status, 'skipped');
  assert.match(none.reason ?? '', /polyrad\.mask\.lungs@\^1/);
  const tooNew = await runPluginForTest(pluginDir, { volume, artifacts: [lungMask(labels, '2.0.0')] });
  assert.equal(tooNew.status, 'skipped');
  assert.match(tooNew.reason ?? '', /polyrad\.mask\.lungs@2\.0\.0 does not satisfy the consumed range \^1/);
  const mr = await runPluginForTest(pluginDir, { volume, modality: 'MR', artifacts: [lungMask(labels)] });
  assert.equal(mr.status, 'skipped');
  assert.match(mr.reason ?? '', /Modality equals "CT"/);
});

test('the packaged ONNX model runs through the SDK session: its LAA-950 is the share of lung voxels below -950 HU', async () => {
  const { volume, labels } = phantom(0.3);
  const result = await runPluginForTest(pluginDir, { volume, artifacts: [lungMask(labels)] });
  assert.equal(result.status, 'succeeded', result.reason);
  let lung = 0;
  let low = 0;
  labels.labels.forEach((l, p) => {
    if (l !== PHANTOM_LABELS.lungRight && l !== PHANTOM_LABELS.lungLeft) return;
    lung++;
    if (volume.voxels[p] < -950) low++;
  });
  const expected = Math.round((1000 * low) / lung) / 10;
  assert.ok(expected > 5, `the emphysema phantom has ${expected} % below -950 HU`);
  assert.equal(value(result.findings, 'acme.lung.laa950'), expected);
});

test('a model file altered after its sha256 was written into the manifest is not run', async () => {
  // beside the example, so the copy resolves @polyrad/sdk as the original does
  const copy = mkdtempSync(join(pluginDir, '..', '.acme-altered-'));
  try {
    cpSync(pluginDir, copy, { recursive: true });
    const model = join(copy, 'models', 'laa950-readout.onnx');
    const bytes = readFileSync(model);
    bytes[bytes.length - 1] ^= 1;
    writeFileSync(model, bytes);
    const { volume, labels } = phantom();
    const result = await runPluginForTest(copy, { volume, artifacts: [lungMask(labels)] });
    assert.equal(result.status, 'failed');
    assert.match(result.reason ?? '', /acme\.lung-density: models\/laa950-readout\.onnx: sha256 [0-9a-f]{64} differs from the manifest's 8eaa0716/);
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
});
