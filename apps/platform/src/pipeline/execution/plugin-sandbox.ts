import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { chmod, chown, mkdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isWithin } from '@polyrad/dicom';
import { PolyradError, type RuntimeLimits } from '@polyrad/sdk';

/** POLYRAD_SANDBOX: `auto` sandboxes where this machine can, `required` refuses to run without it, `off` never sandboxes. */
export type SandboxMode = 'auto' | 'required' | 'off';

export interface SandboxSettings {
  mode: SandboxMode;
  /** POLYRAD_ALLOW_UNSANDBOXED=1: the admin accepts running third-party plugin code without the sandbox */
  allowUnsandboxed: boolean;
}

type Controller = 'memory' | 'pids' | 'cpu';

interface CgroupSupport {
  version: 1 | 2;
  /** per controller, the folder under which job cgroups are made (v2: one folder for all) */
  parents: Partial<Record<Controller, string>>;
}

/** What this machine offers, probed once by running a real sandboxed `node -e 0`. */
export interface SandboxLayers {
  /** bubblewrap with mount, PID, IPC, UTS and network namespaces (and a user namespace unless root) works here; otherwise why not */
  bwrap: { ok: true } | { ok: false; reason: string };
  cgroups?: CgroupSupport;
  /** prlimit(1) sets RLIMIT_NPROC, RLIMIT_CPU, RLIMIT_FSIZE and RLIMIT_DATA on the worker */
  rlimits: boolean;
  /** Node's permission model (--experimental-permission) works inside the sandbox */
  nodePermissions: boolean;
}

/** The unprivileged identity of sandboxed workers, inside their user namespace and (as root) on the host too. */
export const SANDBOX_UID = 65534;
/** Processes and threads of one job (Node itself needs about a dozen threads). */
const MAX_JOB_TASKS = 128;
/** A job may use at most one CPU core at a time, so a runaway plugin cannot starve the platform. */
const CPU_PERIOD_US = 100_000;
/** Largest file a worker may write (RLIMIT_FSIZE): well above the largest output mask or volume. */
const MAX_FILE_BYTES = 4 * 1024 ** 3;
/** RLIMIT_DATA over the memory cap: V8 maps more than it keeps resident; the cgroup and the RSS watch are the tight caps. */
const DATA_HEADROOM_MB = 1024;
const WORKER_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Reads /proc/self/cgroup into controller -> path ("" for the v2 unified line). */
function ownCgroups(): Map<string, string> {
  const paths = new Map<string, string>();
  try {
    for (const line of readFileSync('/proc/self/cgroup', 'utf8').split('\n')) {
      const [, controllers, path] = /^\d+:([^:]*):(.*)$/.exec(line) ?? [];
      if (path !== undefined) for (const c of controllers.split(',')) paths.set(c, path);
    }
  } catch {
    // not Linux
  }
  return paths;
}

