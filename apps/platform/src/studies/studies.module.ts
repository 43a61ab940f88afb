import { Module } from '@nestjs/common';
import { ReportsRepository } from './reports.repository.js';
import { StudiesController } from './studies.controller.js';
import { StudiesService } from './studies.service.js';
import { UrgentNotifier } from './urgent.notifier.js';

@Module({
  controllers: [StudiesController],
  providers: [StudiesService, ReportsRepository, UrgentNotifier],
  exports: [StudiesService, UrgentNotifier],
})
export class StudiesModule {}
