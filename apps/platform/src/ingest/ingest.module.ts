import { Module } from '@nestjs/common';
import { DeliveryModule } from '../delivery/delivery.module.js';
import { PriorsModule } from '../priors/priors.module.js';
import { StudiesModule } from '../studies/studies.module.js';
import { DicomFindService } from './dicom-find.service.js';
import { DicomStoreScp } from './dicom-store.scp.js';
import { DicomwebIndexRepository } from './dicomweb/dicomweb-index.repository.js';
import { QidoService } from './dicomweb/qido.service.js';
import { ImageRetentionRepository } from './image-retention.repository.js';
import { ImageRetentionService } from './image-retention.service.js';
import { InstanceIntakeService } from './instance-intake.service.js';
import { InstanceStore } from './instance.store.js';
import { PendingAnalysisRepository } from './pending-analysis.repository.js';
import { QuarantineController } from './quarantine.controller.js';
import { QuarantineRepository } from './quarantine.repository.js';
import { StudyDispatchService } from './study-dispatch.service.js';

/**
 * Study intake: the guarded C-STORE SCP, the content-addressed instance store, quarantine and completeness-driven
 * dispatch, image retention; and the search index C-FIND shares with QIDO-RS (exported to the DICOMweb module).
 */
@Module({
  imports: [StudiesModule, DeliveryModule, PriorsModule],
  controllers: [QuarantineController],
  providers: [
    InstanceStore,
    PendingAnalysisRepository,
    QuarantineRepository,
    InstanceIntakeService,
    StudyDispatchService,
    DicomwebIndexRepository,
    QidoService,
    DicomFindService,
    DicomStoreScp,
    ImageRetentionRepository,
    ImageRetentionService,
  ],
  exports: [DicomStoreScp, InstanceStore, InstanceIntakeService, StudyDispatchService, DicomwebIndexRepository, QidoService],
})
export class IngestModule {}
