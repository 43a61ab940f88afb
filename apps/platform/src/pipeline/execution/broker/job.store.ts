import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PolyradError } from '@polyrad/sdk';
import { readArtifacts, writeArtifacts, writeJob, type ResultDescriptor } from '../job-payload.codec.js';
import type { PluginJob } from '../plugin-executor.js';
import type { RunResult } from '../plugin-runner.js';
import { isJobId } from './broker-topology.js';

const RESULT_DIR = 'result';
const RESULT_FILE = 'result.json';

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Flushes every file of a folder to disk, so a result counts as stored only once it would survive a crash. */
async function syncFolder(dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    const handle = await open(join(dir, name), 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}

/**
 * The shared folder jobs travel through between the platform and `polyrad worker` hosts (the same path on
 * every host): `<jobId>/` holds the job as job-payload.codec lays it out, and `<jobId>/result/` its one
 * result. A result is written aside and renamed into place, so a job delivered twice stores one result:
 * the second rename finds the first one there.
 */
export class JobStore {
  constructor(readonly root: string) {}

  dirOf(jobId: string): string {
    if (!isJobId(jobId)) throw new PolyradError('JOB_ID_INVALID', `not a job id: ${JSON.stringify(jobId)}`);
    return join(this.root, jobId);
  }

  async putJob(jobId: string, job: PluginJob): Promise<void> {
    const dir = this.dirOf(jobId);
    await mkdir(dir, { recursive: true });
    await writeJob(dir, job);
  }

  async hasResult(jobId: string): Promise<boolean> {
    return exists(join(this.dirOf(jobId), RESULT_DIR, RESULT_FILE));
  }

  /** Stores the job's result; false when a result was already there (this one is dropped). */
  async putResult(jobId: string, result: RunResult): Promise<boolean> {
    const dir = this.dirOf(jobId);
    const pending = join(dir, `${RESULT_DIR}.${randomUUID()}`);
    try {
      const artifacts = await writeArtifacts(pending, result.artifacts, 'output-');
      const descriptor: ResultDescriptor = { ...result, artifacts };
      await writeFile(join(pending, RESULT_FILE), JSON.stringify(descriptor));
      await syncFolder(pending);
      try {
        await rename(pending, join(dir, RESULT_DIR));
        return true;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if ((code === 'ENOTEMPTY' || code === 'EEXIST') && (await this.hasResult(jobId))) return false;
        throw error;
      }
    } finally {
      await rm(pending, { recursive: true, force: true });
    }
  }

  async getResult(jobId: string): Promise<RunResult> {
    const dir = join(this.dirOf(jobId), RESULT_DIR);
    const descriptor = JSON.parse(await readFile(join(dir, RESULT_FILE), 'utf8')) as ResultDescriptor;
    return { ...descriptor, artifacts: await readArtifacts(dir, descriptor.artifacts) };
  }

  async remove(jobId: string): Promise<void> {
    await rm(this.dirOf(jobId), { recursive: true, force: true });
  }
}
