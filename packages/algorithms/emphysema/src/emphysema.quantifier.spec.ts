import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import semver from 'semver';
import { PolyradError, validateManifest, type AlgorithmFinding, type IndeterminateCategory, type LabelMask, type Volume, type VolumeGeometry } from '@polyrad/sdk';
import { generateChestPhantom } from '@polyrad/phantom';
import segmentation from '@polyrad/algorithm-lung-segmentation';
import plugin, { emphysemaCategory, isSharpKernel, quantifyEmphysema } from './index.js';

const geometry: VolumeGeometry = {
  dimensions: [10, 10, 10],
  spacing: [1, 1, 2],
  origin: [0, 0, 0],
  direction: [[1, 0, 0], [0, 1, 0], [0, 0, 1]],
};

/** right half (i < 5) label 1 with 30 % of voxels at -980 HU, left half label 2 all at -850 HU */
function synthetic(labelNames: Record<number, string> = { 1: 'lung.right', 2: 'lung.left' }): { volume: Volume; mask: LabelMask } {
  const voxels = new Int16Array(1000);
  const labels = new Uint8Array(1000);
  for (let p = 0; p < 1000; p++) {
    const i = p % 10;
    const j = Math.floor(p / 10) % 10;
    labels[p] = i < 5 ? 1 : 2;
    // 30 % of the right lung: 3 of its 5 columns, in half of the rows
    voxels[p] = i < 3 && j < 5 ? -980 : -850;
  }
  const flip = labelNames[1] === 'lung.left';
  if (flip) labels.forEach((l, p) => (labels[p] = l === 1 ? 2 : 1));
  return { volume: { geometry, voxels, unit: 'HU' }, mask: { geometry, labels, labelNames } };
}

const byCode = (findings: AlgorithmFinding[]): Record<string, AlgorithmFinding> => Object.fromEntries(findings.map((f) => [f.code, f]));

test('volumes, LAA-950, Perc15 and categories on a hand-made volume', () => {
  const { volume, mask } = synthetic();
  const { measurements, findings } = quantifyEmphysema(volume, mask, { coverage: { apices: true, bases: true } });
  assert.deepEqual(measurements.voxelCount, { right: 500, left: 500, total: 1000 });
  assert.equal(measurements.volumeMl.right, 1); // 500 voxels x 2 mm3
  assert.equal(measurements.laa950Percent.right, 30);
  assert.equal(measurements.laa950Percent.left, 0);
  assert.equal(measurements.laa950Percent.total, 15);
  assert.equal(measurements.perc15Hu.right, -980);
  assert.equal(measurements.perc15Hu.left, -850);
  assert.equal(measurements.perc15Hu.total, -980); // exactly 15 % at -980
  const f = byCode(findings);
  assert.equal(f['lung.right.laa950'].category, 'severe');
  assert.equal(f['lung.left.laa950'].category, 'none');
  assert.equal(f['lung.laa950'].category, 'moderate');
  assert.equal(f['lung.right.volume'].unit, 'mL');
  assert.equal(f['lung.perc15'].value, -980);
});

test('sides come from the mask label names, not from fixed numbers', () => {
  const { volume, mask } = synthetic({ 1: 'lung.left', 2: 'lung.right' });
  const { measurements } = quantifyEmphysema(volume, mask);
  assert.equal(measurements.laa950Percent.right, 30);
  assert.equal(measurements.laa950Percent.left, 0);
  assert.throws(() => quantifyEmphysema(volume, { ...mask, labelNames: { 1: 'lung' } }), (e: unknown) => e instanceof PolyradError && e.code === 'MASK_INVALID');
});

test('severity bands: <5 none, 5-<10 mild, 10-<20 moderate, >=20 severe; borderline within ±2 points of a cut-off', () => {
  const grade = (laa: number): string => emphysemaCategory(laa).category;
  assert.deepEqual([0, 2.9, 3, 6.9, 7.9, 8, 11.9, 12, 17.9, 18, 22, 60].map(grade), [
    'none',
    'none',
    'borderline none/mild',
    'borderline none/mild',
    'mild',
    'borderline mild/moderate',
    'borderline mild/moderate',
    'moderate',
    'moderate',
    'borderline moderate/severe',
    'severe',
    'severe',
  ]);
  assert.equal(emphysemaCategory(4).indeterminate?.reason, 'borderline: 4 % lies within the measurement error (±2 %) of the 5 % cut-off between none and mild');
});

