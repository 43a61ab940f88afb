import { Module } from '@nestjs/common';
import { DeliveryModule } from '../delivery/delivery.module.js';
import { PipelineModule } from '../pipeline/pipeline.module.js';
import { RegistryModule } from '../registry/registry.module.js';
import { ReportsRepository } from './reports.repository.js';
import { StudiesController } from './studies.controller.js';
import { StudiesService } from './studies.service.js';
import { StudyAnalysisController } from './study-analysis.controller.js';
import { StudyAnalysisService } from './study-analysis.service.js';
import { UrgentNotifier } from './urgent.notifier.js';

@Module({
  imports: [PipelineModule, RegistryModule, DeliveryModule],
  controllers: [StudiesController, StudyAnalysisController],
  providers: [StudiesService, StudyAnalysisService, ReportsRepository, UrgentNotifier],
  exports: [StudiesService, StudyAnalysisService, UrgentNotifier],
})
export class StudiesModule {}
