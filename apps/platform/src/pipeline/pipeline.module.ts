import { Module } from '@nestjs/common';
import { StudyPipeline } from './study.pipeline.js';

/** The path a study takes to its report, for every channel that brings studies in. */
@Module({
  // a factory rather than @Injectable(): the pipeline stays free of NestJS for the CLI
  providers: [{ provide: StudyPipeline, useFactory: () => new StudyPipeline() }],
  exports: [StudyPipeline],
})
export class PipelineModule {}
