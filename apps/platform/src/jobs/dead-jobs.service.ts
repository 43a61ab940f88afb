import { Inject, Injectable } from '@nestjs/common';
import { PolyradError } from '@polyrad/sdk';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { isJobId } from '../pipeline/execution/broker/broker-topology.js';
import { DeadLetterQueue, type DeadJob } from '../pipeline/execution/broker/dead-letter.queue.js';
import { BROKER_NOT_CONFIGURED, DEAD_JOB_NOT_FOUND } from './jobs.errors.js';

/** Jobs `polyrad worker` hosts could not process, for an admin to read and retry. */
@Injectable()
export class DeadJobsService {
  private readonly queue: DeadLetterQueue | undefined;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.queue = config.broker ? new DeadLetterQueue(config.broker) : undefined;
  }

  list(): Promise<DeadJob[]> {
    return this.configured().list();
  }

  async retry(jobId: string): Promise<{ jobId: string; requeued: true }> {
    if (!isJobId(jobId)) throw new PolyradError('JOB_ID_INVALID', 'a job id is a UUID', jobId);
    if (!(await this.configured().retry(jobId))) throw new PolyradError(DEAD_JOB_NOT_FOUND, 'no dead-lettered job has this id', jobId);
    return { jobId, requeued: true };
  }

  private configured(): DeadLetterQueue {
    if (!this.queue) throw new PolyradError(BROKER_NOT_CONFIGURED, 'plugins run locally: no broker is configured (POLYRAD_BROKER_URL), so there is no dead-letter queue');
    return this.queue;
  }
}


