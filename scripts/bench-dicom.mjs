// Parse and decode throughput of @polyrad/dicom beside DCMTK on the same files, in one run:
// parsing = headers of every file (ours: scanDicomInputs; DCMTK: one `dcmdump` over all files),
// decoding = pixels of the whole series (ours: loadVolume; DCMTK: `dcmdjpeg` per compressed file,
// net of the cost of starting its process, measured with `dcmdjpeg --version`; for uncompressed
// files `dcmdump` loading every value, pixel data included, in one process). dcmdjpeg also writes
// each file back, which we skip: read the ratio with that in mind.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { groupSeries, loadVolume, scanDicomInputs } from '@polyrad/dicom';

const root = resolve(import.meta.dirname, '..');
const data = resolve(root, process.env.POLYRAD_TEST_DATA ?? '../shared/data');
const lidc = join(data, 'ct/lidc-idri-0001/jpeg-lossless-sv1');
const hasDcmtk = spawnSync('dcmdump', ['--version']).status === 0;

async function time(fn, repeats = 3) {
  const runs = [];
  for (let n = 0; n < repeats; n++) {
    const started = performance.now();
    await fn();
    runs.push(performance.now() - started);
  }
  return Math.min(...runs) / 1000;
}

function row(label, files, ours, theirs) {
  const rate = (s) => `${(files / s).toFixed(0).padStart(5)} files/s`;
  const peer = theirs === undefined ? 'DCMTK not installed (apt-get install dcmtk)' : `DCMTK ${theirs.toFixed(2)} s (${rate(theirs)}), ratio ${(theirs / ours).toFixed(2)}x`;
  console.log(`${label.padEnd(44)} polyrad ${ours.toFixed(2)} s (${rate(ours)})  ${peer}`);
}

async function benchFolder(label, dir, compressed) {
  const files = readdirSync(dir).map((f) => join(dir, f));
  const parse = await time(() => scanDicomInputs([dir]));
  const parseDcmtk = hasDcmtk ? await time(() => execFileSync('dcmdump', ['-q', '-M', ...files], { maxBuffer: 1 << 30 })) : undefined;
  row(`${label}: parse headers`, files.length, parse, parseDcmtk);
  const { instances } = await scanDicomInputs([dir]);
  const decode = await time(() => loadVolume(groupSeries(instances)[0]));
  const out = mkdtempSync(join(tmpdir(), 'polyrad-dcmtk-'));
  let decodeDcmtk;
  if (hasDcmtk && compressed) {
    const total = await time(() => files.forEach((f, n) => execFileSync('dcmdjpeg', [f, join(out, `${n}.dcm`)])), 1);
    const starts = await time(() => files.forEach(() => execFileSync('dcmdjpeg', ['--version'])), 1);
    decodeDcmtk = Math.max(total - starts, 1e-3);
  } else if (hasDcmtk) {
    decodeDcmtk = await time(() => execFileSync('dcmdump', ['-q', ...files], { maxBuffer: 1 << 30 }));
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
} finally {
  rmSync(phantomDir, { recursive: true, force: true });
}
