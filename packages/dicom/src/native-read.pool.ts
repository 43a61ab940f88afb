import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { PolyradError } from '@polyrad/sdk/errors';
import { runNativeReadJob, type NativeReadJob, type NativeReadOutcome } from './native-read.job.js';

// Reading uncompressed files is page faults (the new volume), copies and a conversion per voxel,
// all on one core when done from the main thread. Reader threads share that work through shared
// memory. They start on first use (about 30 ms), stay for the next series and stop when idle,
// so a long-running server does not keep their memory (about 10 MB each).

/** Threads beside the main one at most: one fewer than the cores, at most three (disks rarely feed more). */
const MAX_READER_THREADS = Math.max(0, Math.min(availableParallelism(), 4) - 1);

/**
 * Volume bytes per reader thread: a thread costs about 10 MB, so a small volume gets one and only
 * volumes several times larger get more; loading stays within 1.5x the volume's own memory.
 */
const VOLUME_BYTES_PER_READER = 256 * 1024 * 1024;

/** How many reader threads a volume of this size is worth. */
function readerThreadsFor(volumeBytes: number): number {
  return Math.min(MAX_READER_THREADS, Math.max(1, Math.floor(volumeBytes / VOLUME_BYTES_PER_READER)));
}

const IDLE_STOP_MS = 10_000;

/** The code a job rejects with when a reader thread is lost; the caller reads the files itself. */
export const READER_FAILED = 'DICOM_READER_FAILED';

interface Pending {
  waiting: number;
  outcomes: NativeReadOutcome[];
  resolve: (outcomes: NativeReadOutcome[]) => void;
  reject: (error: Error) => void;
}

let readers: Worker[] = [];
const pending = new Map<number, Pending>();
let nextId = 1;
let idleTimer: NodeJS.Timeout | undefined;

function stopReaders(): void {
  const stopping = readers;
  readers = [];
  for (const reader of stopping) void reader.terminate();
}

function failAll(error: Error): void {
  stopReaders();
  for (const job of pending.values()) job.reject(error);
  pending.clear();
}

/** At least `count` reader threads, started as needed; returns the first `count`. */
function startReaders(count: number): Worker[] {
  const more = Array.from({ length: Math.max(0, count - readers.length) }, () => {
    const reader = new Worker(new URL('./native-read.worker.js', import.meta.url), {
      // Not the parent's flags (--input-type, --expose-gc ...): they may not apply to a worker file.
      execArgv: [],
      resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 1 },
    });
    reader.on('message', ({ id, outcome }: { id: number; outcome: NativeReadOutcome }) => {
      const job = pending.get(id);
      if (!job) return;
      job.outcomes.push(outcome);
      if (--job.waiting === 0) {
        pending.delete(id);
        job.resolve(job.outcomes);
      }
    });
    const lost = (why: string) => failAll(new PolyradError(READER_FAILED, `a pixel reader thread stopped (${why})`));
    reader.on('error', (error) => lost(error.message));
    reader.on('exit', (code) => {
      if (readers.includes(reader)) lost(`exit code ${code}`);
    });
    return reader;
  });
  readers = [...readers, ...more];
  return readers.slice(0, count);
}

/**
 * Runs a job on the main thread and every reader thread at once, each taking files from the shared
 * counter; resolves with every thread's outcome once all are done.
 */
export async function runNativeReadJobInParallel(job: NativeReadJob): Promise<NativeReadOutcome[]> {
  clearTimeout(idleTimer);
  const threads = startReaders(readerThreadsFor(job.target.voxels.byteLength));
  const id = nextId++;
  const others = new Promise<NativeReadOutcome[]>((resolve, reject) => {
    if (threads.length === 0) return resolve([]);
    pending.set(id, { waiting: threads.length, outcomes: [], resolve, reject });
    // While a job runs the threads keep the process alive (a CLI awaiting the volume); idle, they must not.
    for (const reader of threads) {
      reader.ref();
      reader.postMessage({ id, job });
    }
  });
  try {
    const own = runNativeReadJob(job);
    return [own, ...(await others)];
  } finally {
    if (pending.size === 0) {
      for (const reader of readers) reader.unref();
      idleTimer = setTimeout(stopReaders, IDLE_STOP_MS).unref();
    }
  }
}
