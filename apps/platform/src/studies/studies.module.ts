import { Module } from '@nestjs/common';
import { ReportsRepository } from './reports.repository.js';
import { StudiesController } from './studies.controller.js';
import { StudiesService } from './studies.service.js';

@Module({
  controllers: [StudiesController],
  providers: [StudiesService, ReportsRepository],
  exports: [StudiesService],
})
export class StudiesModule {}
