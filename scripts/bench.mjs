// npm run bench: wall time and peak memory of `polyrad analyze` (the whole bundled chest suite) on the
// real chest CT and on a 512 x 512 x 300 phantom. Each case runs in a fresh process; memory is the
// peak of the summed RSS of the CLI and all its plugin worker processes, sampled from /proc.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const data = resolve(root, process.env.POLYRAD_TEST_DATA ?? '../shared/data');
const work = mkdtempSync(join(tmpdir(), 'polyrad-bench-'));

/** RSS (kB) of a process and all its descendants, from /proc (Linux). */
function treeRssKb(pid) {
  const children = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(name));
    } catch {
      // the process ended while we looked
    }
  }
  let total = 0;
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop();
    try {
      total += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // ended
    }
    stack.push(...(children.get(p) ?? []));
  }
  return total;
}

async function measure(label, args) {
  const started = performance.now();
  const child = spawn(process.execPath, [join(root, 'apps/platform/bin/polyrad.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c) => (output += c));
  child.stderr.on('data', (c) => (output += c));
  let peakKb = 0;
  const sampler = setInterval(() => (peakKb = Math.max(peakKb, treeRssKb(child.pid))), 100);
  const status = await new Promise((done) => child.on('close', done));
  clearInterval(sampler);
  const wall = (performance.now() - started) / 1000;
  if (status !== 0) {
    console.log(`${label}: failed (exit ${status})\n${output}`);
    return;
  }
  console.log(`${label.padEnd(52)} ${wall.toFixed(1).padStart(6)} s  ${(peakKb / 1024).toFixed(0).padStart(6)} MB peak RSS (CLI + workers)`);
}

try {
  const lidc = join(data, 'ct/lidc-idri-0001/jpeg-lossless-sv1');
  if (existsSync(lidc)) await measure('chest suite, LIDC-IDRI-0001 (512x512x133, JPEG LL)', ['analyze', lidc, '--out', join(work, 'lidc')]);
  else console.log(`skipping the real CT: ${lidc} not found (set POLYRAD_TEST_DATA)`);
  const phantomDir = join(work, 'phantom');
  spawnSync(process.execPath, [join(root, 'scripts/write-phantom.mjs'), phantomDir, '512', '300'], { stdio: 'inherit' });
  await measure('chest suite, phantom (512x512x300, uncompressed)', ['analyze', phantomDir, '--out', join(work, 'phantom-out')]);
} finally {
  rmSync(work, { recursive: true, force: true });
}
