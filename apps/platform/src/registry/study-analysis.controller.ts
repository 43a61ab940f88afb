import { Body, Controller, Post } from '@nestjs/common';
import type { Report } from '@polyrad/sdk';
import { type AnalyzeRequest, StudyAnalysisService } from './study-analysis.service.js';

@Controller('api/studies')
export class StudyAnalysisController {
  constructor(private readonly analysis: StudyAnalysisService) {}

  /** `{ paths: [<server-side folder>], site?: "default" }` → the stored report.json. */
  @Post('analyze')
  analyze(@Body() body: AnalyzeRequest | undefined): Promise<Report> {
    return this.analysis.analyze(body ?? {});
  }
}
