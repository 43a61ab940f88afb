import { Controller, Get, Param, Query } from '@nestjs/common';
import type { Report } from '@polyrad/sdk';
import { Roles, SiteScope } from '../auth/auth.decorators.js';
import { DEFAULT_SITE } from '../registry/site.rules.js';
import type { WorklistEntry } from './reports.repository.js';
import { StudiesService } from './studies.service.js';
import { StudyProgressService, type StudyProgress } from './study-progress.service.js';

/** Every study belongs to the default site today; a vendor reads no patient data. */
const studySite = (): string => DEFAULT_SITE;

@Controller('api')
@Roles('admin', 'radiologist')
export class StudiesController {
  constructor(
    private readonly studies: StudiesService,
    private readonly progress: StudyProgressService,
  ) {}

  /** The same report.json the CLI writes (DESIGN.md, "Server"). */
  @Get('studies/:studyInstanceUid/report')
  @SiteScope(studySite)
  getReport(@Param('studyInstanceUid') studyInstanceUid: string): Promise<Report> {
    return this.studies.getLatestReport(studyInstanceUid);
  }

  /** Each plugin run of the study's latest analysis: queued, running or done (with its status). */
  @Get('studies/:studyInstanceUid/progress')
  @SiteScope(studySite)
  getProgress(@Param('studyInstanceUid') studyInstanceUid: string): StudyProgress {
    return this.progress.get(studyInstanceUid);
  }

  /** Studies with their newest report, urgent first. */
  @Get('worklist')
  @SiteScope(studySite)
  worklist(@Query('limit') limit?: string): Promise<WorklistEntry[]> {
    return this.studies.worklist(limit === undefined ? undefined : Number(limit));
  }
}
