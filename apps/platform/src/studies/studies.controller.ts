import { Controller, Get, Inject, type MessageEvent, Param, Query, Sse } from '@nestjs/common';
import type { Report } from '@polyrad/sdk';
import type { Observable } from 'rxjs';
import { Roles, SiteScope } from '../auth/auth.decorators.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { DEFAULT_SITE } from '../registry/site.rules.js';
import type { WorklistEntry } from './reports.repository.js';
import { StudiesService } from './studies.service.js';
import { StudyActivityService } from './study-activity.service.js';
import { StudyProgressService, type StudyProgress } from './study-progress.service.js';

/** Every study belongs to the default site today; a vendor reads no patient data. */
const studySite = (): string => DEFAULT_SITE;

@Controller('api')
@Roles('admin', 'radiologist')
export class StudiesController {
  constructor(
    private readonly studies: StudiesService,
    private readonly progress: StudyProgressService,
    private readonly activity: StudyActivityService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
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

  /** Each study's live state (receiving, waiting, analysing with progress, reported) as server-sent events. */
  @Sse('worklist/events')
  @SiteScope(studySite)
  worklistEvents(): Observable<MessageEvent> {
    return this.activity.events(this.config.auth.accessTokenTtlS * 1000);
  }
}
