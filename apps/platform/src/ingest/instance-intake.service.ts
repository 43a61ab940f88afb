import { rm } from 'node:fs/promises';
import { Injectable, Logger } from '@nestjs/common';
import { readDicomHeader } from '@polyrad/dicom';
import { InstanceStore, type StoredInstance } from './instance.store.js';
import { identityConflicts, patientIdentityOf } from './patient-identity.matcher.js';
import { QuarantineRepository, type QuarantinedInstance } from './quarantine.repository.js';

/** Who sent an instance. */
export interface InstanceSender {
  callingAe: string;
  remoteAddress: string;
}

export type IntakeResult = { status: 'stored'; instance: StoredInstance } | { status: 'quarantined'; reason: string };

/**
 * Decides what becomes of a received file: an instance whose patient identity conflicts with what its
 * study already holds is quarantined (kept apart, recorded, never merged or dispatched); any other
 * usable image is stored into its study. Unusable files throw PolyradError. The incoming file is gone afterwards.
 */
@Injectable()
export class InstanceIntakeService {
  private readonly logger = new Logger(InstanceIntakeService.name);

  constructor(
    private readonly instances: InstanceStore,
    private readonly quarantine: QuarantineRepository,
  ) {}

  async accept(incoming: string, sender: InstanceSender): Promise<IntakeResult> {
    try {
      const header = await readDicomHeader(incoming);
      const identity = patientIdentityOf(header);
      const conflicts = identityConflicts(await this.quarantine.claimStudyIdentity(header.StudyInstanceUID, identity), identity);
      if (conflicts.length === 0) return { status: 'stored', instance: await this.instances.store(incoming, header, sender.callingAe) };
      const kept = await this.instances.keepApart(incoming);
      const reason = `patient identity conflicts with study ${header.StudyInstanceUID}: ${conflicts.join('; ')}`;
      await this.quarantine.add({
        sopInstanceUid: header.SOPInstanceUID,
        studyInstanceUid: header.StudyInstanceUID,
        seriesInstanceUid: header.SeriesInstanceUID,
        ...kept,
        ...sender,
        reason,
        patientIdentity: identity,
      });
      this.logger.warn(`instance ${header.SOPInstanceUID} from ${sender.callingAe}@${sender.remoteAddress} quarantined, not merged: ${reason}`);
      return { status: 'quarantined', reason };
    } finally {
      await rm(incoming, { force: true });
    }
  }

  /** Quarantined instances for an admin to review, newest first. */
  listQuarantine(): Promise<QuarantinedInstance[]> {
    return this.quarantine.list();
  }
}
