// Runs every compiled *.spec.js under the workspaces with node's test runner.
// Usage: node scripts/run-tests.mjs [substring filter...]
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const roots = ['packages', 'examples', 'apps'];
const specs = [];
function walk(dir, inDist) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, inDist || name === 'dist');
    else if (inDist && name.endsWith('.spec.js')) specs.push(path);
  }
}
roots.forEach((root) => walk(root, false));
const filters = process.argv.slice(2);
const selected = filters.length ? specs.filter((s) => filters.some((f) => s.includes(f))) : specs;
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...selected.sort()], { stdio: 'inherit' });
process.exit(result.status ?? 1);
