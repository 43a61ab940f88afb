import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { Roles, SiteScope } from '../auth/auth.decorators.js';
import { ALL_SITES } from '../auth/principal.js';
import type { DeadJob } from '../pipeline/execution/broker/dead-letter.queue.js';
import { DeadJobsService, type RetriedJob } from './dead-jobs.service.js';

/** The broker's dead-letter queue; the jobs of every site pass through it, so only an admin of all sites sees it. */
@Controller('api/jobs/dead')
export class JobsController {
  constructor(private readonly deadJobs: DeadJobsService) {}

  @Get()
  @Roles('admin')
  @SiteScope(() => ALL_SITES)
  list(): Promise<DeadJob[]> {
    return this.deadJobs.list();
  }

  @Post(':jobId/retry')
  @HttpCode(202)
  @Roles('admin')
  @SiteScope(() => ALL_SITES)
  retry(@Param('jobId') jobId: string): Promise<RetriedJob> {
    return this.deadJobs.retry(jobId);
  }
}
