// npm run bench: wall time and peak memory of `polyrad analyze` on the real chest CT and on a
// 512 x 512 x 300 phantom, each in a fresh process so peak RSS belongs to that run alone.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const data = resolve(root, process.env.POLYRAD_TEST_DATA ?? '../shared/data');
// Prints the process's peak RSS (kB) on exit, whatever way the CLI exits.
const reportPeak = `data:text/javascript,process.on('exit',()=>process.stderr.write('maxrss:'+process.resourceUsage().maxRSS+'\\n'))`;
const work = mkdtempSync(join(tmpdir(), 'polyrad-bench-'));

function measure(label, args) {
  const started = performance.now();
  const run = spawnSync(process.execPath, ['--import', reportPeak, join(root, 'apps/platform/bin/polyrad.js'), ...args], {
    encoding: 'utf8',
  });
  const wall = (performance.now() - started) / 1000;
  const peakKb = Number(/maxrss:(\d+)/.exec(run.stderr)?.[1]);
  if (run.status !== 0) {
    console.log(`${label}: failed (exit ${run.status})\n${run.stderr}`);
    return;
  }
  console.log(`${label.padEnd(48)} ${wall.toFixed(1).padStart(6)} s  ${(peakKb / 1024).toFixed(0).padStart(6)} MB peak RSS`);
}

try {
  const lidc = join(data, 'ct/lidc-idri-0001/jpeg-lossless-sv1');
  if (existsSync(lidc)) measure('analyze LIDC-IDRI-0001 (512x512x133, JPEG LL)', ['analyze', lidc, '--out', join(work, 'lidc')]);
  else console.log(`skipping the real CT: ${lidc} not found (set POLYRAD_TEST_DATA)`);
  const phantomDir = join(work, 'phantom');
  spawnSync(process.execPath, [join(root, 'scripts/write-phantom.mjs'), phantomDir, '512', '300'], { stdio: 'inherit' });
  measure('analyze phantom (512x512x300, uncompressed)', ['analyze', phantomDir, '--out', join(work, 'phantom-out')]);
} finally {
  rmSync(work, { recursive: true, force: true });
}
