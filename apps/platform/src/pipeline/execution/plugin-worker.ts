/*
 * Entry of the isolated plugin process: `node plugin-worker.js <jobDir>`, forked by LocalProcessExecutor.
 * Reads the job from jobDir, loads and runs the plugin, writes output payloads to jobDir/out and sends one
 * `result` message. Anything that kills this process is reported by the parent from the exit code/signal.
 */
import { join } from 'node:path';
import { loadPlugin, PolyradError } from '@polyrad/sdk';
import { OUTPUT_DIR, readJob, writeArtifacts, type ResultDescriptor, type WorkerMessage } from './job-payload.codec.js';
import { ModelClient } from './model-channel.js';
import { runPlugin } from './plugin-runner.js';

/** Exit code for an error that escaped the plugin's run() (a stray timer or promise), as in sysexits EX_SOFTWARE. */
const UNCAUGHT_EXIT_CODE = 70;

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function send(message: WorkerMessage): Promise<void> {
  return new Promise((resolve) => (process.send ? process.send(message, () => resolve()) : resolve()));
}

function dieOnUncaught(error: unknown): void {
  process.stderr.write(`uncaught ${describe(error)}\n`, () => process.exit(UNCAUGHT_EXIT_CODE));
}

async function main(jobDir: string): Promise<void> {
  const started = performance.now();
  const job = await readJob(jobDir);
  let result: ResultDescriptor;
  try {
    // The platform's copy of the manifest is the one outputs are checked against.
    const algorithm = await loadPlugin(job.packageDir, job.manifest);
    // the models run in the executor's process, outside this sandbox (model-channel.ts)
    const models = new ModelClient((request) => void send(request), job.manifest.limits.memoryMb * 1024 * 1024);
    process.on('message', (message) => models.receive(message));
    const run = await runPlugin(algorithm, job.series, job.artifacts, job.config, (message) => void send({ type: 'log', message }), models.provider);
    const artifacts = run.status === 'succeeded' ? await writeArtifacts(join(jobDir, OUTPUT_DIR), run.artifacts, 'output-') : [];
    result = { ...run, artifacts };
  } catch (error) {
    const reason = error instanceof PolyradError ? error.toLine() : `could not load or finish the plugin: ${describe(error)}`;
    result = { status: 'failed', reason, durationMs: Math.round(performance.now() - started), artifacts: [], findings: [], missing: [], warnings: [] };
  }
  await send({ type: 'result', result });
  // Plugins may leave timers or handles behind; the job is over once the result is sent.
  process.exit(0);
}

process.on('uncaughtException', dieOnUncaught);
process.on('unhandledRejection', dieOnUncaught);
// The parent went away (closed the executor or died): nobody is waiting for this job any more.
process.on('disconnect', () => process.exit(0));
main(process.argv[2]).catch(dieOnUncaught);
