import { Module } from '@nestjs/common';
import { IngestModule } from '../ingest.module.js';
import { QidoController } from './qido.controller.js';
import { StowController } from './stow.controller.js';
import { StowService } from './stow.service.js';
import { WadoController } from './wado.controller.js';
import { WadoService } from './wado.service.js';

/** DICOMweb under /dicomweb (PS3.18): STOW-RS into the same intake as C-STORE, QIDO-RS and WADO-RS from the instance store. */
@Module({
  imports: [IngestModule],
  controllers: [StowController, QidoController, WadoController],
  // the search index and QIDO-RS come from IngestModule, which answers C-FIND from them too
  providers: [StowService, WadoService],
})
export class DicomwebModule {}
