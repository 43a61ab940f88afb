import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { reportSchemaErrors, type Report } from '@polyrad/sdk';
import { writeCtSeries } from '@polyrad/dicom';
import { generateChestPhantom } from '@polyrad/phantom';
import { runCli } from './cli.js';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const bin = join(repoRoot, 'apps/platform/bin/polyrad.js');
const dataRoot = resolve(repoRoot, process.env.POLYRAD_TEST_DATA ?? '../shared/data');
const lidc = join(dataRoot, 'ct/lidc-idri-0001/jpeg-lossless-sv1');
const noLidc = existsSync(lidc) ? false : `real CT not found at ${lidc} (set POLYRAD_TEST_DATA)`;
if (noLidc) console.log(`# skipping real-CT CLI tests: ${noLidc}`);

async function cli(...args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(new Command(), ['node', 'polyrad', ...args], { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

/** The measured value of a finding; a finding not assessed fails here with its reason. */
function finding(report: Report, code: string): number {
  const f = report.findings.find((x) => x.code === code);
  assert.ok(f, `finding ${code} missing; algorithms: ${JSON.stringify(report.algorithms)}`);
  assert.equal(f.assessment, 'measured', `${code} not assessed: ${f.reason}`);
  return Number(f.value);
}

test('analyze on a phantom written as DICOM recovers its lung volumes and LAA-950', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'polyrad-cli-'));
  try {
    const phantom = generateChestPhantom({ seed: 7, emphysemaFraction: 0.12 });
    await writeCtSeries(phantom.volume, join(dir, 'in'), { PatientID: 'PHANTOM-7', StudyDate: '20260101', AccessionNumber: 'A7' });
    const { code, out } = await cli('analyze', join(dir, 'in'), '--out', join(dir, 'out'));
    assert.equal(code, 0);
    assert.match(out.join('\n'), /: \d+ findings, \d+ not assessed, 0 failed algorithms -> .*report\.json$/);
    const report = JSON.parse(await readFile(join(dir, 'out/report.json'), 'utf8')) as Report;
    assert.deepEqual(reportSchemaErrors(report), []);
    assert.equal(report.study.patientId, 'PHANTOM-7');
    const status = Object.fromEntries(report.algorithms.map((a) => [a.id, a.status]));
    assert.equal(status['polyrad.lung-segmentation'], 'succeeded');
    assert.equal(status['polyrad.emphysema'], 'succeeded');
    assert.deepEqual(report.algorithms.filter((a) => a.status === 'failed'), []);
    const { truth } = phantom;
    assert.ok(Math.abs(finding(report, 'lung.left.volume') / truth.lungVolumeMl.left - 1) < 0.05);
    assert.ok(Math.abs(finding(report, 'lung.right.volume') / truth.lungVolumeMl.right - 1) < 0.05);
    assert.ok(Math.abs(finding(report, 'lung.laa950') - truth.laa950Percent.total) < 1.5);
    assert.match(report.impression, /Emphysema \(LAA-950, both lungs\)/);
    assert.equal(report.status, 'draft');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('explain names the series fingerprint and why each plugin applies', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'polyrad-cli-'));
  try {
    const phantom = generateChestPhantom({ seed: 3 });
    await writeCtSeries(phantom.volume, dir, { PatientID: 'P3', StudyDate: '20260101', AccessionNumber: '' });
    const { code, out } = await cli('explain', dir);
    assert.equal(code, 0);
    const text = out.join('\n');
    assert.match(text, /Modality: "CT"/);
    assert.match(text, /applies\s+polyrad\.lung-segmentation@1\.0\.0/);
    assert.match(text, /applies\s+polyrad\.emphysema@1\.0\.0/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('malformed files give exit 2 and one line each naming the file and the reason, never a stack trace', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'polyrad-bad-'));
  try {
    await writeFile(join(dir, 'empty.dcm'), '');
    await writeFile(join(dir, 'notes.txt'), 'this is not DICOM at all\n'.repeat(20));
    const phantom = generateChestPhantom({ seed: 1 });
    await writeCtSeries(phantom.volume, join(dir, 'series'), { PatientID: 'P', StudyDate: '20260101', AccessionNumber: '' });
    const one = (await readdir(join(dir, 'series')))[0];
    const bytes = await readFile(join(dir, 'series', one));
    await writeFile(join(dir, 'truncated.dcm'), bytes.subarray(0, Math.floor(bytes.length / 2)));
    await rm(join(dir, 'series'), { recursive: true });

    // Through the real bin, as a user runs it.
    const run = spawnSync(process.execPath, [bin, 'analyze', dir, '--out', join(dir, 'out')], { encoding: 'utf8' });
    assert.equal(run.status, 2, run.stderr);
    const lines = run.stderr.trim().split('\n');
    for (const name of ['empty.dcm', 'notes.txt', 'truncated.dcm']) {
      const line = lines.filter((l) => l.includes(join(dir, name)));
      assert.equal(line.length, 1, `one line for ${name} in:\n${run.stderr}`);
    }
    assert.match(run.stderr, /no usable DICOM image series/);
    assert.doesNotMatch(run.stderr, /\n\s+at /);
    assert.equal(existsSync(join(dir, 'out/report.json')), false);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a usable series next to a broken file and a repeated one gives a report that lists both', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'polyrad-mixed-'));
  try {
    const phantom = generateChestPhantom({ seed: 2 });
    const written = await writeCtSeries(phantom.volume, dir, { PatientID: 'P', StudyDate: '20260101', AccessionNumber: '' });
    await writeFile(join(dir, 'garbage.dcm'), Buffer.from('DICM'.repeat(10)));
    await writeFile(join(dir, 'zz-copy.dcm'), await readFile(written.files[0]));
    const { code, err } = await cli('analyze', dir, '--out', join(dir, 'out'));
    assert.equal(code, 0);
    assert.equal(err.filter((l) => l.includes('garbage.dcm')).length, 1);
    const report = JSON.parse(await readFile(join(dir, 'out/report.json'), 'utf8')) as Report;
    assert.ok(report.warnings.some((w) => w.includes('garbage.dcm')));
    // How the series was put together reaches the report too.
    assert.ok(report.warnings.some((w) => w.startsWith(`series ${written.SeriesInstanceUID}: `) && /zz-copy\.dcm repeats SOPInstanceUID/.test(w)), report.warnings.join('\n'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('analyze on the real LIDC-IDRI chest CT gives plausible lung volumes and LAA-950, and no Lung-RADS the readers contradict', { skip: noLidc }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'polyrad-lidc-'));
  try {
    const { code } = await cli('analyze', lidc, '--out', dir);
    assert.equal(code, 0);
    const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as Report;
    assert.deepEqual(reportSchemaErrors(report), []);
    const left = finding(report, 'lung.left.volume');
    const right = finding(report, 'lung.right.volume');
    // Adult lungs at inspiration: about 1.5-4 L each, the right usually the larger.
    assert.ok(left > 1200 && left < 4500, `left ${left} mL`);
    assert.ok(right > 1500 && right < 5000, `right ${right} mL`);
    assert.ok(right > left * 0.9, `right ${right} vs left ${left}`);
    const laa = finding(report, 'lung.laa950');
    assert.ok(laa >= 0 && laa < 20, `LAA-950 ${laa} %`);

    // All four LIDC readers outlined a nodule of about 33 x 26 mm (069.xml): Lung-RADS v2022 4B (solid
    // >= 15 mm) or 4X. "Lung-RADS 1, negative" would contradict them; not assessed, with a reason, would not.
    const lungRads = report.findings.find((f) => f.code === 'lung.lungrads');
    assert.ok(lungRads, `no Lung-RADS statement at all; algorithms: ${JSON.stringify(report.algorithms)}`);
    if (lungRads.assessment === 'not-assessed') assert.ok(lungRads.reason?.trim(), 'not assessed needs a reason');
    else assert.ok(['4B', '4X'].includes(String(lungRads.value)), `Lung-RADS ${lungRads.value} (${lungRads.category}) on a scan with a reader-confirmed ~33 mm nodule`);
    assert.doesNotMatch(report.impression, /Lung-RADS [12]\b/, report.impression);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});


test('polyrad worker refuses to start without a usable broker setting, in one line naming it, exit 2', () => {
  const worker = (env: Record<string, string>, ...args: string[]) => spawnSync(process.execPath, [bin, 'worker', ...args], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, encoding: 'utf8', timeout: 30_000 });
  const cases: Array<[Record<string, string>, string[], RegExp]> = [
    [{}, [], /^polyrad: polyrad worker needs POLYRAD_BROKER_URL/],
    [{ POLYRAD_BROKER_URL: 'http://mq:5672' }, [], /^polyrad: invalid configuration: POLYRAD_BROKER_URL must be an amqp:\/\/ or amqps:\/\/ URL/],
    [{ POLYRAD_BROKER_URL: 'amqp://127.0.0.1:1' }, ['--concurrency', '0'], /^polyrad: --concurrency must be a whole number from 1 to 256, got "0"/],
  ];
  for (const [env, args, pattern] of cases) {
    const run = worker(env, ...args);
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, pattern);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
  }
});
