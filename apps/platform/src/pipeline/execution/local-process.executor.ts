import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, realpathSync } from 'node:fs';
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { PolyradError } from '@polyrad/sdk';
import { loadSandboxSettings } from '../../config/app-config.js';
import { bundledCatalog } from '../planning/plugin-catalog.js';
import { OUTPUT_DIR, readArtifacts, writeJob, type ResultDescriptor, type WorkerMessage } from './job-payload.codec.js';
import { isModelRequest, ModelHost } from './model-channel.js';
import type { ExecutedRun, PluginExecutor, PluginJob } from './plugin-executor.js';
import { outputProblems } from './plugin-runner.js';
import { detectSandbox, prepareJobDirs, sandboxJob, unreadableForSandbox, type JobSandbox, type SandboxSettings } from './plugin-sandbox.js';

export interface LocalProcessExecutorOptions {
  /** where per-job directories are created (and removed after each job); default os.tmpdir() */
  workDir?: string;
  /** compiled worker entry; default plugin-worker.js beside this module */
  workerPath?: string;
  /** jobs run at the same time; further jobs wait; default os.availableParallelism() */
  concurrency?: number;
  /** how often the worker's resident memory is checked; default 100 ms */
  memoryPollMs?: number;
  /** extra environment for workers; never put secrets here, plugin code can read it */
  env?: Record<string, string>;
  /** whether workers run sandboxed (plugin-sandbox.ts); default from POLYRAD_SANDBOX and POLYRAD_ALLOW_UNSANDBOXED */
  sandbox?: SandboxSettings;
}

const DEFAULT_WORKER_PATH = fileURLToPath(new URL('./plugin-worker.js', import.meta.url));
/** How long a worker that has sent its result may take to exit before it is killed. */
const EXIT_GRACE_MS = 2000;
/** How long to wait for the last stderr bytes after the worker exited. */
const STDIO_GRACE_MS = 200;
const MAX_FORWARDED_LINES = 200;
const STDERR_TAIL_CHARS = 4096;

/** `stderr`: the end of what the worker wrote there, for a failed run's diagnostics. */
type WorkerOutcome = ({ result: ResultDescriptor } | { failure: string }) & { stderr?: string };

/** Resident set size of a process in MB, from /proc (Linux); undefined where unknown or already gone. */
export function residentMemoryMb(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Each process's children, from the parent pid in /proc/<pid>/stat (Linux); empty where /proc is not there. */
function childrenByParent(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return children;
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, the fields after the last ')' do not
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
  }
  return children;
}

/** Resident memory of a process and everything it started, in MB; undefined once the process is gone. */
function treeResidentMemoryMb(pid: number): number | undefined {
  let total = residentMemoryMb(pid);
  if (total === undefined) return undefined;
  const children = childrenByParent();
  const seen = [pid];
  for (let generation = children.get(pid) ?? []; generation.length; generation = generation.flatMap((p) => children.get(p) ?? []).filter((c) => !seen.includes(c))) {
    seen.push(...generation);
    for (const p of generation) total += residentMemoryMb(p) ?? 0;
  }
  return total;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

/**
 * SIGKILLs a worker and every process it started (a plugin may spawn helpers), so nothing of a stopped
 * job keeps running. Each generation is stopped (SIGSTOP) before its children are looked up, so none can
 * fork a new one out of reach meanwhile; then all are killed. Without /proc only the worker itself.
 */
export function killProcessTree(pid: number): void {
  const tree: number[] = [];
  let generation = [pid];
  while (generation.length) {
    for (const p of generation) signal(p, 'SIGSTOP');
    tree.push(...generation);
    const children = childrenByParent();
    generation = generation.flatMap((p) => children.get(p) ?? []).filter((c) => !tree.includes(c));
  }
  for (const p of tree) signal(p, 'SIGKILL');
}

function killWorker(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) child.kill('SIGKILL');
  else killProcessTree(child.pid);
}

