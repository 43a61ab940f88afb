// Parse and decode throughput of @polyrad/dicom beside DCMTK on the same files, in one run:
// parsing = headers of every file (ours: scanDicomInputs; DCMTK: one `dcmdump` over all files),
// decoding = pixels of the whole series (ours: loadVolume; DCMTK: `dcmdjpeg` per compressed file,
// net of the cost of starting its process, measured with `dcmdjpeg --version`; for uncompressed
// files `dcmdump` loading every value, pixel data included, in one process). dcmdjpeg also writes
// each file back, which we skip: read the ratio with that in mind. Ratios above 1 mean polyrad is
// faster. Peak memory: scan and load of the
// 512 x 512 x 300 series in a fresh process (`--peak-rss <dir>`), its peak RSS beside the volume's size.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { groupSeries, loadVolume, scanDicomInputs } from '@polyrad/dicom';

if (process.argv[2] === '--peak-rss') {
  const { instances } = await scanDicomInputs([process.argv[3]]);
  const volume = await loadVolume(groupSeries(instances)[0]);
  // VmHWM, not getrusage's maxRSS: Linux carries maxRSS over fork and exec, so it would report this
  // script's parent when that was larger.
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  console.log(JSON.stringify({ peakRss: hwm ? Number(hwm[1]) * 1024 : process.resourceUsage().maxRSS * 1024, volumeBytes: volume.voxels.byteLength }));
  process.exit(0);
}

const root = resolve(import.meta.dirname, '..');
const data = resolve(root, process.env.POLYRAD_TEST_DATA ?? '../shared/data');
const lidc = join(data, 'ct/lidc-idri-0001/jpeg-lossless-sv1');
const hasDcmtk = spawnSync('dcmdump', ['--version']).status === 0;

const hasTime = spawnSync('/usr/bin/time', ['-f', '%U', 'true']).status === 0;

// Best of `repeats`: wall seconds and CPU seconds (user + system, all threads). On a shared, busy
// machine wall time swings by 2-3x between runs; CPU time much less, so both are printed.
// `first` is the first run's wall time: for polyrad it includes starting the pixel reader threads.
async function measure(fn, repeats = 5) {
  let wall = Infinity;
  let cpu = Infinity;
  let first;
  for (let n = 0; n < repeats; n++) {
    const started = performance.now();
    const usage = process.cpuUsage();
    const childCpu = (await fn()) ?? 0;
    const used = process.cpuUsage(usage);
    first ??= (performance.now() - started) / 1000;
    wall = Math.min(wall, (performance.now() - started) / 1000);
    cpu = Math.min(cpu, typeof childCpu === 'number' && childCpu > 0 ? childCpu : (used.user + used.system) / 1e6);
  }
  return { wall, cpu, first };
}

/** Runs a DCMTK tool; returns its CPU seconds (from /usr/bin/time), or 0 when that is unavailable. */
function dcmtk(tool, args) {
  if (!hasTime) {
    execFileSync(tool, args, { maxBuffer: 1 << 30 });
    return 0;
  }
  const result = spawnSync('/usr/bin/time', ['-f', '%U %S', tool, ...args], { maxBuffer: 1 << 30, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${tool} failed: ${result.stderr}`);
  const [user, system] = result.stderr.trim().split('\n').pop().split(' ').map(Number);
  return user + system;
}

function row(label, files, ours, theirs) {
  const rate = (s) => `${(files / s).toFixed(0).padStart(5)} files/s`;
  const cpu = (m) => (m.cpu > 0 ? `, CPU ${m.cpu.toFixed(2)} s` : '');
  const peer =
    theirs === undefined
      ? 'DCMTK not installed (apt-get install dcmtk)'
      : `DCMTK ${theirs.wall.toFixed(2)} s (${rate(theirs.wall)}${cpu(theirs)}), ratio ${(theirs.wall / ours.wall).toFixed(2)}x` +
        (theirs.cpu > 0 ? ` (CPU ${(theirs.cpu / ours.cpu).toFixed(2)}x)` : '');
  console.log(`${label.padEnd(44)} polyrad ${ours.wall.toFixed(2)} s (${rate(ours.wall)}${cpu(ours)}; first run ${ours.first.toFixed(2)} s)  ${peer}`);
}

async function benchFolder(label, dir, compressed) {
  const files = readdirSync(dir).map((f) => join(dir, f));
  const parse = await measure(() => scanDicomInputs([dir]).then(() => 0));
  const parseDcmtk = hasDcmtk ? await measure(() => dcmtk('dcmdump', ['-q', '-M', ...files])) : undefined;
  row(`${label}: parse headers`, files.length, parse, parseDcmtk);
  const { instances } = await scanDicomInputs([dir]);
  const decode = await measure(() => loadVolume(groupSeries(instances)[0]).then(() => 0));
  const out = mkdtempSync(join(tmpdir(), 'polyrad-dcmtk-'));
  let decodeDcmtk;
  if (hasDcmtk && compressed) {
    const total = await measure(() => files.reduce((sum, f, n) => sum + dcmtk('dcmdjpeg', [f, join(out, `${n}.dcm`)]), 0), 1);
    const starts = await measure(() => files.reduce((sum) => sum + dcmtk('dcmdjpeg', ['--version']), 0), 1);
    decodeDcmtk = { wall: Math.max(total.wall - starts.wall, 1e-3), cpu: Math.max(total.cpu - starts.cpu, 0) };
  } else if (hasDcmtk) {
    decodeDcmtk = await measure(() => dcmtk('dcmdump', ['-q', ...files]));
  }
  rmSync(out, { recursive: true, force: true });
  row(`${label}: decode pixels`, files.length, decode, decodeDcmtk);
}

if (existsSync(lidc)) await benchFolder('LIDC 512x512x133 JPEG Lossless', lidc, true);
else console.log(`skipping the real CT: ${lidc} not found (set POLYRAD_TEST_DATA)`);
const phantomDir = mkdtempSync(join(tmpdir(), 'polyrad-bench-raw-'));
try {
  execFileSync(process.execPath, [join(root, 'scripts/write-phantom.mjs'), phantomDir, '512', '300']);
  await benchFolder('phantom 512x512x300 uncompressed', phantomDir, false);
  const child = execFileSync(process.execPath, [import.meta.filename, '--peak-rss', phantomDir], { encoding: 'utf8' });
  const { peakRss, volumeBytes } = JSON.parse(child.trim().split('\n').pop());
  const mb = (bytes) => `${(bytes / 1e6).toFixed(0)} MB`;
  console.log(`${'phantom 512x512x300: peak RSS, scan + load'.padEnd(44)} ${mb(peakRss)} for a ${mb(volumeBytes)} volume: ${(peakRss / volumeBytes).toFixed(2)}x (goal <= 1.5x)`);
} finally {
  rmSync(phantomDir, { recursive: true, force: true });
}
