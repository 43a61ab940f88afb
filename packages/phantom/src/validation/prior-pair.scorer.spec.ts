import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Vec3 } from '@polyrad/sdk';
import { rescannedPoint } from '../chest-rescan.generator.js';
import { formatPairTable, generatePriorPair, PRIOR_PAIRS, scorePriorPair, type PairSide, type PriorPair } from './prior-pair.scorer.js';
import type { ReportFinding } from './validation.types.js';

const sides = (pair: PriorPair): [PairSide, PairSide] => {
  const { prior, current } = generatePriorPair(pair);
  return [prior, current];
};

const growth = PRIOR_PAIRS.find((p) => p.name.startsWith('growth, 5 mm'))!;
const [prior, current] = sides(growth);
const vdt = (i: number) => (365 * Math.LN2) / Math.log(current.truth.nodules[i].volumeMm3 / prior.truth.nodules[i].volumeMm3);

/** What a right comparison reports for the growth pair: each nodule at its place, its prior, the drawn change. */
function rightReport(): { findings: ReportFinding[]; comparison: { status: string } } {
  const nodules = current.truth.nodules.map((now, i) => {
    const then = prior.truth.nodules[i];
    const grew = now.volumeMm3 / then.volumeMm3 > 1.25;
    return {
      code: 'lung.nodule',
      value: now.longAxisMm,
      center: rescannedPoint(current.volume, growth.rescan, now.center),
      prior: { center: then.center as Vec3, value: then.longAxisMm },
      change: grew ? 'growing' : 'stable',
      ...(grew ? { volumeDoublingDays: vdt(i) * 1.1 } : {}),
    };
  });
  const aorta = (['ascending', 'descending'] as const).map((s) => {
    const key = `${s}DiameterMm` as const;
    return { code: `aorta.${s}.diameter`, value: current.truth.aorta[key], prior: { value: prior.truth.aorta[key] }, changeMm: current.truth.aorta[key] - prior.truth.aorta[key] + 0.5 };
  });
  return { findings: [...nodules, ...aorta], comparison: { status: 'assessed' } };
}

test('a right comparison of the growth pair (VDT 10 % off, aortic change 0.5 mm off) is within on every row', () => {
  const outcomes = scorePriorPair(growth, rightReport(), prior, current);
  assert.deepEqual(outcomes.map((o) => o.item), ['nodule 1', 'nodule 2', 'aorta.ascending.diameter', 'aorta.descending.diameter']);
  assert.ok(outcomes.every((o) => o.within === true), formatPairTable(outcomes));
  assert.ok(Math.abs(outcomes[0].error! - 10) < 0.01);
});

test('a doubling time 30 % off, a stable nodule called growing, a nodule matched to another place and aortic growth 1.5 mm off are each out', () => {
  const report = rightReport();
  report.findings[0].volumeDoublingDays = vdt(0) * 1.3;
  report.findings[1].change = 'growing';
  const moved = rightReport();
  (moved.findings[0].prior as { center: Vec3 }).center = [0, 0, 0];
  report.findings[2].changeMm = (report.findings[2].changeMm as number) + 1;
  const outcomes = scorePriorPair(growth, report, prior, current);
  assert.deepEqual(outcomes.map((o) => o.within), [false, false, false, true]);
  assert.equal(scorePriorPair(growth, moved, prior, current)[0].within, false);
  assert.match(scorePriorPair(growth, moved, prior, current)[0].reported, /matched to a prior finding .* mm from this nodule/);
});

test('a comparison not assessed fails the pair with its reason; a nodule the detector missed is said as such', () => {
  const [row] = scorePriorPair(growth, { findings: [], comparison: { status: 'not-assessed', reason: 'registration failed: x' } }, prior, current);
  assert.equal(row.within, false);
  assert.match(row.reported, /registration failed/);
  const report = rightReport();
  report.findings.splice(0, 1);
  const missed = scorePriorPair(growth, report, prior, current)[0];
  assert.equal(missed.reported, 'not found on this exam');
  assert.equal(missed.within, false);
});

test('the new nodule of the new-nodule pair must be called new', () => {
  const pair = PRIOR_PAIRS.find((p) => p.name === 'a new nodule')!;
  const [then, now] = sides(pair);
  const findings = now.truth.nodules.map((n, i) => ({
    code: 'lung.nodule',
    value: n.longAxisMm,
    center: rescannedPoint(now.volume, pair.rescan, n.center),
    ...(i === 0 ? { prior: { center: then.truth.nodules[0].center, value: then.truth.nodules[0].longAxisMm }, change: 'stable' } : { change: 'new' }),
  }));
  const rows = (f: ReportFinding[]) => scorePriorPair(pair, { findings: f, comparison: { status: 'assessed' } }, then, now).filter((o) => o.item.startsWith('nodule'));
  assert.deepEqual(rows(findings).map((o) => o.within), [true, true]);
  findings[1].change = 'stable';
  assert.equal(rows(findings)[1].within, false);
});