// Workers must not outlive the platform, even when it exits without closing its executor.
const liveWorkers = new Set<ChildProcess>();
let exitHookInstalled = false;
function trackWorker(child: ChildProcess): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => liveWorkers.forEach(killWorker));
  }
  liveWorkers.add(child);
}

function describe(error: unknown): string {
  if (error instanceof PolyradError) return error.toLine();
  return error instanceof Error ? error.message : String(error);
}

/** Forwards a worker's output lines to the job log (capped) and keeps the end of it for failure reasons. */
function captureOutput(stream: Readable | null, prefix: string, log: (message: string) => void): () => string {
  let tail = '';
  let partial = '';
  let forwarded = 0;
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk: string) => {
    tail = (tail + chunk).slice(-STDERR_TAIL_CHARS);
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (forwarded < MAX_FORWARDED_LINES && line.trim()) log(`${prefix}: ${line}`);
      else if (forwarded === MAX_FORWARDED_LINES) log(`${prefix}: (further output not shown)`);
      forwarded += 1;
    }
  });
  return () => tail;
}

/**
 * The plugins' model sessions, loaded on first use and kept for the life of the process: the platform makes
 * an executor per study, and a `polyrad worker` one for all its jobs, so either way a model loads once.
 */
const models = new ModelHost();

let bundledDirs: Set<string> | undefined;

/** Whether a plugin package is one of the platform's own (packages/algorithms), as opposed to a vendor's. */
function isBundled(packageDir: string): boolean {
  bundledDirs ??= new Set(bundledCatalog().map((entry) => realpathSync(entry.packageDir)));
  return bundledDirs.has(packageDir);
}

/**
 * The embedded PluginExecutor: every job runs in a fresh child process (plugin-worker.js) with the manifest's
 * timeout and memory cap, a minimal environment (no DATABASE_URL, no NODE_OPTIONS) and its data passed as
 * files in a per-job directory that is removed afterwards. Nothing a plugin does can fail the caller.
 * Where bubblewrap works the worker runs sandboxed (plugin-sandbox.ts); where it does not, third-party
 * plugins are refused unless the admin allowed them unsandboxed.
 */
export class LocalProcessExecutor implements PluginExecutor {
  private closed = false;
  private active = 0;
  private readonly queue: Array<() => void> = [];
  private readonly workers = new Map<ChildProcess, (reason: string) => void>();
  private readonly pending = new Set<Promise<ExecutedRun>>();

  private readonly sandbox: SandboxSettings;

  constructor(private readonly options: LocalProcessExecutorOptions = {}) {
    this.sandbox = options.sandbox ?? loadSandboxSettings(process.env);
  }

  /** Whether this job's worker runs sandboxed, or why it may not run at all. */
  private placement(packageDir: string, id: string): { sandboxed: boolean } | { refused: string } {
    const layers = detectSandbox();
    if (this.sandbox.mode === 'required' && !layers.bwrap.ok) return { refused: `the plugin sandbox is required (POLYRAD_SANDBOX=required) but unavailable: ${layers.bwrap.reason}` };
    if (this.sandbox.mode !== 'off' && layers.bwrap.ok) {
      const unreadable = unreadableForSandbox(packageDir);
      return unreadable ? { refused: `the plugin's folder cannot be mounted into the sandbox: ${unreadable}` } : { sandboxed: true };
    }
    if (this.sandbox.allowUnsandboxed || isBundled(packageDir)) return { sandboxed: false };
    const why = this.sandbox.mode === 'off' ? 'the sandbox is off (POLYRAD_SANDBOX=off)' : `the sandbox is unavailable: ${layers.bwrap.ok ? '' : layers.bwrap.reason}`;
    return { refused: `refused to run third-party plugin ${id} unsandboxed: ${why}; an admin may allow it with POLYRAD_ALLOW_UNSANDBOXED=1` };
  }

