import { Injectable } from '@nestjs/common';

/**
 * Studies the platform retrieved from the prior PACS as the prior of another study. They arrive over
 * C-STORE like any study, but they are not new: the intake stores them and does not analyse or deliver
 * them on their own (they would otherwise look for their own prior, and their report would reach the
 * destinations as if the patient had just been scanned). They are analysed as the prior, inside the
 * comparison of the study that asked for them. Kept while the server runs: one UID per retrieval.
 */
@Injectable()
export class RetrievedPriorsRegistry {
  private readonly retrieved = new Map<string, string>();

  /** `priorUid` is being retrieved as the prior of `forStudyUid`. */
  add(priorUid: string, forStudyUid: string): void {
    this.retrieved.set(priorUid, forStudyUid);
  }

  /** The study that asked for `studyUid` as its prior, when it was retrieved as one. */
  requestedBy(studyUid: string): string | undefined {
    return this.retrieved.get(studyUid);
  }
}
