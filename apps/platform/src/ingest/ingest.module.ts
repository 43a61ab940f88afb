import { Module } from '@nestjs/common';
import { RegistryModule } from '../registry/registry.module.js';
import { StudiesModule } from '../studies/studies.module.js';
import { DicomStoreScp } from './dicom-store.scp.js';
import { InstanceStore } from './instance.store.js';
import { StudyDispatchService } from './study-dispatch.service.js';

/** Study intake: the C-STORE SCP, the content-addressed instance store and completeness-driven dispatch. */
@Module({
  imports: [StudiesModule, RegistryModule],
  providers: [InstanceStore, StudyDispatchService, DicomStoreScp],
  exports: [DicomStoreScp, InstanceStore],
})
export class IngestModule {}
