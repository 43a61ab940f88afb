import type { AlgorithmFinding } from '../algorithm/algorithm.types.js';

export const DECISION_SUPPORT_NOTICE =
  'Decision support only: computer-generated measurements, unverified until a radiologist reviews and signs the report.';

export interface ReportFinding extends AlgorithmFinding {
  algorithm: { id: string; version: string };
  seriesInstanceUid: string;
  /** the display name the plugin's manifest gives the code; every channel shows it (the code when absent) */
  label?: string;
  /** the reader's latest decision on this finding; the algorithm's own value and category stay beside it */
  review?: FindingReview;
}

/** Why a reader rejects a finding (the short list the reading workspace offers). */
export const REJECTION_REASONS = ['false-positive', 'wrong-location', 'wrong-measurement', 'poor-image-quality', 'not-clinically-relevant', 'other'] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

/** A radiologist's decision on one algorithm finding. */
export interface FindingReview {
  action: 'accepted' | 'rejected' | 'edited';
  /** edited: the reader's value, replacing the algorithm's `value` in the signed report */
  value?: number | string;
  /** edited: the reader's category, when changed */
  category?: string;
  /** rejected: why */
  reason?: RejectionReason;
  note?: string;
  reader: string;
  at: string;
}

/** A finding the algorithms missed, added by the reader. */
export interface ReaderFinding {
  code: string;
  value: number | string;
  unit: string;
  category?: string;
  note?: string;
  reader: string;
  at: string;
}

export interface AlgorithmRun {
  id: string;
  version: string;
  status: 'succeeded' | 'failed' | 'skipped';
  reason?: string;
  durationMs?: number;
  seriesInstanceUid?: string;
  /** why this series was chosen when several could be used */
  selection?: string;
}

/** Why a plugin did or did not apply to a series (the stored form of a MatchDecision). */
export interface SeriesDecision {
  pluginId: string;
  pluginVersion: string;
  matched: boolean;
  score: number;
  reason: string;
}

export interface ReportPriority {
  level: 'urgent' | 'routine';
  reasons: string[];
}

/** A correction to a signed report: who made it and when (the correction itself is in the finding's review or the reader fields). */
export interface ReportAmendment {
  reader: string;
  at: string;
}

/** A finding of one exam named in a comparison (new in this study, or gone since the prior). */
export interface ComparedFinding {
  code: string;
  value: number;
  unit: string;
  /** new: its index in this report's findings and its centre (LPS, mm) */
  findingIndex?: number;
  center?: [number, number, number];
  /** resolved: where it was on the prior, where it would be now (LPS, mm), and its tracking UID */
  priorCenter?: [number, number, number];
  expectedCenter?: [number, number, number];
  trackingUid?: string;
}

/**
 * The comparison with a prior exam of the same patient: which prior, the algorithm versions that produced
 * each side, and either the result (registration, new and resolved findings; per finding `prior`,
 * `volumeDoublingDays`, `growthMmPerYear`) or why it was not assessed.
 */
export interface ReportComparison {
  status: 'assessed' | 'not-assessed';
  reason?: string;
  prior: { studyInstanceUid: string; studyDate: string; accessionNumber: string; algorithms: Array<{ id: string; version: string }> };
  current: { algorithms: Array<{ id: string; version: string }> };
  intervalDays?: number;
  /**
   * server: the prior's stored results were reused, its stored images analysed again with this study's
   * versions, or its images retrieved from the prior PACS (C-MOVE) and analysed with this study's versions
   */
  priorResults?: 'stored' | 'analysed again' | 'retrieved from PACS';
  /**
   * current = R(rotationDeg) (prior - centreMm) + centreMm + translationMm (LPS, mm; rotations in degrees
   * about x, then y, then z; none given: a shift alone); overlap of the lungs and bones at that transform
   */
  registration?: { translationMm: [number, number, number]; rotationDeg?: [number, number, number]; centreMm?: [number, number, number]; lungDice: number; boneDice: number };
  newFindings?: ComparedFinding[];
  resolvedFindings?: ComparedFinding[];
  /** findings of the prior not measured on this exam although tissue is still at their place: change not assessed */
  unmeasuredPriorFindings?: ComparedFinding[];
}

/** report.json: the combined report of one study (DESIGN.md, "Public contracts"). */
export interface Report {
  study: { studyInstanceUid: string; patientId: string; studyDate: string; accessionNumber: string };
  series: Array<{ seriesInstanceUid: string; modality: string; fingerprint: Record<string, unknown>; decisions?: SeriesDecision[] }>;
  algorithms: AlgorithmRun[];
  findings: ReportFinding[];
  impression: string;
  warnings: string[];
  /** urgent when a finding needs prompt communication (worklist order, notification); reasons say which */
  priority?: ReportPriority;
  /** always "draft" until a radiologist signs */
  status: 'draft' | 'signed';
  /** findings the reader added (missed by the algorithms) */
  readerFindings?: ReaderFinding[];
  /** the reader's impression; the draft `impression` stays as the algorithms wrote it */
  readerImpression?: string;
  /** the comparison with a prior exam, when one was given or found */
  comparison?: ReportComparison;
  /** who signed (username) and when; present exactly when status is "signed" */
  signedBy?: string;
  signedAt?: string;
  /** corrections made after signing, oldest first: each one is an amended version of the signed report */
  amendments?: ReportAmendment[];
  disclaimer: string;
  generatedAt: string;
  generator: { name: 'polyrad'; version: string };
}
