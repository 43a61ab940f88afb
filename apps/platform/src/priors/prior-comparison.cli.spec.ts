import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { reportSchemaErrors, type Report, type Vec3 } from '@polyrad/sdk';
import { writeCtSeries } from '@polyrad/dicom';
import { generateChestPhantom, rescanVolume } from '@polyrad/phantom';
import { runCli } from '../cli/cli.js';
import { shiftAt } from './rigid.registration.js';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const dataRoot = resolve(repoRoot, process.env.POLYRAD_TEST_DATA ?? '../shared/data');
const lidc = join(dataRoot, 'ct/lidc-idri-0001/jpeg-lossless-sv1');
const noLidc = existsSync(lidc) ? false : `real CT not found at ${lidc} (set POLYRAD_TEST_DATA)`;
if (noLidc) console.log(`# skipping the real-CT prior test: ${noLidc}`);

async function cli(...args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(new Command(), ['node', 'polyrad', ...args], { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

test('analyze --prior: the prior is analysed with the same plugins, the nodule it holds is matched across a table shift and keeps its tracking UID into the SR', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'polyrad-prior-'));
  try {
    const before = generateChestPhantom({ seed: 11, nodules: { specs: [{ diameterMm: 6 }, { diameterMm: 10 }] } });
    const after = generateChestPhantom({ seed: 11, nodules: { specs: [{ diameterMm: 9 }, { diameterMm: 10 }] } });
    await writeCtSeries(before.volume, join(dir, 'prior'), { PatientID: 'P11', StudyDate: '20250101', AccessionNumber: 'A1' });
    const rescanned = rescanVolume(after.volume, { shiftMm: [7.3, -12.1, 43.4], crop: { i: [10, 150], j: [5, 155], k: [2, 88] } });
    await writeCtSeries(rescanned, join(dir, 'now'), { PatientID: 'P11', StudyDate: '20260101', AccessionNumber: 'A2' });
    const { code, err } = await cli('analyze', join(dir, 'now'), '--prior', join(dir, 'prior'), '--out', join(dir, 'out'));
    assert.equal(code, 0, err.join('\n'));
    const report = JSON.parse(await readFile(join(dir, 'out', 'report.json'), 'utf8')) as Report;
    assert.deepEqual(reportSchemaErrors(report), []);
    const comparison = report.comparison!;
    assert.equal(comparison.status, 'assessed', comparison.reason);
    assert.equal(comparison.prior.studyDate, '20250101');
    assert.equal(comparison.intervalDays, 365);
    // the same bundled plugins produced both sides
    assert.deepEqual(comparison.prior.algorithms, comparison.current.algorithms);
    // whatever the detector found on both exams is matched, not listed as new and resolved
    const compared = report.findings.filter((f) => f.code === 'lung.nodule' && f.prior);
    assert.ok(compared.length >= 1, `no nodule matched: ${report.impression}`);
    assert.deepEqual(comparison.newFindings, []);
    assert.deepEqual(comparison.resolvedFindings, []);
    const big = compared.find((f) => Math.abs((f.prior as { value: number }).value - 10.9) < 2);
    assert.ok(big, 'the unchanged 10 mm nodule is matched');
    assert.equal(big.change, 'stable');
    // the registration (a shift and small angles about the lungs' centre) moves this nodule by the table shift
    const { translationMm, rotationDeg, centreMm } = comparison.registration!;
    assert.ok(rotationDeg!.every((d) => Math.abs(d) <= 1.5), `no rotation, found ${rotationDeg}`);
    const t = shiftAt({ translation: translationMm, rotationDeg: rotationDeg!, centre: centreMm! }, (big.prior as { center: Vec3 }).center);
    assert.ok(Math.max(Math.abs(t[0] - 7.3), Math.abs(t[1] + 12.1), Math.abs(t[2] - 43.4)) <= 4, `registered shift at the nodule ${t}`);
    assert.match(report.impression, /Comparison with the prior of 2025-01-01 \(365 days\)/);
    const sr = await readFile(join(dir, 'out', 'report.sr.dcm'));
    assert.ok(sr.includes(Buffer.from(big.trackingUid as string)), 'the SR carries the tracking UID the nodule had on the prior');
    const fhir = await readFile(join(dir, 'out', 'report.fhir.json'), 'utf8');
    assert.ok(fhir.includes(`urn:oid:${big.trackingUid as string}`), 'the FHIR Observation carries it as an identifier');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('analyze --prior on a folder without DICOM exits 2 with one line naming --prior', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'polyrad-prior-'));
  try {
    const now = generateChestPhantom({ seed: 3 });
    await writeCtSeries(now.volume, join(dir, 'now'), { PatientID: 'P3', StudyDate: '20260101', AccessionNumber: '' });
    const { code, err } = await cli('analyze', join(dir, 'now'), '--prior', join(dir, 'missing'), '--out', join(dir, 'out'));
    assert.equal(code, 2);
    assert.match(err.join('\n'), /--prior .*missing/);
    assert.doesNotMatch(err.join('\n'), /\n\s+at /);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
