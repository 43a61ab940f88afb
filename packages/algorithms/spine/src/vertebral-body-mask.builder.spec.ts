import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labelCentroid, type AlgorithmFinding } from '@polyrad/sdk';
import { generateChestPhantom } from '@polyrad/phantom';
import plugin from './index.js';

const context = { log: () => undefined };
/** the phantom's label of vertebral bone (cortex, endplates, trabecular bone) */
const VERTEBRA = 11;

test('the vertebral body mask: one label per body found, on the drawn bodies, the fractured one named by its finding', async () => {
  const phantom = generateChestPhantom({ seed: 11, feetFirst: true, dimensions: [160, 160, 120], spacing: [2, 2, 1.25], spine: { fracture: { heightLossPercent: 32 } } });
  const outputs = await plugin.run({ series: { seriesInstanceUid: '1.2.3', modality: 'CT', volume: phantom.volume, fingerprint: {} }, artifacts: {}, config: {} }, context);
  const [artifact, ...more] = outputs.artifacts ?? [];
  assert.equal(more.length, 0);
  assert.ok(artifact?.kind === 'mask' && artifact.type === 'polyrad.mask.vertebrae');
  const { mask } = artifact;
  assert.deepEqual(mask.geometry, phantom.volume.geometry, 'on the series grid');
  assert.match(String(artifact.meta?.segmentDescription), /inner cortical outline/);

  const truth = phantom.truth.spine.vertebrae;
  const complete = truth.filter((v) => v.complete);
  const labels = Object.entries(mask.labelNames).map(([value, name]) => ({ value: Number(value), name, centroid: labelCentroid(mask, Number(value))! }));
  // every fully covered body is there once; a body cut by the field of view may be too, nothing else
  assert.ok(labels.length >= complete.length && labels.length <= truth.length, `${labels.length} labels for ${complete.length} complete of ${truth.length} drawn bodies`);
  for (const v of complete) {
    const near = labels.filter((l) => Math.abs(l.centroid[2] - v.center[2]) < 8);
    assert.equal(near.length, 1, `${v.level} at z ${v.center[2].toFixed(0)}: ${near.map((l) => l.name).join(', ')}`);
    assert.ok(Math.hypot(near[0]!.centroid[0] - v.center[0], near[0]!.centroid[1] - v.center[1]) < 5, `${v.level}: label off the body axis`);
  }
  for (const { value, name } of labels) {
    assert.match(name, /^vertebral body \d+ \(z -?\d+ mm\)$/);
    let inside = 0;
    let count = 0;
    for (let p = 0; p < mask.labels.length; p++) {
      if (mask.labels[p] !== value) continue;
      count++;
      if (phantom.labels.labels[p] === VERTEBRA) inside++;
    }
    // the edge voxels are partial volume with the discs and soft tissue around
    assert.ok(count > 0 && inside / count > 0.8, `${name}: ${((100 * inside) / count).toFixed(0)} % of its ${count} voxels on vertebral bone`);
  }

  const fractures = (outputs.findings ?? []).filter((f): f is AlgorithmFinding & { segmentLabel: string } => f.code === 'spine.fracture' && f.assessment === 'measured' && (f.value as number) > 0);
  const broken = truth[phantom.truth.spine.fractured!]!;
  for (const f of fractures) {
    const label = labels.find((l) => l.name === f.segmentLabel);
    assert.ok(label, `the fracture names its body's segment (${f.segmentLabel})`);
    assert.ok(Math.abs(label.centroid[2] - broken.center[2]) < 8, `${f.segmentLabel} is the crushed ${broken.level}`);
  }
});
