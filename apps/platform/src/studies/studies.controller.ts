import { Controller, Get, Param, Query } from '@nestjs/common';
import type { Report } from '@polyrad/sdk';
import { Roles, SiteScope } from '../auth/auth.decorators.js';
import { DEFAULT_SITE } from '../registry/site.rules.js';
import type { WorklistEntry } from './reports.repository.js';
import { StudiesService } from './studies.service.js';

/** Every study belongs to the default site today; a vendor reads no patient data. */
const studySite = (): string => DEFAULT_SITE;

@Controller('api')
@Roles('admin', 'radiologist')
export class StudiesController {
  constructor(private readonly studies: StudiesService) {}

  /** The same report.json the CLI writes (DESIGN.md, "Server"). */
  @Get('studies/:studyInstanceUid/report')
  @SiteScope(studySite)
  getReport(@Param('studyInstanceUid') studyInstanceUid: string): Promise<Report> {
    return this.studies.getLatestReport(studyInstanceUid);
  }

  /** Studies with their newest report, urgent first. */
  @Get('worklist')
  @SiteScope(studySite)
  worklist(@Query('limit') limit?: string): Promise<WorklistEntry[]> {
    return this.studies.worklist(limit === undefined ? undefined : Number(limit));
  }
}
