import { Inject, Injectable, Logger } from '@nestjs/common';
import { PolyradError } from '@polyrad/sdk';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { InstanceStore } from '../ingest/instance.store.js';
import { StudyDispatchService } from '../ingest/study-dispatch.service.js';
import { isJobId } from '../pipeline/execution/broker/broker-topology.js';
import { DeadLetterQueue, type DeadJob } from '../pipeline/execution/broker/dead-letter.queue.js';
import { JobStore } from '../pipeline/execution/broker/job.store.js';
import { BROKER_NOT_CONFIGURED, DEAD_JOB_NOT_FOUND } from './jobs.errors.js';

export interface RetriedJob {
  jobId: string;
  requeued: true;
  /** the stored study analysed again for it: its report is rebuilt (absent when the study is not stored here) */
  studyInstanceUid?: string;
}

/** Jobs `polyrad worker` hosts could not process, for an admin to read and retry. */
@Injectable()
export class DeadJobsService {
  private readonly logger = new Logger('DeadJobs');
  private readonly queue: DeadLetterQueue | undefined;
  private readonly store: JobStore | undefined;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly instances: InstanceStore,
    private readonly dispatcher: StudyDispatchService,
  ) {
    this.queue = config.broker ? new DeadLetterQueue(config.broker) : undefined;
    this.store = config.broker ? new JobStore(config.broker.storeDir) : undefined;
  }

  list(): Promise<DeadJob[]> {
    return this.configured().list();
  }

  /**
   * A dead job's study was reported without that plugin, and without every plugin that consumes its
   * outputs; running the one job again would change no report. So where the study is stored here it is
   * analysed again (all its jobs queued afresh, the report rebuilt as the study's next version) and every
   * dead job of that study is dropped with its payload; otherwise the job alone goes back to the queue.
   */
  async retry(jobId: string): Promise<RetriedJob> {
    if (!isJobId(jobId)) throw new PolyradError('JOB_ID_INVALID', 'a job id is a UUID', jobId);
    const queue = this.configured();
    const dead = (await queue.list()).find((job) => job.jobId === jobId);
    if (!dead) throw new PolyradError(DEAD_JOB_NOT_FOUND, 'no dead-lettered job has this id', jobId);
    const study = dead.seriesInstanceUid ? await this.instances.studyOfSeries(dead.seriesInstanceUid) : undefined;
    if (!study) {
      if (!(await queue.retry(jobId))) throw new PolyradError(DEAD_JOB_NOT_FOUND, 'no dead-lettered job has this id', jobId);
      return { jobId, requeued: true };
    }
    const series = new Set(await this.instances.seriesOfStudy(study));
    const dropped = await queue.discard((job) => job.jobId === jobId || (job.seriesInstanceUid !== undefined && series.has(job.seriesInstanceUid)));
    await Promise.all(dropped.map((job) => job.jobId && this.store!.remove(job.jobId)));
    this.logger.log(`study ${study}: analysed again for dead-lettered job ${jobId} (${dropped.length} dead job(s) of the study dropped)`);
    // answered now: the analysis takes as long as the study's plugins do, and reports its own progress
    void this.dispatcher.dispatch(study).catch(() => undefined);
    return { jobId, requeued: true, studyInstanceUid: study };
  }

  private configured(): DeadLetterQueue {
    if (!this.queue) throw new PolyradError(BROKER_NOT_CONFIGURED, 'plugins run locally: no broker is configured (POLYRAD_BROKER_URL), so there is no dead-letter queue');
    return this.queue;
  }
}
