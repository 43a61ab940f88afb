import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const sdkDir = fileURLToPath(new URL('..', import.meta.url));

test('npm pack ships what a vendor imports: every export with its types, no tests, fixtures or build bookkeeping', () => {
  const packed = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: sdkDir, encoding: 'utf8' });
  assert.equal(packed.status, 0, packed.stderr);
  const files = new Set((JSON.parse(packed.stdout) as Array<{ files: Array<{ path: string }> }>)[0].files.map((f) => f.path));
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { exports: Record<string, string | Record<string, string>> };
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    for (const file of typeof target === 'string' ? [target] : Object.values(target)) {
      assert.ok(files.has(file.replace(/^\.\//, '')), `export ${subpath} -> ${file} is not in the package`);
    }
  }
  assert.ok(files.has('README.md'));
  const unwanted = [...files].filter((f) => /\.spec\.|\.fixture\.|tsbuildinfo/.test(f));
  assert.deepEqual(unwanted, []);
});
