import { test } from 'node:test';
import assert from 'node:assert/strict';
import { voxelToPatient, type AlgorithmFinding, type LabelMask, type Vec3 } from '@polyrad/sdk';
import { generateChestPhantom } from '@polyrad/phantom';
import plugin from './index.js';

const context = { log: () => undefined };
const distance = (a: Vec3, b: Vec3): number => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

test('each measured nodule becomes a labelled mask: named as its finding, its voxels the reported volume, on the nodule', async () => {
  const phantom = generateChestPhantom({ seed: 12, dimensions: [220, 200, 100], spacing: [1.1, 1.1, 1.5], feetFirst: true, heart: { coronaryLesions: [], aorticCalcium: false }, nodules: { diametersMm: [8, 14] } });
  const lungs: LabelMask = { geometry: phantom.volume.geometry, labels: phantom.labels.labels.map((l) => (l === 1 || l === 2 ? l : 0)), labelNames: { 1: 'lung.right', 2: 'lung.left' } };
  const series = { seriesInstanceUid: '1.2.3', modality: 'CT', volume: phantom.volume, fingerprint: {} };
  const artifacts = { 'polyrad.mask.lungs': { kind: 'mask' as const, type: 'polyrad.mask.lungs', version: '1.0.0', mask: lungs, meta: { coverage: { apices: true, bases: true } } } };
  const out = await plugin.run({ series, artifacts, config: {} }, context);
  const lesions = (out.findings ?? []).filter((f): f is AlgorithmFinding & { volumeMm3: number } => (f.code === 'lung.nodule' || f.code === 'lung.mass') && f.assessment !== 'not-assessed');
  assert.ok(lesions.length >= 2, `${lesions.length} lesions measured`);
  const [artifact, ...more] = out.artifacts ?? [];
  assert.equal(more.length, 0);
  assert.equal(artifact?.type, 'polyrad.mask.lung-nodules');
  assert.ok(artifact.kind === 'mask');
  const { mask } = artifact;
  assert.deepEqual(mask.geometry, phantom.volume.geometry, 'on the series grid');
  assert.ok(mask.labels instanceof Uint8Array);

  const [nx, ny] = mask.geometry.dimensions;
  const voxelMm3 = mask.geometry.spacing.reduce((a, b) => a * b, 1);
  for (const [value, name] of Object.entries(mask.labelNames)) {
    const finding = lesions.find((f) => f.segmentLabel === name);
    assert.ok(finding, `label ${name} belongs to a finding`);
    assert.match(name, new RegExp(`^(nodule|mass) \\d+ \\(${finding.side as string}, ${Math.round(finding.value as number)} mm\\)$`));
    let count = 0;
    const sum: Vec3 = [0, 0, 0];
    for (let p = 0; p < mask.labels.length; p++) {
      if (mask.labels[p] !== Number(value)) continue;
      count++;
      const at = voxelToPatient(mask.geometry, p % nx, Math.floor(p / nx) % ny, Math.floor(p / (nx * ny)));
      for (let d = 0; d < 3; d++) sum[d] += at[d];
    }
    const centroid = sum.map((s) => s / count) as Vec3;
    assert.ok(Math.abs(count * voxelMm3 - finding.volumeMm3) <= Math.max(voxelMm3, 0.02 * finding.volumeMm3), `${name}: mask ${Math.round(count * voxelMm3)} mm3, reported ${finding.volumeMm3}`);
    assert.ok(distance(centroid, finding.center!) < 1, `${name}: mask centroid ${distance(centroid, finding.center!).toFixed(1)} mm from the finding's centre`);
  }
  assert.equal(Object.keys(mask.labelNames).length, lesions.length, 'one label per measured lesion');
  // the two true nodules are covered: the label nearest each holds about its drawn volume
  for (const truth of phantom.truth.nodules) {
    const finding = lesions.filter((f) => distance(f.center!, truth.center) < 4)[0];
    assert.ok(finding, `the ${truth.meanDiameterMm} mm nodule was measured`);
    const trueMm3 = truth.volumeMm3;
    assert.ok(Math.abs(finding.volumeMm3 - trueMm3) < 0.5 * trueMm3, `${truth.meanDiameterMm} mm nodule: mask ${finding.volumeMm3} mm3, drawn ${Math.round(trueMm3)} mm3`);
  }
});
