import { Injectable, Logger } from '@nestjs/common';
import { type DicomInstance, readDicomHeader } from '@polyrad/dicom';
import { PolyradError } from '@polyrad/sdk';
import { RetrievedPriorsRegistry } from '../priors/retrieved-priors.registry.js';
import { DEFAULT_SITE } from '../registry/site.rules.js';
import { StudyAnalysisService } from '../studies/study-analysis.service.js';
import { InstanceStore } from './instance.store.js';
import { partialStudyWarnings } from './partial-study.detector.js';

/**
 * Runs the whole pipeline on a received study with the plugins the registry has enabled for the
 * default site, and stores the report as the study's next version. A study the platform retrieved from
 * the prior PACS as another study's prior is stored only: it is analysed inside that comparison, and
 * neither looks for its own prior nor reaches the destinations as if it were new.
 */
@Injectable()
export class StudyDispatchService {
  private readonly logger = new Logger(StudyDispatchService.name);

  constructor(
    private readonly instances: InstanceStore,
    private readonly analysis: StudyAnalysisService,
    private readonly retrievedPriors: RetrievedPriorsRegistry,
  ) {}

  async dispatch(studyInstanceUid: string): Promise<void> {
    const requestedBy = this.retrievedPriors.requestedBy(studyInstanceUid);
    if (requestedBy !== undefined) {
      this.logger.log(`study ${studyInstanceUid}: stored as the prior retrieved for study ${requestedBy}; not analysed or delivered on its own`);
      return;
    }
    const files = await this.instances.studyFiles(studyInstanceUid);
    this.logger.log(`study ${studyInstanceUid}: complete, analysing ${files.length} instances`);
    try {
      const headers = await Promise.all(files.map((path) => readDicomHeader(path, { requirePixelData: false }).catch(() => undefined)));
      const received = headers.filter((header): header is DicomInstance => header !== undefined);
      const warnings = partialStudyWarnings(received, await this.instances.missingFiles(studyInstanceUid));
      const { stored } = await this.analysis.analyzeAndStore(files, DEFAULT_SITE, undefined, warnings);
      this.logger.log(`study ${studyInstanceUid}: reported (report version ${stored.version}, from ${files.length} instances)`);
    } catch (error) {
      const reason = error instanceof PolyradError ? error.toLine() : String(error);
      this.logger.warn(`study ${studyInstanceUid} could not be analysed: ${reason}`);
      throw error;
    }
  }
}
