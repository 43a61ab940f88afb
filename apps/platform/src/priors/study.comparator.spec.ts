import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DECISION_SUPPORT_NOTICE, reportSchemaErrors, type Report, type ReportFinding, type Vec3, type Volume } from '@polyrad/sdk';
import { generateChestPhantom, rescanVolume, type ChestPhantom } from '@polyrad/phantom';
import { compareWithPrior, type ComparedStudy } from './study.comparator.js';

/**
 * Phantom pairs of one patient a year apart, the later one rescanned elsewhere (another table position,
 * 5 mm sections, a smaller field of view). Reports are built from the phantoms' truth, so what is tested
 * here is the comparison itself: registration, matching, growth, categories, priority.
 */
const SHIFT: Vec3 = [-9.6, 14.2, -37.5];
const ALGORITHMS = [
  { id: 'polyrad.lung-nodules', version: '1.0.0', status: 'succeeded' as const, seriesInstanceUid: 'S' },
  { id: 'polyrad.aorta', version: '1.0.0', status: 'succeeded' as const, seriesInstanceUid: 'S' },
];
const baseline = (d: number) => (d < 6 ? '2' : d < 8 ? '3' : d < 15 ? '4A' : '4B');

function study(phantom: ChestPhantom, volume: Volume, shift: Vec3, meta: { uid: string; date: string; patientId?: string }): ComparedStudy {
  const at = (p: Vec3): Vec3 => [p[0] + shift[0], p[1] + shift[1], p[2] + shift[2]];
  const algorithm = { id: 'polyrad.lung-nodules', version: '1.0.0' };
  const nodules: ReportFinding[] = phantom.truth.nodules.map((n) => ({
    code: 'lung.nodule', assessment: 'measured', value: n.longAxisMm, unit: 'mm', shortAxisMm: n.shortAxisMm, meanDiameterMm: n.meanDiameterMm,
    volumeMm3: n.volumeMm3, type: 'solid', side: n.side, center: at(n.center), category: baseline(n.meanDiameterMm), algorithm, seriesInstanceUid: meta.uid + '.1',
  }));
  const aorta: ReportFinding = { code: 'aorta.ascending.diameter', assessment: 'measured', value: phantom.truth.aorta.ascendingDiameterMm, unit: 'mm', category: 'normal', algorithm: { id: 'polyrad.aorta', version: '1.0.0' }, seriesInstanceUid: meta.uid + '.1' };
  const report: Report = {
    study: { studyInstanceUid: meta.uid, patientId: meta.patientId ?? 'P-11', studyDate: meta.date, accessionNumber: `A-${meta.date}` },
    series: [{ seriesInstanceUid: meta.uid + '.1', modality: 'CT', fingerprint: { bodyRegions: ['thorax'] } }],
    algorithms: ALGORITHMS.map((a) => ({ ...a, seriesInstanceUid: meta.uid + '.1' })),
    findings: [...nodules, aorta],
    impression: '',
    warnings: [],
    status: 'draft',
    disclaimer: DECISION_SUPPORT_NOTICE,
    generatedAt: '2026-01-01T00:00:00.000Z',
    generator: { name: 'polyrad', version: '0.1.0' },
  };
  return { report, volumes: new Map([[meta.uid + '.1', volume]]) };
}

const labels = new Map<string, string>();
const priorPhantom = generateChestPhantom({ seed: 11, nodules: { specs: [{ diameterMm: 6 }, { diameterMm: 10 }] }, aorta: { aneurysm: false, ascendingDiameterMm: 40 } });
// a year later: the first nodule grew, the second did not, a third is new, the ascending aorta widened by 5 mm (drawn in the same place: a wider aorta can move where the phantom puts nodules)
const laterPhantom = generateChestPhantom({ seed: 11, nodules: { specs: [{ diameterMm: 9 }, { diameterMm: 10 }, { diameterMm: 6 }] }, aorta: { aneurysm: false, ascendingDiameterMm: 45 } });
const rescan = (p: ChestPhantom) => rescanVolume(p.volume, { shiftMm: SHIFT, slicesPerSection: 2, crop: { i: [6, 154], j: [4, 156], k: [0, 88] } });
const prior = study(priorPhantom, priorPhantom.volume, [0, 0, 0], { uid: '1.2.3.1', date: '20250101' });
const current = study(laterPhantom, rescan(laterPhantom), SHIFT, { uid: '1.2.3.2', date: '20260101' });

const nodules = (r: Report) => r.findings.filter((f) => f.code === 'lung.nodule');

test('a grown nodule, a stable one and a new one are told apart; the grown one keeps its tracking UID and has a doubling time within 25 %', () => {
  const report = compareWithPrior({ current, prior, labels });
  assert.deepEqual(reportSchemaErrors(report), []);
  assert.equal(report.comparison?.status, 'assessed', report.comparison?.reason);
  assert.deepEqual(report.comparison?.prior.algorithms, [{ id: 'polyrad.lung-nodules', version: '1.0.0' }, { id: 'polyrad.aorta', version: '1.0.0' }]);
  const [grown, stable, added] = nodules(report);
  const [priorGrown, priorStable] = priorPhantom.truth.nodules;
  assert.equal(grown.change, 'growing');
  assert.deepEqual((grown.prior as { center: Vec3 }).center, priorGrown.center, 'matched to the nodule it was');
  assert.equal(typeof grown.trackingUid, 'string');
  const truthVdt = (365 * Math.LN2) / Math.log(laterPhantom.truth.nodules[0].volumeMm3 / priorGrown.volumeMm3);
  assert.ok(Math.abs((grown.volumeDoublingDays as number) - truthVdt) <= 0.25 * truthVdt, `VDT ${grown.volumeDoublingDays} vs ${truthVdt}`);
  assert.equal(grown.category, laterPhantom.truth.nodules[0].meanDiameterMm < 8 ? '4A' : '4B');
  assert.equal(stable.change, 'stable');
  assert.deepEqual((stable.prior as { center: Vec3 }).center, priorStable.center);
  assert.equal(added.change, 'new');
  assert.equal(report.comparison?.newFindings?.length, 1);
  assert.deepEqual(report.comparison?.resolvedFindings, []);
  assert.match(report.impression, /Comparison with the prior of 2025-01-01 \(365 days\)/);
});

