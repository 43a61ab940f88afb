import { Module } from '@nestjs/common';
import { DeliveryModule } from '../delivery/delivery.module.js';
import { InstanceStore } from '../ingest/instance.store.js';
import { PipelineModule } from '../pipeline/pipeline.module.js';
import { PriorsModule } from '../priors/priors.module.js';
import { RegistryModule } from '../registry/registry.module.js';
import { FeedbackController } from './feedback/feedback.controller.js';
import { FeedbackRepository } from './feedback/feedback.repository.js';
import { FeedbackService } from './feedback/feedback.service.js';
import { DatasetExportService } from './learning/dataset-export.service.js';
import { LearningController } from './learning/learning.controller.js';
import { LearningRepository } from './learning/learning.repository.js';
import { LearningService } from './learning/learning.service.js';
import { ReportsRepository } from './reports.repository.js';
import { StudiesController } from './studies.controller.js';
import { StudiesService } from './studies.service.js';
import { StudyActivityService } from './study-activity.service.js';
import { StudyProgressService } from './study-progress.service.js';
import { StudyAnalysisController } from './study-analysis.controller.js';
import { StudyAnalysisService } from './study-analysis.service.js';
import { UrgentNotifier } from './urgent.notifier.js';

// InstanceStore (only reads the index and files here) is provided again rather than imported: IngestModule imports this module.
@Module({
  imports: [PipelineModule, RegistryModule, DeliveryModule, PriorsModule],
  controllers: [StudiesController, StudyAnalysisController, FeedbackController, LearningController],
  providers: [StudiesService, StudyAnalysisService, StudyProgressService, StudyActivityService, ReportsRepository, UrgentNotifier, FeedbackService, FeedbackRepository, LearningService, LearningRepository, DatasetExportService, InstanceStore],
  exports: [StudiesService, StudyAnalysisService, StudyActivityService, UrgentNotifier],
})
export class StudiesModule {}
