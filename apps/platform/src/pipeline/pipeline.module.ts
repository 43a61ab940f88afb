import { Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { executorFor } from './execution/executor.factory.js';
import { StudyPipeline } from './study.pipeline.js';

/** The path a study takes to its report, for every channel that brings studies in. */
@Module({
  // a factory rather than @Injectable(): the pipeline stays free of NestJS for the CLI
  providers: [{ provide: StudyPipeline, useFactory: (config: AppConfig) => new StudyPipeline(() => executorFor(config.broker)), inject: [APP_CONFIG] }],
  exports: [StudyPipeline],
})
export class PipelineModule {}