test('aortic growth of 5 mm in a year is rapid growth and makes the study urgent', () => {
  const report = compareWithPrior({ current, prior, labels });
  const aorta = report.findings.find((f) => f.code === 'aorta.ascending.diameter')!;
  assert.ok(Math.abs((aorta.growthMmPerYear as number) - 5) <= 1, `growth ${aorta.growthMmPerYear}`);
  assert.equal(aorta.growthCategory, 'rapid growth');
  assert.equal(report.priority?.level, 'urgent');
  assert.match(report.priority!.reasons.join(), /rapid aortic growth/);
});

test('the same anatomy rescanned a year later reads stable throughout, and routine', () => {
  const again = study(priorPhantom, rescan(priorPhantom), SHIFT, { uid: '1.2.3.3', date: '20260101' });
  const report = compareWithPrior({ current: again, prior, labels });
  assert.equal(report.comparison?.status, 'assessed');
  assert.deepEqual(nodules(report).map((f) => f.change), ['stable', 'stable']);
  assert.ok(nodules(report).every((f) => f.volumeDoublingDays === undefined && f.volumeChangeBeyondError === false), 'no doubling time for an unchanged volume');
  assert.equal(report.findings.find((f) => f.code === 'aorta.ascending.diameter')!.growthCategory, 'within measurement error');
  assert.equal(report.priority?.level, 'routine');
});

test('a prior of another patient, or one that does not register, is "comparison not assessed" with the reason, never stable', () => {
  const stranger = study(priorPhantom, priorPhantom.volume, [0, 0, 0], { uid: '1.2.3.4', date: '20250101', patientId: 'P-99' });
  const other = compareWithPrior({ current, prior: stranger, labels });
  assert.equal(other.comparison?.status, 'not-assessed');
  assert.match(other.comparison!.reason!, /another patient/);
  assert.match(other.impression, /Comparison with the prior of 2025-01-01: not assessed — the prior belongs to another patient/);
  const airVolume: Volume = { ...priorPhantom.volume, voxels: new Int16Array(priorPhantom.volume.voxels.length).fill(-1000) };
  const air: ComparedStudy = { ...prior, volumes: new Map([['1.2.3.1.1', airVolume]]) };
  const unregistered = compareWithPrior({ current, prior: air, labels });
  assert.equal(unregistered.comparison?.status, 'not-assessed');
  assert.match(unregistered.comparison!.reason!, /registration failed/);
  for (const report of [other, unregistered]) {
    assert.deepEqual(reportSchemaErrors(report), []);
    assert.ok(report.findings.every((f) => f.change === undefined && f.prior === undefined && f.growthMmPerYear === undefined));
    assert.doesNotMatch(report.impression, /stable/);
  }
});

test('a nodule the detector missed on one exam is neither new nor resolved when its tissue is there: change not assessed', () => {
  // the prior's report lost the first nodule, the current one the second; both are still in the images
  const priorMissed: ComparedStudy = { ...prior, report: { ...prior.report, findings: prior.report.findings.filter((_, i) => i !== 0) } };
  const currentMissed: ComparedStudy = { ...current, report: { ...current.report, findings: current.report.findings.filter((_, i) => i !== 1) } };
  const report = compareWithPrior({ current: currentMissed, prior: priorMissed, labels });
  const grown = nodules(report)[0];
  assert.equal(grown.change, undefined);
  assert.match(String(grown.comparison), /^not assessed: its place on the prior shows tissue/);
  assert.deepEqual(report.comparison?.resolvedFindings, []);
  assert.equal(report.comparison?.unmeasuredPriorFindings?.length, 1);
  assert.deepEqual(report.comparison?.newFindings?.map((f) => f.value), [laterPhantom.truth.nodules[2].longAxisMm]);
});

test('a prior of another modality or body region, not earlier, or from other algorithm versions is not compared', () => {
  const variant = (change: (r: Report) => Report): ComparedStudy => ({ ...prior, report: change(structuredClone(prior.report)) });
  const cases: Array<[ComparedStudy, RegExp]> = [
    [variant((r) => ({ ...r, series: r.series.map((s) => ({ ...s, modality: 'MR' })) })), /the prior is MR, not CT/],
    [variant((r) => ({ ...r, series: r.series.map((s) => ({ ...s, fingerprint: { bodyRegions: ['head'] } })) })), /the prior shows head, not the thorax/],
    [variant((r) => ({ ...r, study: { ...r.study, studyDate: '20260101' } })), /not earlier than this study/],
    [variant((r) => ({ ...r, algorithms: r.algorithms.map((a) => ({ ...a, version: '0.9.0' })) })), /other algorithm versions .*polyrad\.lung-nodules 0\.9\.0 \(prior\) vs 1\.0\.0/],
  ];
  for (const [priorStudy, reason] of cases) {
    const report = compareWithPrior({ current, prior: priorStudy, labels });
    assert.equal(report.comparison?.status, 'not-assessed');
    assert.match(report.comparison!.reason!, reason);
    assert.ok(nodules(report).every((f) => f.change === undefined));
  }
});
