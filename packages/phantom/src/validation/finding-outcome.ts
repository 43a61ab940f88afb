import type { FindingOutcome, ReportFinding } from './validation.types.js';
import type { ToleranceCheck } from './validation-tolerance.js';

export const isNotAssessed = (f: ReportFinding): boolean => f.assessment === 'not-assessed' || f.value === null;

/** categories that state "nothing abnormal" */
const NORMAL_CATEGORIES = new Set(['normal', 'none', 'negative']);

/**
 * A measured finding whose category says normal ("normal", "none", "negative") while the truth lies
 * outside the reference range the finding itself shows: a wrong normal statement. A borderline category
 * ("borderline osteopenia/normal", with `indeterminate`) is no normal statement; its number is still scored.
 */
export function contradictsNormal(finding: ReportFinding, truth: number): boolean {
  // a borderline category (within the measurement error of a cut-off) states neither side
  if (finding.indeterminate !== undefined) return false;
  if (!finding.category || !NORMAL_CATEGORIES.has(finding.category.toLowerCase())) return false;
  const { min, max } = finding.reference ?? {};
  return (min !== undefined && truth < min) || (max !== undefined && truth > max);
}

/**
 * Compares the finding `code` of a report with a numeric truth. Absent: "missing"; declined: "not
 * assessed" with its reason; otherwise the tolerance check, and whether a normal category contradicts the truth.
 */
export function numericOutcome(
  caseId: string,
  findings: ReportFinding[],
  code: string,
  truth: number,
  check: (measured: number, truth: number) => ToleranceCheck,
): FindingOutcome {
  const finding = findings.find((f) => f.code === code);
  const base = { caseId, code, truth };
  if (!finding) return { ...base, status: 'missing', note: 'not reported' };
  if (isNotAssessed(finding)) return { ...base, status: 'not-assessed', note: finding.reason ?? 'no reason given' };
  if (typeof finding.value !== 'number') return { ...base, status: 'measured', reported: String(finding.value), within: false, note: 'value is not a number' };
  const result = check(finding.value, truth);
  const wrongNegative = contradictsNormal(finding, truth);
  return {
    ...base,
    status: 'measured',
    reported: finding.value,
    error: result.error,
    errorUnit: result.errorUnit,
    within: result.within,
    ...(finding.indeterminate !== undefined ? { borderline: true } : {}),
    ...(wrongNegative ? { wrongNegative, note: `"${finding.category}" but the truth ${round(truth)} lies outside the reference` } : {}),
  };
}

export const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;