  execute(job: PluginJob): Promise<ExecutedRun> {
    if (this.closed) return Promise.reject(new PolyradError('EXECUTOR_CLOSED', 'the plugin executor is closed'));
    const run = this.schedule(job);
    this.pending.add(run);
    void run.then(() => this.pending.delete(run));
    return run;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const kill of this.workers.values()) kill('the plugin executor was closed during the run');
    this.queue.splice(0).forEach((start) => start());
    await Promise.allSettled([...this.pending]);
  }

  private async schedule(job: PluginJob): Promise<ExecutedRun> {
    if (this.active >= this.concurrency) await new Promise<void>((start) => this.queue.push(start));
    this.active += 1;
    try {
      return await this.runJob(job);
    } finally {
      this.active -= 1;
      this.queue.shift()?.();
    }
  }

  private async runJob(job: PluginJob): Promise<ExecutedRun> {
    const started = performance.now();
    const failed = (reason: string, warnings: string[] = [], diagnostics: { stack?: string; stderr?: string } = {}): ExecutedRun => ({
      status: 'failed',
      reason,
      durationMs: Math.round(performance.now() - started),
      artifacts: [],
      findings: [],
      missing: [],
      warnings,
      ...(diagnostics.stack ? { stack: diagnostics.stack } : {}),
      ...(diagnostics.stderr?.trim() ? { stderr: diagnostics.stderr } : {}),
    });
    if (this.closed) return failed('the plugin executor was closed before the run started');
    let dir: string | undefined;
    let sandbox: JobSandbox | undefined;
    try {
      // mounted at its real path in the sandbox, so the worker is told that one
      const packageDir = await realpath(job.packageDir);
      const placement = this.placement(packageDir, job.manifest.id);
      if ('refused' in placement) return failed(placement.refused);
      dir = await mkdtemp(join(this.options.workDir ?? tmpdir(), 'polyrad-job-'));
      await writeJob(dir, { ...job, packageDir });
      if (placement.sandboxed) {
        const outDir = join(dir, OUTPUT_DIR);
        await prepareJobDirs(dir, outDir);
        sandbox = sandboxJob({
          workerPath: this.workerPath,
          packageDir,
          dir,
          outDir,
          limits: job.manifest.limits,
          jobsAtOnce: this.concurrency,
          env: this.options.env ?? {},
          node: this.nodeFlags(job),
        });
      }
      const outcome = await this.runWorker(dir, { ...job, packageDir }, sandbox);
      if ('failure' in outcome) return failed(outcome.failure, [], { stderr: outcome.stderr });
      const { result } = outcome;
      const warnings = Array.isArray(result.warnings) ? result.warnings.map(String) : [];
      if (result.status !== 'succeeded') {
        return failed(String(result.reason ?? 'failed without a reason'), warnings, { stack: typeof result.stack === 'string' ? result.stack : undefined, stderr: outcome.stderr });
      }
      // The worker already validated, but it shares a process with plugin code: check again what arrived.
      let outputs;
      try {
        outputs = { artifacts: await readArtifacts(join(dir, OUTPUT_DIR), result.artifacts), findings: result.findings, missing: Array.isArray(result.missing) ? result.missing : [], warnings };
      } catch (error) {
        return failed(`invalid output: ${describe(error)}`);
      }
      const problems = Array.isArray(outputs.findings) ? outputProblems({ manifest: job.manifest }, outputs, job.series) : ['findings must be a list'];
      if (problems.length) return failed(`invalid output: ${problems.join('; ')}`);
      return { status: 'succeeded', durationMs: Math.round(performance.now() - started), ...outputs };
    } catch (error) {
      return failed(`could not run the plugin: ${describe(error)}`);
    } finally {
      await sandbox?.release().catch((error) => job.log?.(`could not clean up after the sandboxed run: ${describe(error)}`));
      if (dir) await rm(dir, { recursive: true, force: true }).catch((error) => job.log?.(`could not remove ${dir}: ${describe(error)}`));
    }
  }

  private get concurrency(): number {
    return Math.max(1, this.options.concurrency ?? availableParallelism());
  }

  private get workerPath(): string {
    return this.options.workerPath ?? DEFAULT_WORKER_PATH;
  }

  /** Explicit, so the parent's own flags (--inspect, loaders) are not inherited. */
  private nodeFlags(job: PluginJob): string[] {
    return [`--max-old-space-size=${job.manifest.limits.memoryMb}`];
  }

  private runWorker(dir: string, job: PluginJob, sandbox: JobSandbox | undefined): Promise<WorkerOutcome> {
    const { id, limits } = job.manifest;
    const log = job.log ?? (() => undefined);
    return new Promise((resolve) => {
      // Environments are built from scratch, so nothing of the platform's (DATABASE_URL, NODE_OPTIONS, ...) leaks in.
      const [command, args, cwd, env] = sandbox
        ? [sandbox.command, sandbox.args, undefined, sandbox.env]
        : [process.execPath, [...this.nodeFlags(job), this.workerPath, dir], dir, { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin', TMPDIR: dir, ...this.options.env }];
      // the 'ipc' channel is an inherited socket, so it reaches the worker through bwrap and its wrappers too
      const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], serialization: 'json' });
      trackWorker(child);
      let result: ResultDescriptor | undefined;
      let verdict: string | undefined;
      let settled = false;
      const kill = (reason?: string) => {
        verdict ??= reason;
        killWorker(child);
      };
      this.workers.set(child, kill);
      if (this.closed) kill('the plugin executor was closed during the run');
      captureOutput(child.stdout, `${id} (stdout)`, log);
      const stderrTail = captureOutput(child.stderr, `${id} (stderr)`, log);

      const timer = setTimeout(() => kill(`timed out after ${limits.timeoutMs} ms`), limits.timeoutMs);
      // Typed arrays live outside the V8 heap, so --max-old-space-size alone caps nothing big: watch RSS.
      const poll = setInterval(() => {
        const rss = child.pid === undefined ? undefined : treeResidentMemoryMb(child.pid);
        if (rss !== undefined && rss > limits.memoryMb) kill(`exceeded its memory limit of ${limits.memoryMb} MB`);
      }, this.options.memoryPollMs ?? 100);
      let graceTimer: NodeJS.Timeout | undefined;
      let stdioTimer: NodeJS.Timeout | undefined;

      const finish = (ended: WorkerOutcome) => {
        if (settled) return;
        settled = true;
        const outcome = { ...ended, stderr: stderrTail() };
        clearTimeout(timer);
        clearTimeout(graceTimer);
        clearTimeout(stdioTimer);
        clearInterval(poll);
        this.workers.delete(child);
        liveWorkers.delete(child);
        resolve(outcome);
      };
      const ended = () => {
        if (verdict) return finish({ failure: verdict });
        if (result) return finish({ result });
        if (sandbox?.oomKilled()) return finish({ failure: `exceeded its memory limit of ${limits.memoryMb} MB` });
        const stderr = stderrTail();
        if (/heap out of memory|Reached heap limit/i.test(stderr)) {
          return finish({ failure: `exceeded its memory limit of ${limits.memoryMb} MB (JavaScript heap)` });
        }
        const how = child.signalCode ? `was killed by signal ${child.signalCode}` : `exited with code ${child.exitCode}`;
        const last = stderr.trim().split('\n').pop()?.slice(0, 300);
        finish({ failure: `worker process ${how} before returning a result${last ? `: ${last}` : ''}` });
      };

      child.on('message', (message: WorkerMessage) => {
        if (message?.type === 'log') log(String(message.message));
        else if (isModelRequest(message)) {
          void models.handle(job, message).then((reply) => {
            if (child.connected) child.send(reply);
          });
        }
        else if (message?.type === 'result' && !result) {
          result = message.result;
          clearTimeout(timer);
          clearInterval(poll);
          graceTimer = setTimeout(() => kill(), EXIT_GRACE_MS);
        }
      });
      child.once('exit', () => {
        stdioTimer = setTimeout(ended, STDIO_GRACE_MS);
      });
      child.once('close', ended);
      child.on('error', (error) => {
        if (child.pid === undefined) finish({ failure: `could not start the worker process: ${error.message}` });
      });
    });
  }
}
