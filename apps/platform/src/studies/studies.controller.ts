import { Controller, Get, Param } from '@nestjs/common';
import type { Report } from '@polyrad/sdk';
import { StudiesService } from './studies.service.js';

@Controller('api/studies')
export class StudiesController {
  constructor(private readonly studies: StudiesService) {}

  /** The same report.json the CLI writes (DESIGN.md, "Server"). */
  @Get(':studyInstanceUid/report')
  getReport(@Param('studyInstanceUid') studyInstanceUid: string): Promise<Report> {
    return this.studies.getLatestReport(studyInstanceUid);
  }
}
