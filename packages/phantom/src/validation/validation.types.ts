import type { Vec3 } from '@polyrad/sdk';
import type { NoduleType } from '../features/nodules.feature.js';

/** The part of a report.json finding that validation reads (see DESIGN.md, report.json). */
export interface ReportFinding {
  code: string;
  assessment?: 'measured' | 'not-assessed';
  value: number | string | null;
  unit?: string;
  category?: string;
  reason?: string;
  center?: Vec3;
  reference?: { min?: number; max?: number; text?: string };
  type?: string;
  shortAxisMm?: number;
  lungrads?: string;
  vertebraIndex?: number;
  /** a category that could not be placed: the two it lies between (report.json `indeterminate`) */
  indeterminate?: { between: string[]; reason: string };
  [extra: string]: unknown;
}

/** The part of a report.json that validation reads. */
export interface ValidationReport {
  algorithms: { id: string; status: string; reason?: string }[];
  findings: ReportFinding[];
  warnings?: string[];
}

/**
 * How one expected finding of one case came out:
 * - measured: a value was reported and compared with the truth (`within` says whether it met the tolerance)
 * - not-assessed: the plugin declined with a reason (honest, but no measurement)
 * - missing: neither a value nor a "not assessed" statement (the algorithm failed, or silently dropped it)
 */
export type OutcomeStatus = 'measured' | 'not-assessed' | 'missing';

export interface FindingOutcome {
  caseId: string;
  code: string;
  status: OutcomeStatus;
  reported?: number | string;
  truth?: number | string;
  /** absolute error in the unit of `errorUnit` (measured numeric findings only) */
  error?: number;
  errorUnit?: string;
  within?: boolean;
  /** a measured negative/normal statement (Lung-RADS 1/2, CAC 0, normal size, no fracture) the truth contradicts */
  wrongNegative?: boolean;
  /** measured, with a borderline category: within the measurement error of a cut-off, so no category was stated */
  borderline?: boolean;
  /** why it was not assessed, missing, or out of tolerance */
  note?: string;
}

/** A reference lesion: from the phantom's truth or from readers' annotations. */
export interface ReferenceNodule {
  center: Vec3;
  longAxisMm: number;
  shortAxisMm?: number;
  type: NoduleType;
  /** how many readers marked it (real data) */
  readers?: number;
}

export interface NoduleOutcome {
  caseId: string;
  reference: ReferenceNodule;
  /** found, missed by a plugin that measured, or not assessed (the nodule plugin declined) */
  status: 'found' | 'missed' | 'not-assessed';
  reportedLongAxisMm?: number;
  distanceMm?: number;
  sizeWithin?: boolean;
}

export interface CaseScore {
  caseId: string;
  outcomes: FindingOutcome[];
  nodules: NoduleOutcome[];
  /** reported nodules/masses >= 6 mm that match no reference lesion (null: nodule plugin did not measure) */
  falsePositives: number | null;
  /** algorithms that failed, with their reason */
  failures: string[];
}
