import { Module } from '@nestjs/common';
import { DeadJobsService } from './dead-jobs.service.js';
import { JobsController } from './jobs.controller.js';

/** Admin view of the distributed plugin jobs (POLYRAD_BROKER_URL). */
@Module({ controllers: [JobsController], providers: [DeadJobsService] })
export class JobsModule {}
