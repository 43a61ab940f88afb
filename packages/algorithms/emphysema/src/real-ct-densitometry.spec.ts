import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AlgorithmFinding } from '@polyrad/sdk';
import { groupSeries, loadVolume, scanDicomInputs } from '@polyrad/dicom';
import segmentation from '@polyrad/algorithm-lung-segmentation';
import plugin from './index.js';

// dist/ sits four levels below the repository root (packages/algorithms/emphysema/dist)
const repositoryRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..');
const dataDir = resolve(process.env.POLYRAD_TEST_DATA ?? join(repositoryRoot, '../shared/data'));
const petCt = join(dataDir, 'ct/lung-pet-ct-dx-a0001');
const skip = existsSync(petCt) ? false : `real CT not found at ${petCt} (set POLYRAD_TEST_DATA)`;
if (skip) console.log(`# skipping: ${skip}`);

/** A real series through the lung segmentation and emphysema plugins, with the header facts the platform passes. */
async function findingsOf(dir: string): Promise<Record<string, AlgorithmFinding>> {
  const { instances } = await scanDicomInputs([dir]);
  const [series] = groupSeries(instances);
  const volume = await loadVolume(series);
  const first = series.instances[0];
  const input = { seriesInstanceUid: series.SeriesInstanceUID, modality: 'CT', volume, fingerprint: { SliceThickness: first.SliceThickness, ConvolutionKernel: first.ConvolutionKernel } };
  const context = { log: () => undefined };
  const segmented = await segmentation.run({ series: input, artifacts: {}, config: {} }, context);
  const artifacts = Object.fromEntries((segmented.artifacts ?? []).map((a) => [a.type, a]));
  const findings = (await plugin.run({ series: input, artifacts, config: {} }, context)).findings ?? [];
  return Object.fromEntries(findings.map((f) => [f.code, f]));
}

// One acquisition, two reconstructions: on the lung kernel L, LAA-950 came out 13.6 % ("moderate"), on
// the body kernel B 0.3 % ("none"). Neither may be stated: 5 mm sections, and L is sharp and noisy.
test('Lung-PET-CT-Dx A0001: LAA-950 and Perc15 are not assessed on 5 mm sections, and the lung kernel is named as too noisy', { skip, timeout: 300_000 }, async () => {
  const sharp = await findingsOf(join(petCt, '2.000000-5mm-40805'));
  const soft = await findingsOf(join(petCt, '3.000000-5mm-41315'));
  for (const findings of [sharp, soft]) {
    for (const code of ['lung.laa950', 'lung.right.laa950', 'lung.left.laa950', 'lung.perc15']) {
      assert.equal(findings[code].assessment, 'not-assessed', code);
      assert.equal(findings[code].category, undefined, code);
      assert.match(findings[code].reason!, /sections are 5 mm thick/);
    }
  }
  assert.match(sharp['lung.laa950'].reason!, /kernel "L" is a sharp.*image noise in aerated lung is \d+ HU/);
  assert.doesNotMatch(soft['lung.laa950'].reason!, /noise|kernel/);
  // the volumes do not depend on kernel or section thickness: both measured, and alike on both kernels
  for (const side of ['right', 'left']) {
    const [a, b] = [sharp, soft].map((f) => f[`lung.${side}.volume`].value as number);
    assert.ok(Math.abs(a - b) < 0.03 * b, `${side} lung ${a} vs ${b} mL`);
  }
});
