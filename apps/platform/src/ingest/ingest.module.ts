import { Module } from '@nestjs/common';
import { PriorsModule } from '../priors/priors.module.js';
import { StudiesModule } from '../studies/studies.module.js';
import { DicomStoreScp } from './dicom-store.scp.js';
import { InstanceIntakeService } from './instance-intake.service.js';
import { InstanceStore } from './instance.store.js';
import { PendingAnalysisRepository } from './pending-analysis.repository.js';
import { QuarantineController } from './quarantine.controller.js';
import { QuarantineRepository } from './quarantine.repository.js';
import { StudyDispatchService } from './study-dispatch.service.js';

/** Study intake: the guarded C-STORE SCP, the content-addressed instance store, quarantine and completeness-driven dispatch. */
@Module({
  imports: [StudiesModule, PriorsModule],
  controllers: [QuarantineController],
  providers: [InstanceStore, PendingAnalysisRepository, QuarantineRepository, InstanceIntakeService, StudyDispatchService, DicomStoreScp],
  exports: [DicomStoreScp, InstanceStore, InstanceIntakeService],
})
export class IngestModule {}
