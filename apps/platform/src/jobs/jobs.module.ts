import { Module } from '@nestjs/common';
import { IngestModule } from '../ingest/ingest.module.js';
import { DeadJobsService } from './dead-jobs.service.js';
import { JobsController } from './jobs.controller.js';

/** Admin view of the distributed plugin jobs (POLYRAD_BROKER_URL). */
@Module({ imports: [IngestModule], controllers: [JobsController], providers: [DeadJobsService] })
export class JobsModule {}
