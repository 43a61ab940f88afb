import { Controller, Get, Param, Query } from '@nestjs/common';
import type { Report } from '@polyrad/sdk';
import type { WorklistEntry } from './reports.repository.js';
import { StudiesService } from './studies.service.js';

@Controller('api')
export class StudiesController {
  constructor(private readonly studies: StudiesService) {}

  /** The same report.json the CLI writes (DESIGN.md, "Server"). */
  @Get('studies/:studyInstanceUid/report')
  getReport(@Param('studyInstanceUid') studyInstanceUid: string): Promise<Report> {
    return this.studies.getLatestReport(studyInstanceUid);
  }

  /** Studies with their newest report, urgent first. */
  @Get('worklist')
  worklist(@Query('limit') limit?: string): Promise<WorklistEntry[]> {
    return this.studies.worklist(limit === undefined ? undefined : Number(limit));
  }
}
