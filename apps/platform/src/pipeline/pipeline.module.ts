import { Module } from '@nestjs/common';
import { StudyPipeline } from './study.pipeline.js';

/** The path a study takes to its report, for every channel that brings studies in. */
@Module({
  providers: [StudyPipeline],
  exports: [StudyPipeline],
})
export class PipelineModule {}
