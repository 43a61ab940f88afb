import { stat } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { Injectable, Logger } from '@nestjs/common';
import { PolyradError, type Report } from '@polyrad/sdk';
import { AnalysisService } from '../analysis/analysis.service.js';
import { StudiesService } from '../studies/studies.service.js';
import { ANALYSIS_INPUT_INVALID } from './registry.errors.js';
import { DEFAULT_SITE, RegistryService } from './registry.service.js';

const MAX_PATHS = 64;

export interface AnalyzeRequest {
  paths?: unknown;
  site?: unknown;
}

/**
 * Runs the pipeline on server-side folders with the plugin versions the site has enabled and stores the
 * report. An import-from-folder stand-in until studies arrive by DICOMweb or C-STORE.
 */
@Injectable()
export class StudyAnalysisService {
  private readonly logger = new Logger('Analysis');

  constructor(
    private readonly registry: RegistryService,
    private readonly studies: StudiesService,
  ) {}

  async analyze(request: AnalyzeRequest): Promise<Report> {
    const paths = await checkPaths(request.paths);
    const site = request.site ?? DEFAULT_SITE;
    if (typeof site !== 'string') throw new PolyradError(ANALYSIS_INPUT_INVALID, 'site must be a string');
    const { entries, warnings } = await this.registry.resolveSite(site);
    const { report } = await new AnalysisService(entries, (message) => this.logger.log(message)).analyze(paths);
    report.warnings.push(...warnings);
    await this.studies.storeReport(report);
    return report;
  }
}

async function checkPaths(value: unknown): Promise<string[]> {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_PATHS || !value.every((p) => typeof p === 'string' && p !== '')) {
    throw new PolyradError(ANALYSIS_INPUT_INVALID, `paths must be a list of 1 to ${MAX_PATHS} server-side DICOM files or folders`);
  }
  for (const path of value as string[]) {
    if (!isAbsolute(path) || path.includes('\0')) throw new PolyradError(ANALYSIS_INPUT_INVALID, `${path} is not an absolute path on the server`, path);
    try {
      await stat(path);
    } catch (error) {
      throw new PolyradError(ANALYSIS_INPUT_INVALID, `${path} cannot be read on the server (${(error as NodeJS.ErrnoException).code ?? 'error'})`, path);
    }
  }
  return value as string[];
}
