import { rm } from 'node:fs/promises';
import { Injectable, Logger } from '@nestjs/common';
import { readDicomHeader } from '@polyrad/dicom';
import { PolyradError } from '@polyrad/sdk';
import { InstanceStore, type StoredInstance } from './instance.store.js';
import { identityConflicts, patientIdentityOf } from './patient-identity.matcher.js';
import { checkReceivedInstance } from './received-instance.validator.js';
import { QuarantineRepository, type QuarantinedInstance } from './quarantine.repository.js';

/** Who sent an instance. */
export interface InstanceSender {
  callingAe: string;
  remoteAddress: string;
}

/** What reconcile found: incoming leftovers removed, unindexed files indexed or removed, instances whose file is gone. */
export interface ReconcileSummary {
  partialRemoved: number;
  indexed: number;
  removed: number;
  missing: string[];
}

/** The sender recorded for a file found in the store without its index row. */
const RECOVERED_SENDER: InstanceSender = { callingAe: '', remoteAddress: 'recovered at start' };

export type IntakeResult = { status: 'stored'; instance: StoredInstance } | { status: 'quarantined'; reason: string };

/**
 * Decides what becomes of a received file: an instance whose patient identity conflicts with what its
 * study already holds is quarantined (kept apart, recorded, never merged or dispatched); any other
 * usable image is stored into its study. Unusable files throw PolyradError. The incoming file is gone afterwards.
 */
@Injectable()
export class InstanceIntakeService {
  private readonly logger = new Logger(InstanceIntakeService.name);

  private readonly storedListeners: Array<(instance: StoredInstance) => void> = [];

  constructor(
    private readonly instances: InstanceStore,
    private readonly quarantine: QuarantineRepository,
  ) {}

  /** Calls `listener` with every instance `accept` stores, whichever way it came (DIMSE, DICOMweb, recovery at start). */
  onStored(listener: (instance: StoredInstance) => void): void {
    this.storedListeners.push(listener);
  }

  /** Takes in an incoming file; `sha256` is its hash when the receiver computed it while writing. */
  async accept(incoming: string, sender: InstanceSender, sha256?: string): Promise<IntakeResult> {
    try {
      const header = await readDicomHeader(incoming);
      checkReceivedInstance(header);
      const identity = patientIdentityOf(header);
      const conflicts = identityConflicts(await this.quarantine.claimStudyIdentity(header.StudyInstanceUID, identity), identity);
      if (conflicts.length === 0) {
        const instance = await this.instances.store(incoming, header, sender.callingAe, sha256);
        for (const listener of this.storedListeners) listener(instance);
        return { status: 'stored', instance };
      }
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

  /**
   * Makes the file store and the index agree after a crash (called at start, before the listener):
   * incoming leftovers are removed; a stored file without a row is taken in again like a received one
   * (indexed, or quarantined, or removed if unusable); a row whose file is gone is flagged.
   */
  async reconcile(): Promise<ReconcileSummary> {
    const summary: ReconcileSummary = { partialRemoved: await this.instances.removeIncoming(), indexed: 0, removed: 0, missing: [] };
    for (const path of await this.instances.unindexedFiles()) {
      const result = await this.accept(await this.instances.copyToIncoming(path), RECOVERED_SENDER).catch((error: unknown) => {
        if (error instanceof PolyradError) return undefined;
        throw error;
      });
      if (result?.status === 'stored' && result.instance.path === path) summary.indexed++;
      else {
        await this.instances.remove(path);
        summary.removed++;
      }
    }
    summary.missing = await this.instances.flagMissingFiles();
    return summary;
  }

  /** Quarantined instances for an admin to review, newest first. */
  listQuarantine(): Promise<QuarantinedInstance[]> {
    return this.quarantine.list();
  }
}
