import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AlgorithmManifest, Criterion, Report } from '@polyrad/sdk';
import { sampleReport } from '../report.fixture.js';
import { ksStatistic, operatingRangeAlerts, outputShift } from './drift-detector.js';

function manifest(criteria: Criterion[]): AlgorithmManifest {
  return { id: 'acme.thin', version: '2.0.0', series: { criteria } } as unknown as AlgorithmManifest;
}

function withSeries(fingerprints: Array<Record<string, unknown>>): Report {
  const base = sampleReport('1.2.826.0.1.3680043.8.498.1');
  return { ...base, series: fingerprints.map((fingerprint, i) => ({ seriesInstanceUid: `1.2.3.${i + 1}`, modality: String(fingerprint.Modality), fingerprint })) };
}

const thinCt: Criterion[] = [
  { field: 'Modality', op: 'equals', value: 'CT', required: true },
  { field: 'SliceThickness', op: 'range', max: 3, required: true },
  { field: 'ConvolutionKernel', op: 'in', value: ['B30f', 'STANDARD'], required: false, weight: 2 },
];

test('a series the plugin is meant for (modality passes) with an acquisition outside its required range raises an operating-range alert', () => {
  const report = withSeries([
    { Modality: 'CT', SliceThickness: 5, ConvolutionKernel: 'B70f' },
    { Modality: 'CT', SliceThickness: 1 },
    { Modality: 'MR', SliceThickness: 8 },
  ]);
  const alerts = operatingRangeAlerts('north', report, [manifest(thinCt)]);
  assert.deepEqual(
    alerts.map((a) => [a.site, a.pluginId, a.pluginVersion, a.kind, a.subject, a.details.seriesInstanceUid, a.details.actual, a.details.declared]),
    [['north', 'acme.thin', '2.0.0', 'operating-range', 'SliceThickness', '1.2.3.1', 5, '<= 3']],
    'the thin CT is in range, the MR is not what the plugin takes, and a preferred (not required) kernel is no declared range',
  );
  assert.match(alerts[0]!.message, /SliceThickness 5 is outside the range acme\.thin@2\.0\.0 declares \(<= 3\)/);
});

test('a plugin that declares no operating range never raises one', () => {
  const report = withSeries([{ Modality: 'CT', SliceThickness: 10 }]);
  assert.deepEqual(operatingRangeAlerts('default', report, [manifest([{ field: 'Modality', op: 'equals', value: 'CT', required: true }])]), []);
});

test('Kolmogorov-Smirnov D is the largest gap between the two empirical distributions', () => {
  assert.equal(ksStatistic([1, 2, 3], [1, 2, 3]), 0);
  assert.equal(ksStatistic([1, 2, 3], [4, 5, 6]), 1);
  assert.ok(Math.abs(ksStatistic([1, 2, 3, 4], [3, 4, 5, 6]) - 0.5) < 1e-12);
});

test('output shift: no verdict under the minimum sample; a stable output is not flagged, a moved one is', () => {
  // a deterministic spread of values around 40 (a diameter in mm)
  const stable = (n: number, centre: number) => Array.from({ length: n }, (_, i) => centre + ((i * 7) % 11) - 5);
  assert.equal(outputShift(stable(39, 40)), undefined, 'fewer than 20 + 20 values');
  const same = outputShift(stable(60, 40))!;
  assert.deepEqual([same.baseline, same.recent, same.shifted], [30, 30, false]);
  const moved = outputShift([...stable(30, 40), ...stable(30, 48)])!;
  assert.equal(moved.shifted, true);
  assert.ok(moved.statistic > moved.critical && Math.abs(moved.critical - 1.628 * Math.sqrt(60 / 900)) < 1e-12);
  // the window is the newest values: an old shift that is the baseline itself is no alert
  assert.equal(outputShift([...stable(30, 48), ...stable(30, 48)])!.shifted, false);
});
