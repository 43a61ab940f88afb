import type { CaseScore, ReferenceNodule, ValidationReport } from './validation.types.js';
import { examinationLungRadsLowerBound } from './lung-rads.reference.js';
import { scoreNodules } from './nodule.scorer.js';

/**
 * A real CT against readers' annotations: the annotated lesions must be found and sized within
 * tolerance, and Lung-RADS must not be a negative statement below the category the lesions imply.
 * Without annotations (`references` undefined) nothing is scored; the table then lists the values.
 */
export function scoreRealCase(caseId: string, report: ValidationReport, references: ReferenceNodule[] | undefined): CaseScore {
  const failures = report.algorithms.filter((a) => a.status === 'failed').map((a) => `${a.id}: ${a.reason ?? 'failed'}`);
  if (!references) return { caseId, outcomes: [], nodules: [], falsePositives: null, failures };
  const nodules = scoreNodules(caseId, report.findings, references, examinationLungRadsLowerBound(references), true);
  return { caseId, outcomes: nodules.outcomes, nodules: nodules.nodules, falsePositives: nodules.falsePositives, failures };
}