/** Whether a job cgroup can be made under `parent` with the given limit files present. */
function canMakeCgroup(parent: string, files: string[]): boolean {
  const probe = join(parent, `polyrad-probe-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    mkdirSync(probe);
  } catch {
    return false;
  }
  try {
    return files.every((f) => existsSync(join(probe, f)));
  } finally {
    try {
      rmdirSync(probe);
    } catch {
      // an empty cgroup just made can always be removed; nothing to do if not
    }
  }
}

function detectCgroups(root = '/sys/fs/cgroup'): CgroupSupport | undefined {
  const own = ownCgroups();
  if (existsSync(join(root, 'cgroup.controllers'))) {
    // v2: a cgroup with processes cannot hand controllers to children, so this only works where ours is enabled already
    const parent = join(root, own.get('') ?? '/');
    const wanted: Array<[Controller, string]> = [['memory', 'memory.max'], ['pids', 'pids.max'], ['cpu', 'cpu.max']];
    const found = wanted.filter(([, file]) => canMakeCgroup(parent, [file]));
    return found.length ? { version: 2, parents: Object.fromEntries(found.map(([c]) => [c, parent])) } : undefined;
  }
  const parents: CgroupSupport['parents'] = {};
  const files: Record<Controller, string> = { memory: 'memory.limit_in_bytes', pids: 'pids.max', cpu: 'cpu.cfs_quota_us' };
  for (const controller of ['memory', 'pids', 'cpu'] as const) {
    const parent = join(root, controller, own.get(controller) ?? '/');
    if (canMakeCgroup(parent, [files[controller]])) parents[controller] = parent;
  }
  return Object.keys(parents).length ? { version: 1, parents } : undefined;
}

function onPath(name: string): string | undefined {
  return WORKER_PATH.split(':')
    .map((dir) => join(dir, name))
    .find((path) => existsSync(path));
}

const isRoot = (): boolean => process.getuid?.() === 0;

/** A linked workspace (npm workspaces) the worker may see: a library, not an application folder, which may hold a data dir (./data by default). */
function libraryLink(entry: string, workerPath: string): string | undefined {
  try {
    if (!lstatSync(entry).isSymbolicLink()) return undefined;
    const target = realpathSync(entry);
    return (workerPath !== target && isWithin(workerPath, target)) || basename(dirname(target)) === 'apps' ? undefined : target;
  } catch {
    return undefined; // a dangling link leads nowhere to mount
  }
}

const linkedLibraries = new Map<string, string[]>();

/** A node_modules folder and the libraries linked in it (scoped ones included), read once. */
function modulesFolder(modules: string, workerPath: string): string[] {
  let known = linkedLibraries.get(modules);
  if (!known) {
    const entries = readdirSync(modules).flatMap((name) => (name.startsWith('@') ? readdirSync(join(modules, name)).map((n) => join(modules, name, n)) : [join(modules, name)]));
    known = [modules, ...entries.flatMap((entry) => libraryLink(entry, workerPath) ?? [])];
    linkedLibraries.set(modules, known);
  }
  return known;
}

/**
 * What Node's module resolution reads walking up from `dir`: each node_modules folder with the libraries
 * linked in it (the platform's, or the SDK the plugin store lends published plugins), and where asked the
 * package.json files (module type of the worker's code).
 */
function resolutionPaths(dir: string, workerPath: string, packageJsons: boolean): string[] {
  const paths: string[] = [];
  for (let at = dir; ; at = dirname(at)) {
    if (packageJsons && existsSync(join(at, 'package.json'))) paths.push(join(at, 'package.json'));
    if (existsSync(join(at, 'node_modules'))) paths.push(...modulesFolder(join(at, 'node_modules'), workerPath));
    if (at === dirname(at)) return paths;
  }
}

/** The system a worker sees: /usr, the top-level links or folders into it, and node itself if it lives elsewhere. */
function systemBinds(): string[] {
  const args = ['--ro-bind', '/usr', '/usr'];
  for (const top of ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32']) {
    let stat;
    try {
      stat = lstatSync(top);
    } catch {
      continue;
    }
    if (stat.isSymbolicLink()) args.push('--symlink', readlinkSync(top), top);
    else args.push('--ro-bind', top, top);
  }
  // the dynamic linker's cache (no secrets) so libraries outside its built-in folders are found
  // (/etc made searchable, so OpenSSL finds no config instead of being refused one, which stops node)
  args.push('--perms', '0755', '--dir', '/etc', '--ro-bind-try', '/etc/ld.so.cache', '/etc/ld.so.cache');
  const node = realpathSync(process.execPath);
  if (!node.startsWith('/usr/')) {
    const prefix = dirname(dirname(node));
    args.push('--ro-bind', prefix, prefix);
  }
  return args;
}


/** Folders bwrap must make above a mount point, world-searchable: it would copy a private parent's mode. */
function mountPointParents(paths: string[]): string[] {
  const parents = new Set<string>();
  for (const path of paths) {
    for (let dir = dirname(path); dir !== '/' && dir !== '/tmp'; dir = dirname(dir)) parents.add(dir);
  }
  return [...parents].sort((a, b) => a.split('/').length - b.split('/').length).flatMap((dir) => ['--perms', '0755', '--dir', dir]);
}

/**
 * The bubblewrap arguments of one job: new mount, PID, IPC, UTS, cgroup and network namespaces (no network
 * at all: only its own loopback), a new session, killed with its parent, its own /proc, a read-only system
 * and read-only code and plugin folders, the job folder read-only but for its `out` folder, a tmpfs /tmp;
 * nothing else of the host exists in there. As root, bwrap mounts as root (so a private data dir above a
 * plugin's folder does not matter) and setpriv then becomes SANDBOX_UID on the host, with no capabilities
 * and no new privileges; otherwise a user namespace maps this user to SANDBOX_UID.
 */
function bwrapArgs(readOnly: string[], job?: { dir: string; outDir: string }): string[] {
  const namespaces = isRoot()
    ? ['--unshare-ipc', '--unshare-pid', '--unshare-net', '--unshare-uts', '--unshare-cgroup-try']
    : ['--unshare-all', '--uid', String(SANDBOX_UID), '--gid', String(SANDBOX_UID)];
  // as root only what setpriv needs to become SANDBOX_UID (and then loses with the uid change)
  const caps = isRoot() ? ['--cap-drop', 'ALL', '--cap-add', 'CAP_SETUID', '--cap-add', 'CAP_SETGID', '--cap-add', 'CAP_SETPCAP'] : ['--cap-drop', 'ALL'];
  const args = [...namespaces, ...caps, '--die-with-parent', '--new-session', '--hostname', 'polyrad-sandbox'];
  args.push(...systemBinds(), '--proc', '/proc', '--dev', '/dev', '--perms', '1777', '--tmpfs', '/tmp');
  args.push(...mountPointParents([...readOnly, ...(job ? [job.dir] : [])]));
  for (const path of readOnly) args.push('--ro-bind', path, path);
  if (job) args.push('--ro-bind', job.dir, job.dir, '--bind', job.outDir, job.outDir, '--chdir', job.dir);
  return args;
}

/** The paths that are not inside (or equal to) another one of the list. */
function outermost(paths: string[]): string[] {
  const unique = [...new Set(paths)];
  return unique.filter((path) => !unique.some((other) => other !== path && isWithin(path, other)));
}

/**
 * Node's permission model: read only code, plugin and job; write only the outputs and /tmp; no child
 * processes, worker threads or native addons (plugins ship without node_modules, so no addon is theirs to
 * load, and native code would step around every check here).
 */
function permissionFlags(readable: string[], writable: string[]): string[] {
  // One flag per path (a comma-separated list is deprecated); a folder's contents need the trailing wildcard.
  // Node 20 aborts on a path granted twice or inside another granted folder, so only the outermost are given.
  const grant = (flag: string, paths: string[]) =>
    outermost(paths).map((path) => `${flag}=${path.endsWith('.json') ? path : `${path}/*`}`);
  return ['--experimental-permission', '--disable-warning=ExperimentalWarning', ...grant('--allow-fs-read', [...readable, ...writable]), ...grant('--allow-fs-write', writable)];
}

/** `jobsAtOnce`: RLIMIT_NPROC counts every task of the uid, so it is shared by all jobs running at a time. */
function rlimitArgs(prlimit: string, limits: RuntimeLimits, jobsAtOnce: number): string[] {
  // CPU seconds count every thread: twice the wall-clock timeout is a backstop the timeout normally beats
  const cpuSeconds = Math.ceil((limits.timeoutMs / 1000) * 2) + 5;
  const dataBytes = (limits.memoryMb + DATA_HEADROOM_MB) * 1024 * 1024;
  return [prlimit, `--nproc=${MAX_JOB_TASKS * jobsAtOnce}`, `--cpu=${cpuSeconds}`, `--fsize=${MAX_FILE_BYTES}`, `--data=${dataBytes}`, '--'];
}

/** Inside the sandbox, as root: become SANDBOX_UID for good (setpriv is under the mounted /usr). */
function dropPrivileges(setpriv: string): string[] {
  return [setpriv, `--reuid=${SANDBOX_UID}`, `--regid=${SANDBOX_UID}`, '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', '--no-new-privs', '--'];
}

/** Puts the shell into each cgroup named before `--`, then becomes the command after it: everything it starts stays inside. */
const ENTER_CGROUPS = 'while [ "$1" != -- ]; do echo $$ > "$1" || exit 125; shift; done; shift; exec "$@"';

interface Tools {
  bwrap: string;
  setpriv?: string;
  prlimit?: string;
}

interface CommandParts {
  tools: Tools;
  limits: RuntimeLimits;
  jobsAtOnce: number;
  readOnly: string[];
  job?: { dir: string; outDir: string };
  cgroupProcs: string[];
  node: string[];
}

function commandLine({ tools, limits, jobsAtOnce, readOnly, job, cgroupProcs, node }: CommandParts): string[] {
  return [
    ...(cgroupProcs.length ? ['/bin/sh', '-c', ENTER_CGROUPS, 'sh', ...cgroupProcs, '--'] : []),
    ...(tools.prlimit ? rlimitArgs(tools.prlimit, limits, jobsAtOnce) : []),
    tools.bwrap,
    ...bwrapArgs(readOnly, job),
    '--',
    ...(isRoot() && tools.setpriv ? dropPrivileges(tools.setpriv) : []),
    process.execPath,
    ...node,
  ];
}

let detected: { layers: SandboxLayers; tools?: Tools } | undefined;

function probe(parts: Omit<CommandParts, 'limits' | 'jobsAtOnce' | 'readOnly' | 'cgroupProcs'>): string | undefined {
  const [command, ...args] = commandLine({ ...parts, limits: { timeoutMs: 10_000, memoryMb: 256 }, jobsAtOnce: 1, readOnly: [], cgroupProcs: [] });
  const run = spawnSync(command, [...args, '-e', '0'], { env: { PATH: WORKER_PATH }, encoding: 'utf8', timeout: 30_000 });
  if (run.status === 0) return undefined;
  return (run.stderr?.trim().split('\n').slice(0, 2).join(' ') || run.error?.message || `exit code ${run.status}`).slice(0, 300);
}

function detect(): { layers: SandboxLayers; tools?: Tools } {
  const bwrap = onPath('bwrap');
  const tools = bwrap ? { bwrap, setpriv: onPath('setpriv'), prlimit: onPath('prlimit') } : undefined;
  const cgroups = process.platform === 'linux' && isRoot() ? detectCgroups() : undefined;
  const without = (reason: string) => ({ layers: { bwrap: { ok: false as const, reason }, cgroups, rlimits: false, nodePermissions: false } });
  if (process.platform !== 'linux') return without(`namespaces need Linux, this is ${process.platform}`);
  if (!tools) return without('bubblewrap (bwrap) is not installed');
  if (isRoot() && !tools.setpriv) return without('running as root and setpriv (util-linux) is missing to drop to an unprivileged user');
  const failure = probe({ tools, node: [] });
  if (failure) return without(`bubblewrap cannot make its namespaces here: ${failure}`);
  const nodePermissions = !probe({ tools, node: permissionFlags([], ['/tmp']) });
  return { layers: { bwrap: { ok: true }, cgroups, rlimits: Boolean(tools.prlimit), nodePermissions }, tools };
}

/** What this machine offers, probed once by running real sandboxed `node -e 0`s, so a layer is only claimed where it works. */
export function detectSandbox(): SandboxLayers {
  detected ??= detect();
  return detected.layers;
}

/** The start-up statement: which layers are active, and what that means for bundled and third-party plugins. */
export function describeSandbox(settings: SandboxSettings, layers: SandboxLayers = detectSandbox()): string {
  const cgroups = layers.cgroups ? `cgroup v${layers.cgroups.version} ${Object.keys(layers.cgroups.parents).join('/')}` : 'no cgroups';
  const unsandboxed = settings.allowUnsandboxed
    ? 'third-party plugins run UNSANDBOXED (POLYRAD_ALLOW_UNSANDBOXED=1)'
    : 'third-party plugins are refused (set POLYRAD_ALLOW_UNSANDBOXED=1 to run them anyway)';
  if (settings.mode === 'off') return `plugin sandbox: off (POLYRAD_SANDBOX=off); bundled plugins run unsandboxed; ${unsandboxed}`;
  if (!layers.bwrap.ok) {
    if (settings.mode === 'required') return `plugin sandbox: REQUIRED but unavailable: ${layers.bwrap.reason}; no plugin runs`;
    return `plugin sandbox: unavailable (${layers.bwrap.reason}); bundled plugins run unsandboxed; ${unsandboxed}`;
  }
  const node = layers.nodePermissions ? 'node permissions on' : 'node permissions unavailable';
  const rlimits = layers.rlimits ? 'rlimits nproc/cpu/fsize/data' : 'no rlimits (prlimit missing)';
  const namespaces = isRoot() ? 'mount/PID/IPC/UTS/network namespaces' : 'user/mount/PID/IPC/UTS/network namespaces';
  return `plugin sandbox: on for every plugin (bubblewrap: uid ${SANDBOX_UID}, ${namespaces}, no network; ${cgroups}; ${rlimits}; ${node})`;
}

/**
 * The platform's start-up check: the statement to print, or SANDBOX_UNAVAILABLE where the sandbox is
 * required (POLYRAD_SANDBOX=required) and this machine cannot provide it, so the platform does not start.
 */
export function sandboxAtStart(settings: SandboxSettings = { mode: 'auto', allowUnsandboxed: false }, layers: SandboxLayers = detectSandbox()): string {
  const line = describeSandbox(settings, layers);
  if (settings.mode === 'required' && !layers.bwrap.ok) throw new PolyradError('SANDBOX_UNAVAILABLE', line);
  return line;
}

/** One job's cgroups (one per v1 controller, or one v2 folder) with its limits written. */
class JobCgroups {
  private constructor(
    private readonly version: 1 | 2,
    private readonly dirs: Partial<Record<Controller, string>>,
  ) {}

  static create(support: CgroupSupport, limits: RuntimeLimits): JobCgroups {
    const name = `polyrad-job-${randomBytes(6).toString('hex')}`;
    const dirs: Partial<Record<Controller, string>> = {};
    const made = new JobCgroups(support.version, dirs);
    try {
      for (const [controller, parent] of Object.entries(support.parents) as Array<[Controller, string]>) {
        const dir = join(parent, name);
        if (!Object.values(dirs).includes(dir)) mkdirSync(dir);
        dirs[controller] = dir;
      }
      made.writeLimits(limits);
      return made;
    } catch (error) {
      made.removeEmpty();
      throw error;
    }
  }

  private writeLimits(limits: RuntimeLimits): void {
    const bytes = String(limits.memoryMb * 1024 * 1024);
    const write = (controller: Controller, file: string, value: string, optional = false) => {
      const dir = this.dirs[controller];
      if (!dir || (optional && !existsSync(join(dir, file)))) return;
      writeFileSync(join(dir, file), value);
    };
    if (this.version === 1) {
      write('memory', 'memory.limit_in_bytes', bytes);
      // memory plus swap, so the cap cannot be dodged by swapping; only where swap accounting is on
      write('memory', 'memory.memsw.limit_in_bytes', bytes, true);
      write('pids', 'pids.max', String(MAX_JOB_TASKS));
      write('cpu', 'cpu.cfs_period_us', String(CPU_PERIOD_US));
      write('cpu', 'cpu.cfs_quota_us', String(CPU_PERIOD_US));
    } else {
      write('memory', 'memory.max', bytes);
      write('memory', 'memory.swap.max', '0', true);
      write('pids', 'pids.max', String(MAX_JOB_TASKS));
      write('cpu', 'cpu.max', `${CPU_PERIOD_US} ${CPU_PERIOD_US}`);
    }
  }

  private get folders(): string[] {
    return [...new Set(Object.values(this.dirs))];
  }

  get procsFiles(): string[] {
    return this.folders.map((dir) => join(dir, 'cgroup.procs'));
  }

  /** Whether the kernel killed a process of the job for reaching the memory limit. */
  oomKilled(): boolean {
    const dir = this.dirs.memory;
    if (!dir) return false;
    try {
      const text = readFileSync(join(dir, this.version === 1 ? 'memory.oom_control' : 'memory.events'), 'utf8');
      return Number(/^oom_kill (\d+)/m.exec(text)?.[1] ?? 0) > 0;
    } catch {
      return false;
    }
  }

  private pids(): number[] {
    return this.folders.flatMap((dir) => {
      try {
        return readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
      } catch {
        return [];
      }
    });
  }

  private removeEmpty(): boolean {
    let all = true;
    for (const dir of this.folders) {
      try {
        rmdirSync(dir);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') all = false;
      }
    }
    return all;
  }

  /** Kills whatever of the job still runs (nothing escapes a cgroup) and removes the cgroups; false if that did not finish in time. */
  async release(deadlineMs = 10_000): Promise<boolean> {
    for (const deadline = Date.now() + deadlineMs; Date.now() < deadline; await sleep(50)) {
      for (const pid of this.pids()) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
      }
      if (this.removeEmpty()) return true;
    }
    return false;
  }
}

/** How one job's worker is started when it is sandboxed, and what is left to check and clean up after it. */
export interface JobSandbox {
  command: string;
  args: string[];
  env: Record<string, string>;
  /** the kernel killed the job for its memory limit (cgroup) */
  oomKilled(): boolean;
  /** kills anything of the job left running and removes its cgroups */
  release(): Promise<void>;
}

/**
 * The sandboxed command line of one job (see bwrapArgs), entered into fresh cgroups for its memory,
 * process-count and CPU limits, with rlimits as a second fence.
 * `packageDir` must be a real path (no links), as it is mounted at the same place; the job folder and its
 * `outDir` must be usable by SANDBOX_UID (prepareJobDirs).
 */
export function sandboxJob(job: {
  workerPath: string;
  packageDir: string;
  dir: string;
  outDir: string;
  limits: RuntimeLimits;
  /** how many jobs the executor runs at a time */
  jobsAtOnce: number;
  env: Record<string, string>;
  node: string[];
}): JobSandbox {
  detectSandbox();
  const { layers, tools } = detected!;
  // never silently unsandboxed: the caller asked for the sandbox because detectSandbox() said it works
  if (!tools || !layers.bwrap.ok) throw new PolyradError('SANDBOX_UNAVAILABLE', 'the plugin sandbox is not available on this machine');
  const worker = dirname(job.workerPath);
  const readOnly = [
    ...new Set([worker, ...resolutionPaths(worker, job.workerPath, true), job.packageDir, ...resolutionPaths(dirname(job.packageDir), job.workerPath, false)]),
  ];
  const node = layers.nodePermissions ? [...permissionFlags([...readOnly, job.dir], [job.outDir, '/tmp']), ...job.node] : job.node;
  const cgroups = layers.cgroups ? JobCgroups.create(layers.cgroups, job.limits) : undefined;
  const [command, ...args] = commandLine({
    tools,
    limits: job.limits,
    jobsAtOnce: job.jobsAtOnce,
    readOnly,
    job: { dir: job.dir, outDir: job.outDir },
    cgroupProcs: cgroups?.procsFiles ?? [],
    node: [...node, job.workerPath, job.dir],
  });
  return {
    command,
    args,
    env: { PATH: WORKER_PATH, TMPDIR: '/tmp', HOME: '/tmp', ...job.env },
    oomKilled: () => cgroups?.oomKilled() ?? false,
    async release() {
      if (cgroups && !(await cgroups.release())) throw new Error('the job cgroups could not be emptied and removed in time');
    },
  };
}

/**
 * Lets the sandbox user read the job folder (through its group; mounted read-only anyway) and write its out
 * folder (its own); nobody else may look in.
 */
export async function prepareJobDirs(dir: string, outDir: string): Promise<void> {
  await mkdir(outDir, { recursive: true, mode: 0o700 });
  if (!isRoot()) return; // bwrap then maps this user, who owns both already
  await chown(dir, 0, SANDBOX_UID);
  await chmod(dir, 0o750);
  await chown(outDir, SANDBOX_UID, SANDBOX_UID);
}

/**
 * Why the sandbox user could not read a plugin folder, or undefined if it can (folders above it do not
 * matter: they are made anew inside); a clearer reason than the worker's own failure to load.
 */
export function unreadableForSandbox(dir: string): string | undefined {
  if (!isRoot()) return undefined; // bwrap then maps the user who reads the plugins today
  const stat = statSync(dir);
  const granted = stat.uid === SANDBOX_UID ? stat.mode >> 6 : stat.gid === SANDBOX_UID ? stat.mode >> 3 : stat.mode;
  return (granted & 0o5) === 0o5 ? undefined : `${dir} is not readable by the sandbox user (uid ${SANDBOX_UID})`;
}
