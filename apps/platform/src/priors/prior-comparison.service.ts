import { Injectable, Logger } from '@nestjs/common';
import { isPolyradError, type Report } from '@polyrad/sdk';
import type { CatalogEntry } from '../pipeline/planning/plugin-catalog.js';
import { findingLabels } from '../pipeline/report/finding-labels.js';
import type { AnalysisResult } from '../pipeline/study.pipeline.js';
import { StudyPipeline } from '../pipeline/study.pipeline.js';
import { scanStudy } from '../pipeline/study.scanner.js';
import { PriorStudiesRepository, type EarlierStudy } from './prior-studies.repository.js';
import { compareWithPrior, comparisonNotAssessed, type ComparedStudy } from './study.comparator.js';

/**
 * Finds the prior of a new study among the patient's earlier studies stored in Polyrad and compares:
 * the most recent earlier chest CT first. Its stored results are reused when the same plugin versions
 * produced them; otherwise its stored images are analysed again with the versions this study used. The
 * images are read in both cases, since registration needs them.
 */
@Injectable()
export class PriorComparisonService {
  private readonly logger = new Logger('Priors');

  constructor(
    private readonly repo: PriorStudiesRepository,
    private readonly pipeline: StudyPipeline,
  ) {}

  /** The report with its comparison, or unchanged when the patient has no earlier study here. */
  async withStoredPrior(current: AnalysisResult, catalog: CatalogEntry[]): Promise<Report> {
    const { patientId, studyDate, studyInstanceUid } = current.report.study;
    // without a patient or a date no earlier study can be told apart from someone else's
    if (!patientId || !/^\d{8}$/.test(studyDate)) return current.report;
    const earlier = await this.repo.earlierStudies(patientId, studyDate, studyInstanceUid);
    // the most recent chest CT with stored results; else the most recent one never analysed (received only)
    const chosen = earlier.find((s) => s.report !== null && showsChestCt(s.report)) ?? earlier.find((s) => s.report === null);
    if (!chosen) return current.report;
    const labels = findingLabels(catalog.map((c) => c.manifest));
    const priorStub = { study: { studyInstanceUid: chosen.studyInstanceUid, studyDate: chosen.studyDate, patientId, accessionNumber: chosen.report?.study.accessionNumber ?? '' }, algorithms: chosen.report?.algorithms ?? [] };
    try {
      const prior = await this.priorSide(chosen, current.report, catalog);
      if (!prior) return comparisonNotAssessed(current.report, priorStub, 'the prior\'s images are not stored in Polyrad, so the exams cannot be registered', labels);
      const report = compareWithPrior({ current, prior: prior.study, labels });
      report.comparison!.priorResults = prior.reused ? 'stored' : 'analysed again';
      return report;
    } catch (error) {
      // a prior that cannot be read never holds back the study's own report
      const reason = isPolyradError(error) ? error.toLine() : (error as Error).message;
      this.logger.warn(`study ${studyInstanceUid}: prior ${chosen.studyInstanceUid} could not be compared: ${reason}`);
      return comparisonNotAssessed(current.report, priorStub, `the prior could not be read: ${reason}`, labels);
    }
  }

  private async priorSide(chosen: EarlierStudy, current: Report, catalog: CatalogEntry[]): Promise<{ study: ComparedStudy; reused: boolean } | undefined> {
    const files = await this.repo.studyFiles(chosen.studyInstanceUid);
    if (files.length === 0) return undefined;
    if (chosen.report && sameVersions(chosen.report, current)) {
      const scanned = await scanStudy(files);
      return { study: { report: chosen.report, volumes: scanned.volumes }, reused: true };
    }
    this.logger.log(`analysing prior ${chosen.studyInstanceUid} with the versions of this study`);
    const analysed = await this.pipeline.analyze({ catalog, paths: files });
    return { study: analysed, reused: false };
  }
}

function showsChestCt(report: Report): boolean {
  return report.series.some((s) => s.modality === 'CT' && (!Array.isArray(s.fingerprint.bodyRegions) || (s.fingerprint.bodyRegions as string[]).includes('thorax')));
}

/** Every plugin that succeeded on this study succeeded on the prior in the same version. */
function sameVersions(prior: Report, current: Report): boolean {
  return current.algorithms
    .filter((a) => a.status === 'succeeded')
    .every((a) => prior.algorithms.some((b) => b.id === a.id && b.version === a.version && b.status === 'succeeded'));
}
