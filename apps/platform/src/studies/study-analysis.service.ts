import { realpath } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { isWithin, type ScanDicomInputsOptions } from '@polyrad/dicom';
import { PolyradError, type Report } from '@polyrad/sdk';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { DeliveryQueueService } from '../delivery/delivery-queue.service.js';
import { StudyPipeline } from '../pipeline/study.pipeline.js';
import { PriorComparisonService } from '../priors/prior-comparison.service.js';
import { ANALYSIS_IMPORT_OFF, ANALYSIS_INPUT_INVALID, ANALYSIS_PATH_REFUSED } from '../registry/registry.errors.js';
import { SiteCatalogService } from '../registry/site-catalog.service.js';
import { DEFAULT_SITE } from '../registry/site.rules.js';
import type { StoredReport } from './reports.repository.js';
import { LearningService } from './learning/learning.service.js';
import { StudiesService } from './studies.service.js';
import { StudyProgressService } from './study-progress.service.js';

const MAX_PATHS = 64;

export interface AnalyzeRequest {
  paths?: unknown;
  site?: unknown;
}

/**
 * Analyses a study with the plugin versions a site has enabled and stores the report as the study's next
 * version: for the C-STORE intake and for POST /api/studies/analyze alike.
 */
@Injectable()
export class StudyAnalysisService {
  private readonly logger = new Logger('Analysis');

  constructor(
    private readonly pipeline: StudyPipeline,
    private readonly catalog: SiteCatalogService,
    private readonly studies: StudiesService,
    private readonly deliveries: DeliveryQueueService,
    private readonly progress: StudyProgressService,
    private readonly priors: PriorComparisonService,
    private readonly learning: LearningService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The site's plugins on the files, the site's warnings (plugins that cannot run there) in the report, stored. */
  /** `intakeWarnings`: what the caller knows of the input that the files cannot tell (e.g. a study only partly received). */
  async analyzeAndStore(paths: string[], site: string = DEFAULT_SITE, scan?: ScanDicomInputsOptions, intakeWarnings: string[] = []): Promise<{ report: Report; stored: StoredReport }> {
    const { entries, warnings, notRunning } = await this.catalog.resolveSite(site);
    const analysis = await this.pipeline.analyze({ catalog: entries, paths, scan, log: (message) => this.logger.log(message), progress: (uid, runs) => this.progress.update(uid, runs) });
    const report = await this.priors.withPrior(analysis, entries);
    report.warnings.push(...intakeWarnings, ...warnings);
    report.algorithms.push(...notRunning);
    const stored = await this.studies.storeReport(report);
    // queued, not sent: a destination that is down never holds the analysis
    await this.deliveries.enqueue(report, stored, site, paths, scan, { masks: analysis.masks, volumes: analysis.volumes });
    // after the report is out: runs, shadow versions (never in the report) and drift
    await this.learning.afterAnalysis({ report, stored, site, catalog: entries, paths, diagnostics: analysis.diagnostics, ...(scan ? { scan } : {}) });
    return { report, stored };
  }

  /**
   * Server-side folders a client names. Only folders under the configured import roots are read
   * (POLYRAD_IMPORT_ROOTS), links included, so a client cannot make the server open or reveal anything else.
   */
  async analyzeFolders(request: AnalyzeRequest): Promise<Report> {
    const roots = this.config.importRoots ?? [];
    if (roots.length === 0) {
      throw new PolyradError(ANALYSIS_IMPORT_OFF, 'analysing server folders is off on this platform; an administrator can allow folders with POLYRAD_IMPORT_ROOTS');
    }
    const paths = await checkPaths(request.paths, roots);
    const site = request.site ?? DEFAULT_SITE;
    if (typeof site !== 'string') throw new PolyradError(ANALYSIS_INPUT_INVALID, 'site must be a string');
    return (await this.analyzeAndStore(paths, site, { roots })).report;
  }
}

/**
 * The real paths of the requested files or folders. Missing and outside the roots give the same answer,
 * so the endpoint reveals nothing about the rest of the server's file system.
 */
async function checkPaths(value: unknown, roots: string[]): Promise<string[]> {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_PATHS || !value.every((p) => typeof p === 'string' && p !== '')) {
    throw new PolyradError(ANALYSIS_INPUT_INVALID, `paths must be a list of 1 to ${MAX_PATHS} server-side DICOM files or folders`);
  }
  const real: string[] = [];
  for (const path of value as string[]) {
    if (!isAbsolute(path) || path.includes('\0')) throw new PolyradError(ANALYSIS_INPUT_INVALID, `${path} is not an absolute path on the server`, path);
    const resolved = await realpath(path).catch(() => undefined);
    if (resolved === undefined || !roots.some((root) => isWithin(resolved, root))) {
      throw new PolyradError(ANALYSIS_PATH_REFUSED, `${path} is not a readable file or folder under the import folders`, path);
    }
    real.push(resolved);
  }
  return real;
}
