// Receiving speed against Orthanc (issue #17): the same 512 x 512 CT series, in the same run, to Debian's
// Orthanc and to Polyrad (`npm start`, embedded database), both answering success only after fsync (Orthanc:
// SyncStorageArea, true by default since 1.7.4; Polyrad: always). DIMSE: DCMTK storescu over four parallel
// associations with TCP_NODELAY=1. STOW-RS: four parallel clients, 25 instances a request. Each run gets a
// fresh series (neither server sees an instance twice) and the servers take turns, first Orthanc then Polyrad,
// then the other way round; the best of the two is printed. Then the peak memory (VmHWM) of each server
// over a 2,000-instance DIMSE run. Ratios above 1 mean Polyrad is faster. On a shared machine wall times
// swing: read the numbers with the load in mind (printed at the start).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeCtSeries } from '@polyrad/dicom';
import { generateChestPhantom } from '@polyrad/phantom';

const root = resolve(import.meta.dirname, '..');
const SERIES = Number(process.env.POLYRAD_BENCH_INSTANCES ?? 100);
const MEMORY_RUN = Number(process.env.POLYRAD_BENCH_MEMORY_INSTANCES ?? 2000);
const ASSOCIATIONS = 4;
const STOW_BATCH = 25;
const storescu = ['/usr/bin/storescu', '/usr/local/bin/storescu'].find(existsSync);
const orthancBinary = ['/usr/sbin/Orthanc', '/usr/bin/Orthanc'].find(existsSync);
if (!storescu || !orthancBinary) {
  console.log(`intake benchmark skipped: needs DCMTK storescu and Orthanc (apt-get install dcmtk orthanc orthanc-dicomweb)`);
  process.exit(0);
}

const work = mkdtempSync(join(tmpdir(), 'polyrad-bench-intake-'));
const children = [];
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

function freePort() {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

async function until(what, ready, seconds = 60) {
  for (const deadline = Date.now() + seconds * 1000; Date.now() < deadline; ) {
    if (await ready().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} not ready within ${seconds} s`);
}

async function startOrthanc() {
  const dir = join(work, 'orthanc');
  const [httpPort, dicomPort] = [await freePort(), await freePort()];
  const config = join(work, 'orthanc.json');
  const plugin = '/usr/share/orthanc/plugins/libOrthancDicomWeb.so';
  const settings = {
    StorageDirectory: dir, IndexDirectory: dir, HttpPort: httpPort, DicomPort: dicomPort, DicomAet: 'ORTHANC',
    RemoteAccessAllowed: false, AuthenticationEnabled: false, DicomAlwaysAllowStore: true, SyncStorageArea: true,
    ...(existsSync(plugin) ? { Plugins: [plugin], DicomWeb: { Enable: true, Root: '/dicom-web/' } } : {}),
  };
  await import('node:fs/promises').then((fs) => fs.writeFile(config, JSON.stringify(settings)));
  const child = spawn(orthancBinary, [config], { stdio: 'ignore' });
  children.push(child);
  const base = `http://127.0.0.1:${httpPort}`;
  await until('Orthanc', async () => (await fetch(`${base}/system`)).ok);
  return {
    name: 'Orthanc', pid: child.pid, dicomPort, aeTitle: 'ORTHANC', stowUrl: existsSync(plugin) ? `${base}/dicom-web/studies` : undefined, headers: {},
    count: async () => (await (await fetch(`${base}/statistics`)).json()).CountInstances,
  };
}

async function startPolyrad() {
  const [port, dicomPort] = [await freePort(), await freePort()];
  const password = 'bench-admin-password';
  const child = spawn(process.execPath, [join(root, 'apps/platform/dist/main.js')], {
    stdio: 'ignore',
    env: {
      ...process.env, PORT: String(port), DICOM_PORT: String(dicomPort), POLYRAD_DATA_DIR: join(work, 'polyrad'),
      // nothing is analysed while the benchmark sends: it measures receiving
      POLYRAD_QUIET_PERIOD_S: '86400', POLYRAD_ADMIN_PASSWORD: password, POLYRAD_DICOMWEB_MAX_REQUEST_MB: '1024',
    },
  });
  children.push(child);
  const base = `http://127.0.0.1:${port}`;
  await until('Polyrad', async () => (await fetch(`${base}/health`)).ok);
  const login = await (await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }) })).json();
  const headers = { authorization: `Bearer ${login.accessToken}` };
  return {
    name: 'Polyrad', pid: child.pid, dicomPort, aeTitle: 'POLYRAD', stowUrl: `${base}/dicomweb/studies`, headers,
    count: async () => {
      const studies = await (await fetch(`${base}/dicomweb/studies?limit=10000`, { headers })).json();
      return studies.reduce((sum, study) => sum + Number(study['00201208']?.Value?.[0] ?? 0), 0);
    },
  };
}

