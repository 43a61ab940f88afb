import { Module } from '@nestjs/common';
import { PipelineModule } from '../pipeline/pipeline.module.js';
import { PriorComparisonService } from './prior-comparison.service.js';
import { PriorStudiesRepository } from './prior-studies.repository.js';
import { RetrievedPriorsRegistry } from './retrieved-priors.registry.js';

/** Prior exams: lookup among stored studies and in the prior PACS (C-FIND, C-MOVE), registration and comparison (study.comparator). */
@Module({
  imports: [PipelineModule],
  providers: [PriorComparisonService, PriorStudiesRepository, RetrievedPriorsRegistry],
  exports: [PriorComparisonService, RetrievedPriorsRegistry],
})
export class PriorsModule {}
