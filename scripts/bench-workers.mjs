// npm run bench (second part): studies per hour through the bundled chest suite, a stream of small phantom
// studies analysed at once, with local worker processes (the embedded default) and with 1, 2 and 3
// `polyrad worker` processes behind RabbitMQ, side by side in one run on this machine. Needs the broker of
// POLYRAD_BENCH_BROKER_URL (default amqp://guest:guest@127.0.0.1:5672); it uses a queue of its own.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import amqplib from 'amqplib';

const root = resolve(import.meta.dirname, '..');
const dist = (path) => import(join(root, 'apps/platform/dist', path));
const { writeCtSeries } = await import('@polyrad/dicom');
const { generateChestPhantom } = await import('@polyrad/phantom');
const { StudyPipeline } = await dist('pipeline/study.pipeline.js');
const { LocalProcessExecutor } = await dist('pipeline/execution/local-process.executor.js');
const { RabbitMqExecutor } = await dist('pipeline/execution/broker/rabbitmq.executor.js');
const { queueNames } = await dist('pipeline/execution/broker/broker-topology.js');
const { bundledCatalog } = await dist('pipeline/planning/plugin-catalog.js');

const STUDIES = Number(process.env.POLYRAD_BENCH_STUDIES ?? 4);
const brokerUrl = process.env.POLYRAD_BENCH_BROKER_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const work = mkdtempSync(join(tmpdir(), 'polyrad-bench-workers-'));
// the sandboxed workers mount the job store below it
chmodSync(work, 0o755);
const settings = { url: brokerUrl, queue: `polyrad.bench.${randomBytes(3).toString('hex')}`, storeDir: join(work, 'store'), maxAttempts: 3, retryDelayMs: 1000 };

/** One stream of studies analysed at once, as a busy server receives them; studies per hour from the wall time. */
async function stream(label, executor, studies) {
  const catalog = bundledCatalog();
  const started = performance.now();
  const reports = await Promise.all(studies.map((dir) => new StudyPipeline(executor).analyze({ catalog, paths: [dir] })));
  const seconds = (performance.now() - started) / 1000;
  const runs = reports.flatMap((r) => r.report.algorithms).filter((a) => a.status !== 'skipped');
  const failed = runs.filter((a) => a.status === 'failed').length;
  console.log(`${label.padEnd(34)} ${(seconds).toFixed(1).padStart(6)} s  ${((studies.length / seconds) * 3600).toFixed(0).padStart(6)} studies/h  (${runs.length} plugin runs, ${failed} failed)`);
}

function startWorker() {
  const child = spawn(process.execPath, [join(root, 'apps/platform/bin/polyrad.js'), 'worker', '--concurrency', '1'], {
    env: { PATH: process.env.PATH, POLYRAD_BROKER_URL: settings.url, POLYRAD_BROKER_QUEUE: settings.queue, POLYRAD_JOB_STORE: settings.storeDir },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((ready, failed) => {
    child.stdout.setEncoding('utf8').on('data', (line) => line.includes('taking jobs from') && ready(child));
    child.once('exit', (code) => failed(new Error(`polyrad worker exited with ${code}`)));
  });
}

async function stopWorkers(workers) {
  await Promise.all(workers.map((w) => new Promise((done) => (w.exitCode !== null ? done() : (w.once('exit', done), w.kill('SIGTERM'))))));
}

try {
  const studies = [];
  for (let n = 0; n < STUDIES; n++) {
    const dir = join(work, `study-${n}`);
    const phantom = generateChestPhantom({ seed: 700 + n, dimensions: [96, 96, 60], spacing: [3.5, 3.5, 5] });
    await writeCtSeries(phantom.volume, dir, { PatientID: `BENCH-${n}`, StudyDate: '20261207' });
    studies.push(dir);
  }
  console.log(`${STUDIES} chest phantom studies (96 x 96 x 60) at once through the bundled suite; ${availableParallelism()} CPUs on this machine`);
  await stream(`local worker processes (${availableParallelism()} per study)`, () => new LocalProcessExecutor(), studies);
  let reachable = true;
  try {
    await (await amqplib.connect(brokerUrl, { timeout: 3000 })).close();
  } catch (error) {
    reachable = false;
    console.log(`RabbitMQ at ${brokerUrl.replace(/\/\/[^@]*@/, '//')} unreachable (${error.message}): the worker columns are left out`);
  }
  for (let count = 1; reachable && count <= 3; count++) {
    const workers = await Promise.all(Array.from({ length: count }, startWorker));
    try {
      await stream(`${count} polyrad worker${count > 1 ? 's' : ''} (RabbitMQ)`, () => new RabbitMqExecutor(settings), studies);
    } finally {
      await stopWorkers(workers);
    }
  }
  if (reachable) {
    const connection = await amqplib.connect(brokerUrl);
    const channel = await connection.createChannel();
    const names = queueNames(settings);
    for (const queue of [names.jobs, names.dead, names.retry(1), names.retry(2)]) await channel.deleteQueue(queue);
    await connection.close();
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