const volume = generateChestPhantom({ seed: 17, dimensions: [512, 512, SERIES], spacing: [0.7, 0.7, 1.25] }).volume;
let written = 0;
/** `instances` fresh instances (new UIDs) of the 512 x 512 series, as files. */
async function freshInstances(instances) {
  const files = [];
  while (files.length < instances) {
    const series = await writeCtSeries(volume, join(work, `series-${written++}`), { PatientID: 'BENCH', StudyDate: '20260101' });
    files.push(...series.files);
  }
  return files.slice(0, instances);
}

const split = (files, parts) => Array.from({ length: parts }, (_, n) => files.filter((_, i) => i % parts === n));

/** Sends the files with storescu over ASSOCIATIONS parallel associations; seconds from the first start to the last exit. */
async function sendDimse(server, files) {
  const started = performance.now();
  await Promise.all(
    split(files, ASSOCIATIONS).map(
      (group) =>
        new Promise((done, fail) => {
          const child = spawn(storescu, ['-aec', server.aeTitle, '127.0.0.1', String(server.dicomPort), ...group], { env: { ...process.env, TCP_NODELAY: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
          let errors = '';
          child.stderr.on('data', (d) => (errors += d));
          child.on('close', (status) => (status === 0 && !/E:/.test(errors) ? done() : fail(new Error(`storescu to ${server.name} failed: ${errors.slice(-500)}`))));
        }),
    ),
  );
  return (performance.now() - started) / 1000;
}

/** Sends the files by STOW-RS from ASSOCIATIONS parallel clients, STOW_BATCH a request; seconds in all. */
async function sendStow(server, files) {
  const started = performance.now();
  await Promise.all(
    split(files, ASSOCIATIONS).map(async (group) => {
      for (let i = 0; i < group.length; i += STOW_BATCH) {
        const boundary = `bench-${i}-${Math.random().toString(36).slice(2)}`;
        const parts = group.slice(i, i + STOW_BATCH).flatMap((file) => [Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`), readFileSync(file), Buffer.from('\r\n')]);
        const body = Buffer.concat([...parts, Buffer.from(`--${boundary}--\r\n`)]);
        const res = await fetch(server.stowUrl, { method: 'POST', headers: { ...server.headers, 'content-type': `multipart/related; type="application/dicom"; boundary=${boundary}` }, body });
        if (res.status !== 200) throw new Error(`STOW-RS to ${server.name}: HTTP ${res.status} ${(await res.text()).slice(0, 300)}`);
      }
    }),
  );
  return (performance.now() - started) / 1000;
}

const peakRss = (pid) => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
const rss = (pid) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
const MiB = (bytes) => `${(bytes / 1024 ** 2).toFixed(0)} MiB`;

console.log(`intake benchmark: ${SERIES} instances of 512 x 512, ${ASSOCIATIONS} parallel senders; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${spawnSync('nproc').stdout.toString().trim()} cores`);
const orthanc = await startOrthanc();
const polyrad = await startPolyrad();

async function compare(label, send, servers) {
  const best = new Map();
  for (const order of [servers, [...servers].reverse()]) {
    for (const server of order) {
      const files = await freshInstances(SERIES);
      const before = await server.count();
      const seconds = await send(server, files);
      const stored = (await server.count()) - before;
      if (stored !== files.length) throw new Error(`${server.name} holds ${stored} new instances after ${label}, not ${files.length}`);
      best.set(server.name, Math.min(best.get(server.name) ?? Infinity, seconds));
    }
  }
  const rate = (name) => SERIES / best.get(name);
  const line = servers.map((s) => `${s.name} ${best.get(s.name).toFixed(2)} s (${rate(s.name).toFixed(0)} instances/s)`).join(', ');
  console.log(`${label.padEnd(34)} ${line}${servers.length === 2 ? `, ratio ${(rate('Polyrad') / rate('Orthanc')).toFixed(2)}` : ''}`);
}

await compare(`C-STORE, ${ASSOCIATIONS} associations`, sendDimse, [orthanc, polyrad]);
if (orthanc.stowUrl) await compare(`STOW-RS, ${ASSOCIATIONS} clients`, sendStow, [orthanc, polyrad]);
else await compare(`STOW-RS, ${ASSOCIATIONS} clients (no Orthanc DICOMweb plugin)`, sendStow, [polyrad]);

// peak memory: a long run, sampled, against what each server held before it
for (const server of [orthanc, polyrad]) {
  const files = await freshInstances(MEMORY_RUN);
  const before = rss(server.pid);
  let sampled = before;
  const sampler = setInterval(() => (sampled = Math.max(sampled, rss(server.pid))), 100);
  const seconds = await sendDimse(server, files);
  clearInterval(sampler);
  console.log(
    `${`${MEMORY_RUN} instances by C-STORE`.padEnd(34)} ${server.name}: ${seconds.toFixed(1)} s (${(MEMORY_RUN / seconds).toFixed(0)} instances/s), ` +
      `resident before ${MiB(before)}, at most ${MiB(sampled)} during the run (peak since start ${MiB(peakRss(server.pid))}), after ${MiB(rss(server.pid))}`,
  );
  // the next server gets fresh disk space
  for (const file of files) rmSync(file, { force: true });
}
process.exit(0);
