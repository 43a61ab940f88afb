import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPlugin, producersOf } from '../index.js';
import { testManifest } from '../manifest/manifest.fixture.js';

test('loadPlugin refuses an entry that is missing or exports no algorithm, and keeps the package manifest', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'polyrad-loader-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(testManifest('test.loader')));
  await assert.rejects(loadPlugin(dir), { code: 'PACKAGE_FILE_MISSING', message: /entry dist\/index\.js is missing/ });
  mkdirSync(join(dir, 'dist'));
  writeFileSync(join(dir, 'dist', 'index.js'), 'export const run = () => ({});\n');
  await assert.rejects(loadPlugin(dir), { code: 'PLUGIN_ENTRY_INVALID', message: /does not default-export defineAlgorithm/ });
  writeFileSync(join(dir, 'dist', 'main.js'), "export default { manifest: { id: 'claims.other' }, run: () => ({ findings: [] }) };\n");
  const given = testManifest('test.loader', { entry: 'dist/main.js' });
  const algorithm = await loadPlugin(dir, given);
  assert.equal(algorithm.manifest, given, 'outputs are checked against the given manifest, not what the module claims');
  assert.deepEqual(await algorithm.run({} as never, { log: () => undefined }), { findings: [] });
});

test('producersOf keeps the given order and matches type and semver range', () => {
  const mask = (id: string, version: string) => testManifest(id, { produces: [{ type: 'test.mask', version, kind: 'mask' }] });
  const candidates = [mask('a', '1.4.0'), mask('b', '2.0.0'), mask('c', '1.1.0'), testManifest('d')];
  assert.deepEqual(producersOf(candidates, 'test.mask', '^1.2').map((m) => m.id), ['a']);
  assert.deepEqual(producersOf(candidates, 'test.mask', '>=1').map((m) => m.id), ['a', 'b', 'c']);
  assert.deepEqual(producersOf(candidates, 'test.other', '*'), []);
});
