import { Module } from '@nestjs/common';
import { PipelineModule } from '../pipeline/pipeline.module.js';
import { PriorComparisonService } from './prior-comparison.service.js';
import { PriorStudiesRepository } from './prior-studies.repository.js';

/** Prior exams: lookup among stored studies, registration and comparison (study.comparator). */
@Module({
  imports: [PipelineModule],
  providers: [PriorComparisonService, PriorStudiesRepository],
  exports: [PriorComparisonService],
})
export class PriorsModule {}
