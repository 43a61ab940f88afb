import { Inject, Injectable, Logger } from '@nestjs/common';
import { isPolyradError, type Report } from '@polyrad/sdk';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { POLYRAD_AE_TITLE } from '../ingest/polyrad-ae-title.js';
import type { CatalogEntry } from '../pipeline/planning/plugin-catalog.js';
import { findingLabels } from '../pipeline/report/finding-labels.js';
import type { AnalysisResult } from '../pipeline/study.pipeline.js';
import { StudyPipeline } from '../pipeline/study.pipeline.js';
import { scanStudy } from '../pipeline/study.scanner.js';
import { findEarlierCtStudies, moveStudy } from './prior-pacs.client.js';
import { PriorStudiesRepository, type EarlierStudy } from './prior-studies.repository.js';
import { RetrievedPriorsRegistry } from './retrieved-priors.registry.js';
import { compareWithPrior, comparisonNotAssessed, type ComparedStudy } from './study.comparator.js';

/** The prior chosen for a study: stored here, or only in the prior PACS until retrieved. */
interface ChosenPrior extends EarlierStudy {
  accessionNumber: string;
  inPacsOnly: boolean;
}

const reasonOf = (error: unknown) => (isPolyradError(error) ? error.toLine() : (error as Error).message);

/**
 * Finds the prior of a new study and compares: the most recent earlier chest CT of the patient, among the
 * studies stored in Polyrad and, when POLYRAD_PRIOR_PACS names one, those the PACS answers to a C-FIND.
 * A prior only the PACS holds is retrieved by C-MOVE to the platform's own AE and analysed with the plugin
 * versions this study used. A stored prior's results are reused when the same versions produced them;
 * otherwise its stored images are analysed again. The images are read in every case, since registration
 * needs them. Whatever fails on the way (PACS down, no prior, C-MOVE refused) makes the comparison "not
 * assessed" with the reason; the study's own report is never held back.
 */
@Injectable()
export class PriorComparisonService {
  private readonly logger = new Logger('Priors');

  constructor(
    private readonly repo: PriorStudiesRepository,
    private readonly pipeline: StudyPipeline,
    private readonly retrieved: RetrievedPriorsRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The report with its comparison; unchanged when no PACS is configured and the patient has no earlier study here. */
  async withPrior(current: AnalysisResult, catalog: CatalogEntry[]): Promise<Report> {
    const { patientId, studyDate, studyInstanceUid } = current.report.study;
    // without a patient or a date no earlier study can be told apart from someone else's
    if (!patientId || !/^\d{8}$/.test(studyDate)) return current.report;
    const labels = findingLabels(catalog.map((c) => c.manifest));
    const earlier = await this.repo.earlierStudies(patientId, studyDate, studyInstanceUid);
    // the most recent chest CT with stored results; else the most recent one never analysed (received only)
    const stored = earlier.find((s) => s.report !== null && showsChestCt(s.report)) ?? earlier.find((s) => s.report === null);
    let chosen: ChosenPrior | undefined = stored && { ...stored, accessionNumber: stored.report?.study.accessionNumber ?? '', inPacsOnly: false };
    const pacs = this.config.priorPacs;
    let pacsProblem: string | undefined;
    if (pacs) {
      try {
        const newest = (await findEarlierCtStudies(pacs, POLYRAD_AE_TITLE, patientId, studyDate)).find((s) => s.StudyInstanceUID !== studyInstanceUid);
        if (newest && (!chosen || newest.StudyDate > chosen.studyDate)) {
          const here = earlier.find((s) => s.studyInstanceUid === newest.StudyInstanceUID);
          const files = here ? await this.repo.studyFiles(here.studyInstanceUid) : [];
          chosen = { studyInstanceUid: newest.StudyInstanceUID, studyDate: newest.StudyDate, report: here?.report ?? null, accessionNumber: newest.AccessionNumber, inPacsOnly: files.length === 0 };
        }
      } catch (error) {
        pacsProblem = reasonOf(error);
        this.logger.warn(`study ${studyInstanceUid}: ${pacsProblem}`);
      }
    }
    if (!chosen) {
      if (!pacs) return current.report;
      const reason = pacsProblem
        ? `no earlier CT of this patient is stored in Polyrad, and the prior PACS could not be asked: ${pacsProblem}`
        : `no earlier CT of this patient (PatientID ${patientId}) is stored in Polyrad or held by the prior PACS ${pacs.aeTitle}`;
      return comparisonNotAssessed(current.report, { study: { studyInstanceUid: '', studyDate: '', patientId, accessionNumber: '' }, algorithms: [] }, reason, labels);
    }
    const priorStub = { study: { studyInstanceUid: chosen.studyInstanceUid, studyDate: chosen.studyDate, patientId, accessionNumber: chosen.accessionNumber }, algorithms: chosen.report?.algorithms ?? [] };
    if (chosen.inPacsOnly) {
      try {
        await this.retrieve(chosen, studyInstanceUid);
      } catch (error) {
        return comparisonNotAssessed(current.report, priorStub, `the prior (${chosen.studyDate}) could not be retrieved from the prior PACS: ${reasonOf(error)}`, labels);
      }
    }
    try {
      const prior = await this.priorSide(chosen, current.report, catalog);
      if (!prior) return comparisonNotAssessed(current.report, priorStub, 'the prior\'s images are not stored in Polyrad, so the exams cannot be registered', labels);
      const report = compareWithPrior({ current, prior: prior.study, labels });
      report.comparison!.priorResults = chosen.inPacsOnly ? 'retrieved from PACS' : prior.reused ? 'stored' : 'analysed again';
      if (pacsProblem) report.warnings.push(`The prior PACS could not be asked for a more recent prior (${pacsProblem}); compared with the most recent prior stored in Polyrad.`);
      return report;
    } catch (error) {
      // a prior that cannot be read never holds back the study's own report
      const reason = reasonOf(error);
      this.logger.warn(`study ${studyInstanceUid}: prior ${chosen.studyInstanceUid} could not be compared: ${reason}`);
      return comparisonNotAssessed(current.report, priorStub, `the prior could not be read: ${reason}`, labels);
    }
  }

  /** C-MOVE of the prior to the platform's own SCP; it is stored on arrival and, as a retrieved prior, not dispatched. */
  private async retrieve(prior: ChosenPrior, forStudyUid: string): Promise<void> {
    const pacs = this.config.priorPacs!;
    this.retrieved.add(prior.studyInstanceUid, forStudyUid);
    this.logger.log(`study ${forStudyUid}: retrieving prior ${prior.studyInstanceUid} (${prior.studyDate}) from ${pacs.aeTitle}`);
    const { completed } = await moveStudy(pacs, POLYRAD_AE_TITLE, POLYRAD_AE_TITLE, prior.studyInstanceUid);
    this.logger.log(`study ${forStudyUid}: prior ${prior.studyInstanceUid} retrieved (${completed} instances)`);
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
