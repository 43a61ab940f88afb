import { test } from 'node:test';
import assert from 'node:assert/strict';
import { voxelToPatient, type AlgorithmFinding, type Vec3 } from '@polyrad/sdk';
import { generateChestPhantom } from '@polyrad/phantom';
import plugin from './index.js';

const context = { log: () => undefined };
const sub = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const dot = (a: Vec3, b: Vec3): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];

test('the aorta mask: one label per measured limb, its cross-section at the reported maximum as wide as the reported lumen', async () => {
  const phantom = generateChestPhantom({ seed: 3, contrast: true, flipX: true, dimensions: [214, 214, 90], spacing: [1.5, 1.5, 2.5] });
  const outputs = await plugin.run({ series: { seriesInstanceUid: '1.2.3', modality: 'CT', volume: phantom.volume, fingerprint: {} }, artifacts: {}, config: {} }, context);
  const measured = (outputs.findings ?? []).filter((f): f is AlgorithmFinding & { meanDiameterMm: number } => f.assessment === 'measured' && f.lowerBound !== true);
  assert.ok(measured.length >= 1, 'a limb measured');
  const tube = outputs.artifacts?.find((a) => a.type === 'polyrad.mask.aorta');
  const centerLines = outputs.artifacts?.find((a) => a.type === 'polyrad.aorta.centerline');
  assert.ok(tube?.kind === 'mask' && centerLines?.kind === 'json');
  const { mask } = tube;
  assert.deepEqual(mask.geometry, phantom.volume.geometry, 'on the series grid');
  assert.match(String(tube.meta?.segmentDescription), /^tube .*not lumen voxels$/, 'says what it is');
  assert.deepEqual(Object.values(mask.labelNames).sort(), measured.map((f) => f.code.replace(/\.diameter$/, '')).sort());

  const [nx, ny] = mask.geometry.dimensions;
  const voxelMm3 = mask.geometry.spacing.reduce((a, b) => a * b, 1);
  for (const [value, name] of Object.entries(mask.labelNames)) {
    const finding = measured.find((f) => f.code === `${name}.diameter`)!;
    const center = finding.center!;
    // the vessel axis at the reported section, from the limb's centre line around it
    const line = (centerLines.data as Record<string, { centerLine: Vec3[] }>)[name.replace('aorta.', '')]!.centerLine;
    const nearest = line.reduce((best, p, i) => (dot(sub(p, center), sub(p, center)) < dot(sub(line[best]!, center), sub(line[best]!, center)) ? i : best), 0);
    const along = sub(line[Math.min(line.length - 1, nearest + 3)]!, line[Math.max(0, nearest - 3)]!);
    const axis = along.map((x) => x / Math.sqrt(dot(along, along))) as Vec3;
    // voxels of the label in a slab three slices thick across the axis, near the section: their volume over
    // the slab's thickness is the section's area (a slab of whole slices, or the count depends on where it cuts)
    const halfSlab = 1.5 * mask.geometry.spacing[2];
    let count = 0;
    for (let p = 0; p < mask.labels.length; p++) {
      if (mask.labels[p] !== Number(value)) continue;
      const d = sub(voxelToPatient(mask.geometry, p % nx, Math.floor(p / nx) % ny, Math.floor(p / (nx * ny))), center);
      if (Math.abs(dot(d, axis)) <= halfSlab && dot(d, d) < (2 * finding.meanDiameterMm) ** 2) count++;
    }
    const diameter = 2 * Math.sqrt((count * voxelMm3) / (2 * halfSlab) / Math.PI);
    assert.ok(Math.abs(diameter - finding.meanDiameterMm) <= 2.5, `${name}: mask ${diameter.toFixed(1)} mm across, reported mean ${finding.meanDiameterMm} mm (max ${finding.value})`);
    assert.ok(diameter <= (finding.value as number) + 2.5, `${name}: mask ${diameter.toFixed(1)} mm, reported max ${finding.value} mm`);
  }
});
