import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AlgorithmManifest } from '@polyrad/sdk';
import { dependencyProblem } from './dependency.checker.js';

const plugin = (id: string, consumes: Array<[string, string]>, produces: Array<[string, string]>): AlgorithmManifest =>
  ({
    id,
    version: '1.0.0',
    consumes: consumes.map(([type, range]) => ({ type, range })),
    produces: produces.map(([type, version]) => ({ type, version, kind: 'mask' })),
  }) as unknown as AlgorithmManifest;

const lungs = plugin('polyrad.lung-segmentation', [], [['polyrad.mask.lungs', '1.2.0']]);
const nodules = plugin('polyrad.lung-nodules', [['polyrad.mask.lungs', '^1']], []);

test('a plugin whose input an enabled plugin produces can be enabled', () => {
  assert.equal(dependencyProblem(nodules, [lungs]), undefined);
  assert.equal(dependencyProblem(lungs, []), undefined);
});

test('an input nobody produces, or only in an incompatible version, is refused with the reason', () => {
  assert.match(dependencyProblem(nodules, [])!, /needs polyrad\.mask\.lungs@\^1, which no plugin enabled at this site produces; enable a producer first/);
  const old = plugin('old.lungs', [], [['polyrad.mask.lungs', '0.9.0']]);
  assert.match(dependencyProblem(nodules, [old])!, /\(old\.lungs produces 0\.9\.0\)/);
});

test('a cycle through the enabled plugins is refused', () => {
  const a = plugin('a', [['type.b', '^1']], [['type.a', '1.0.0']]);
  const b = plugin('b', [['type.a', '^1']], [['type.b', '1.0.0']]);
  assert.equal(dependencyProblem(a, [b]), 'dependency cycle: a -> b -> a');
});
