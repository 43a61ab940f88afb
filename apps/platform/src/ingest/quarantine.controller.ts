import { Controller, Get } from '@nestjs/common';
import { Roles, SiteScope } from '../auth/auth.decorators.js';
import { DEFAULT_SITE } from '../registry/site.rules.js';
import { InstanceIntakeService } from './instance-intake.service.js';
import type { QuarantinedInstance } from './quarantine.repository.js';

/** What an admin sees of a quarantined instance: everything but where the server keeps the file. */
export type QuarantineView = Omit<QuarantinedInstance, 'path'>;

/** Instances held back because their patient identity conflicts with their study (received on the default site). */
@Controller('api/dicom/quarantine')
export class QuarantineController {
  constructor(private readonly intake: InstanceIntakeService) {}

  @Get()
  @Roles('admin')
  @SiteScope(() => DEFAULT_SITE)
  async list(): Promise<QuarantineView[]> {
    return (await this.intake.listQuarantine()).map(({ path: _path, ...view }) => view);
  }
}
