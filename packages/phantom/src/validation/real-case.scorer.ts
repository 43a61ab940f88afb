import type { CaseScore, ReferenceNodule, ValidationReport } from './validation.types.js';
import { numericOutcome } from './finding-outcome.js';
import { examinationLungRadsLowerBound } from './lung-rads.reference.js';
import { scoreNodules } from './nodule.scorer.js';
import type { ToleranceCheck } from './validation-tolerance.js';

/** an independent reference value for one finding of a real scan (e.g. a reference report's aortic diameter) */
export interface ReferenceMeasurement {
  code: string;
  value: number;
  tolerance: (measured: number, truth: number) => ToleranceCheck;
  /** where the value comes from */
  source: string;
}

export interface RealCaseReference {
  /** readers' lesions; undefined: the scan has no lesion annotations, so nodules are not scored */
  nodules?: ReferenceNodule[];
  measurements?: ReferenceMeasurement[];
}

/**
 * A real CT against its independent references: annotated lesions must be found and sized within
 * tolerance, Lung-RADS must not be a negative statement below the category the lesions imply, and
 * each reference measurement must be met within its tolerance (a "normal" category against a
 * reference outside the finding's range is a wrong normal statement).
 */
export function scoreRealCase(caseId: string, report: ValidationReport, reference: RealCaseReference): CaseScore {
  const failures = report.algorithms.filter((a) => a.status === 'failed').map((a) => `${a.id}: ${a.reason ?? 'failed'}`);
  const outcomes = (reference.measurements ?? []).map((m) => numericOutcome(caseId, report.findings, m.code, m.value, m.tolerance));
  if (!reference.nodules) return { caseId, outcomes, nodules: [], falsePositives: null, failures };
  const nodules = scoreNodules(caseId, report.findings, reference.nodules, examinationLungRadsLowerBound(reference.nodules), true);
  return { caseId, outcomes: [...outcomes, ...nodules.outcomes], nodules: nodules.nodules, falsePositives: nodules.falsePositives, failures };
}
