import { Injectable, Logger } from '@nestjs/common';
import { PolyradError } from '@polyrad/sdk';
import { AnalysisService } from '../pipeline/study.pipeline.js';
import { RegistryService } from '../registry/registry.service.js';
import { StudiesService } from '../studies/studies.service.js';
import { InstanceStore } from './instance.store.js';

/**
 * Runs the whole pipeline on a received study with the plugins the registry has enabled for the
 * default site, and stores the report as the study's next version.
 */
@Injectable()
export class StudyDispatchService {
  private readonly logger = new Logger(StudyDispatchService.name);

  constructor(
    private readonly instances: InstanceStore,
    private readonly studies: StudiesService,
    private readonly registry: RegistryService,
  ) {}

  async dispatch(studyInstanceUid: string): Promise<void> {
    const files = await this.instances.studyFiles(studyInstanceUid);
    try {
      const { entries, warnings } = await this.registry.resolveSite();
      const { report } = await new AnalysisService(entries, (message) => this.logger.log(message)).analyze(files);
      report.warnings.push(...warnings);
      const stored = await this.studies.storeReport(report);
      this.logger.log(`study ${studyInstanceUid}: report version ${stored.version} from ${files.length} instances`);
    } catch (error) {
      const reason = error instanceof PolyradError ? error.toLine() : String(error);
      this.logger.warn(`study ${studyInstanceUid} could not be analysed: ${reason}`);
      throw error;
    }
  }
}
