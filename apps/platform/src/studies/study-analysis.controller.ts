import { Body, Controller, Post } from '@nestjs/common';
import type { Report } from '@polyrad/sdk';
import type { Request } from 'express';
import { Roles, SiteScope } from '../auth/auth.decorators.js';
import { DEFAULT_SITE } from '../registry/site.rules.js';
import { type AnalyzeRequest, StudyAnalysisService } from './study-analysis.service.js';

@Controller('api/studies')
export class StudyAnalysisController {
  constructor(private readonly analysis: StudyAnalysisService) {}

  /** `{ paths: [<server-side folder>], site?: "default" }` → the stored report.json. */
  @Post('analyze')
  @Roles('admin')
  @SiteScope((req: Request) => (req.body as { site?: unknown } | undefined)?.site ?? DEFAULT_SITE)
  analyze(@Body() body: AnalyzeRequest | undefined): Promise<Report> {
    return this.analysis.analyzeFolders(body ?? {});
  }
}