test('manifest validates, and consumes what the lung segmentation produces', () => {
  const manifest = validateManifest(JSON.parse(readFileSync(new URL('../manifest.json', import.meta.url), 'utf8')), 'manifest.json');
  assert.equal(manifest.id, 'polyrad.emphysema');
  const produced = segmentation.manifest.produces.find((p) => p.type === manifest.consumes[0].type);
  assert.ok(produced, 'lung segmentation produces the consumed type');
  assert.ok(semver.satisfies(produced.version, manifest.consumes[0].range), `${produced.version} satisfies ${manifest.consumes[0].range}`);
  assert.deepEqual(
    manifest.findings.map((f) => f.code).sort(),
    ['lung.laa950', 'lung.left.laa950', 'lung.left.volume', 'lung.perc15', 'lung.right.laa950', 'lung.right.volume'],
  );
});

test('end to end: phantom -> lung segmentation plugin -> emphysema plugin -> findings near the truth', async () => {
  const phantom = generateChestPhantom({ seed: 515, feetFirst: true, touchingLungs: true, emphysemaFraction: 0.15 });
  const series = { seriesInstanceUid: '1.2.3', modality: 'CT', volume: phantom.volume, fingerprint: {} };
  const context = { log: () => undefined };
  const segmented = await segmentation.run({ series, artifacts: {}, config: {} }, context);
  const artifacts = Object.fromEntries((segmented.artifacts ?? []).map((a) => [a.type, a]));
  const outputs = await plugin.run({ series, artifacts, config: {} }, context);
  const findings = outputs.findings ?? [];
  const declared = new Map(plugin.manifest.findings.map((f) => [f.code, f.unit]));
  assert.equal(findings.length, declared.size);
  for (const finding of findings) {
    assert.equal(finding.unit, declared.get(finding.code), finding.code);
    assert.ok(finding.reference?.text && finding.reference.source, `${finding.code} has a reference with a source`);
    if (finding.code.endsWith('laa950')) assert.match(finding.category!, /^(none|mild|moderate|severe|borderline (none|mild|moderate)\/(mild|moderate|severe))$/);
  }
  const f = byCode(findings);
  const { truth } = phantom;
  for (const side of ['right', 'left'] as const) {
    const volume = f[`lung.${side}.volume`].value as number;
    assert.ok(Math.abs(volume - truth.lungVolumeMl[side]) < 0.05 * truth.lungVolumeMl[side], `${side} ${volume} vs ${truth.lungVolumeMl[side]}`);
    const laa = f[`lung.${side}.laa950`].value as number;
    assert.ok(Math.abs(laa - truth.laa950Percent[side]) < 1.5, `${side} LAA ${laa} vs ${truth.laa950Percent[side]}`);
  }
  assert.ok(Math.abs((f['lung.laa950'].value as number) - truth.laa950Percent.total) < 1.5);
  // the truth's grade, or borderline between it and its neighbour
  const t = truth.laa950Percent.total;
  const truthGrade = t < 5 ? 'none' : t < 10 ? 'mild' : t < 20 ? 'moderate' : 'severe';
  const between = (f['lung.laa950'].indeterminate as IndeterminateCategory | undefined)?.between;
  if (between) assert.ok(between.includes(truthGrade), `${f['lung.laa950'].category} for ${t}`);
  else assert.equal(f['lung.laa950'].category, truthGrade);
  assert.ok(Math.abs((f['lung.perc15'].value as number) - truth.perc15Hu) <= 5, `perc15 ${f['lung.perc15'].value} vs ${truth.perc15Hu}`);
});

test('the plugin refuses to run without the lung mask', () => {
  const { volume } = synthetic();
  assert.throws(
    () => plugin.run({ series: { seriesInstanceUid: '1', modality: 'CT', volume, fingerprint: {} }, artifacts: {}, config: {} }, { log: () => undefined }),
    (e: unknown) => e instanceof PolyradError && e.code === 'INPUT_MISSING',
  );
});

/** The phantom through both plugins, with the header facts a scanner would give. */
async function phantomFindings(options: Parameters<typeof generateChestPhantom>[0], fingerprint: Record<string, unknown> = {}): Promise<Record<string, AlgorithmFinding>> {
  const phantom = generateChestPhantom(options);
  const series = { seriesInstanceUid: '1.2.3', modality: 'CT', volume: phantom.volume, fingerprint };
  const context = { log: () => undefined };
  const segmented = await segmentation.run({ series, artifacts: {}, config: {} }, context);
  const artifacts = Object.fromEntries((segmented.artifacts ?? []).map((a) => [a.type, a]));
  return byCode((await plugin.run({ series, artifacts, config: {} }, context)).findings ?? []);
}

const DENSITY_CODES = ['lung.laa950', 'lung.right.laa950', 'lung.left.laa950', 'lung.perc15'];

test('operating range: noisy images (SD 60 HU, as a sharp kernel gives) leave LAA-950 and Perc15 not assessed', async () => {
  const quiet = await phantomFindings({ seed: 616, emphysemaFraction: 0.03, noiseSd: 20 });
  assert.equal(quiet['lung.laa950'].assessment, undefined);
  assert.equal(typeof quiet['lung.laa950'].value, 'number');
  const noisy = await phantomFindings({ seed: 616, emphysemaFraction: 0.03, noiseSd: 60 });
  for (const code of DENSITY_CODES) {
    assert.equal(noisy[code].assessment, 'not-assessed', code);
    assert.equal(noisy[code].value, null);
    assert.equal(noisy[code].category, undefined);
    assert.match(noisy[code].reason!, /image noise in aerated lung is \d+ HU/);
  }
  // noise does not change the volumes
  assert.equal(typeof noisy['lung.right.volume'].value, 'number');
});

test('operating range: 5 mm sections and a sharp kernel named in the header are declined, volumes still measured', async () => {
  const thick = await phantomFindings({ seed: 617 }, { SliceThickness: 5, ConvolutionKernel: 'B30f' });
  assert.match(thick['lung.laa950'].reason!, /sections are 5 mm thick/);
  assert.equal(typeof thick['lung.left.volume'].value, 'number');
  const sharp = await phantomFindings({ seed: 617 }, { SliceThickness: 1, ConvolutionKernel: ['B70f'] });
  assert.match(sharp['lung.perc15'].reason!, /kernel "B70f" is a sharp/);
  assert.deepEqual(['LUNG', 'BONEPLUS', 'L', 'B70f', 'Br64', 'I70f', 'FC51', 'FC86'].filter(isSharpKernel).length, 8);
  assert.deepEqual(['STANDARD', 'SOFT', 'B', 'C', 'B30f', 'B45f', 'Br40', 'I31f', 'FC08', 'FC13'].filter(isSharpKernel), []);
});

test('a lung mask that does not cover the apices gives not-assessed volumes, with the mask\'s reason', () => {
  const { volume, mask } = synthetic();
  const coverage = { apices: false, bases: true };
  const f = byCode(quantifyEmphysema(volume, mask, { coverage, coverageNote: 'lungs not fully covered: the right lung apex runs beyond the first slice' }).findings);
  for (const side of ['right', 'left']) {
    assert.equal(f[`lung.${side}.volume`].value, null);
    assert.match(f[`lung.${side}.volume`].reason!, /apex runs beyond the first slice/);
  }
  assert.equal(f['lung.laa950'].value, 15, 'densitometry of the lung that is there is still measured');
  const unknown = byCode(quantifyEmphysema(volume, mask).findings);
  assert.match(unknown['lung.right.volume'].reason!, /does not say whether both lungs lie entirely in the scan/);
});
