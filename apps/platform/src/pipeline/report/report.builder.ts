import {
  DECISION_SUPPORT_NOTICE,
  isNotAssessed,
  type AlgorithmRun,
  type Report,
  type ReportFinding,
  type ReportPriority,
} from '@polyrad/sdk';
import { classifyUrgency } from './urgency.classifier.js';

/** Finding code -> the name its plugin's manifest gives it (finding-labels.ts); the code when none. */
export type FindingLabels = ReadonlyMap<string, string>;

/** The numeric bounds a finding shows, when it shows any. */
function numericRange(finding: ReportFinding): { min?: number; max?: number } | undefined {
  const { min, max } = finding.reference ?? {};
  return min !== undefined || max !== undefined ? { min, max } : undefined;
}

function liesOutside(value: number, { min, max }: { min?: number; max?: number }): boolean {
  return (min !== undefined && value < min) || (max !== undefined && value > max);
}

/**
 * Measured and judged abnormal by its plugin, or measured with a value outside the numeric reference it
 * shows (whatever the plugin judged: the reader sees that reference beside the value).
 */
export function isOutsideReference(finding: ReportFinding): boolean {
  if (isNotAssessed(finding)) return false;
  if (finding.abnormal === true) return true;
  const range = numericRange(finding);
  if (range === undefined || typeof finding.value !== 'number') return false;
  // a borderline value is outside only when its whole error band is (11 % LAA-950 between mild and moderate)
  const margin = finding.indeterminate?.margin ?? 0;
  return liesOutside(finding.value - margin, range) && liesOutside(finding.value + margin, range);
}

/**
 * Measured, but its category could not be placed: the value lies within the measurement error of a cut-off
 * that separates the reference from what lies outside it (a 163 HU vertebra against the 160 HU cut-off).
 * Neither within nor outside the reference.
 */
export function isBorderline(finding: ReportFinding): boolean {
  return !isNotAssessed(finding) && finding.indeterminate !== undefined && !isOutsideReference(finding);
}

/**
 * Only a measured number inside a numeric reference it shows is "within reference". A finding without
 * such a reference (third-party codes, categories such as "Lung-RADS 1") is never called that: the
 * impression has no basis for it.
 */
export function isWithinReference(finding: ReportFinding): boolean {
  if (isNotAssessed(finding) || finding.abnormal === true || finding.indeterminate !== undefined) return false;
  const range = numericRange(finding);
  return range !== undefined && typeof finding.value === 'number' && !liesOutside(finding.value, range);
}

function formatValue(value: number | string | null): string {
  if (value === null) return 'not assessed';
  if (typeof value === 'string') return value;
  return Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(1);
}

/** The numeric range only; the full reference text and its source stay in report.json. */
function formatRange(finding: ReportFinding, unit: string): string | undefined {
  const { min, max } = finding.reference ?? {};
  if (min !== undefined && max !== undefined) return `reference ${min}-${max}${unit}`;
  if (max !== undefined) return `reference < ${max}${unit}`;
  if (min !== undefined) return `reference > ${min}${unit}`;
  return undefined;
}

function describe(finding: ReportFinding, labels: FindingLabels): string {
  const label = labels.get(finding.code) ?? finding.code;
  const unit = finding.unit && finding.unit !== '1' ? ` ${finding.unit}` : '';
  // a borderline category says why: the value, the error and the cut-off it cannot be placed against
  const details = [finding.indeterminate?.reason ?? finding.category, formatRange(finding, unit)].filter(Boolean);
  // a maximum measured over part of a structure only (the rest may be wider) is a lower bound
  const bound = finding.lowerBound === true ? 'at least ' : '';
  return `${label} ${bound}${formatValue(finding.value)}${unit}${details.length ? ` (${details.join('; ')})` : ''}`;
}

/**
 * One line per distinct reason, naming every finding it blocked, so a plugin that could not run reads as
 * one statement rather than six copies of the same reason.
 */
function describeNotAssessed(findings: ReportFinding[], labels: FindingLabels): string[] {
  const byReason = new Map<string, string[]>();
  for (const finding of findings) {
    const reason = (finding.reason ?? 'no reason given').trim().replace(/\.+$/, '');
    const named = byReason.get(reason) ?? [];
    const label = labels.get(finding.code) ?? finding.code;
    if (!named.includes(label)) named.push(label);
    byReason.set(reason, named);
  }
  return [...byReason].map(([reason, named]) => `Not assessed: ${named.join(', ')} — ${reason}.`);
}

/**
 * Draft impression: urgent reasons; findings outside their reference; borderline findings (within the
 * measurement error of a category cut-off); findings inside the reference they show; other measurements
 * (no numeric reference, judged by category only); each finding not assessed with its reason; failed
 * algorithms. Negative, borderline and not assessed never share a line.
 */
export function draftImpression(findings: ReportFinding[], algorithms: AlgorithmRun[], labels: FindingLabels, priority?: ReportPriority): string {
  const describeAll = (list: ReportFinding[]): string => list.map((f) => describe(f, labels)).join('. ');
  const measured = findings.filter((f) => !isNotAssessed(f));
  const outside = measured.filter(isOutsideReference);
  const borderline = measured.filter(isBorderline);
  const within = measured.filter(isWithinReference);
  const other = measured.filter((f) => !isOutsideReference(f) && !isWithinReference(f) && !isBorderline(f));
  const lines: string[] = [];
  if (priority?.level === 'urgent') lines.push(`URGENT: ${priority.reasons.join('; ')}.`);
  if (outside.length) lines.push(`Outside reference: ${describeAll(outside)}.`);
  if (borderline.length) lines.push(`Borderline (category not stated): ${describeAll(borderline)}.`);
  if (within.length) lines.push(`Within reference: ${describeAll(within)}.`);
  if (other.length) lines.push(`Other measurements: ${describeAll(other)}.`);
  if (!measured.length) lines.push('No automated measurements were produced.');
  lines.push(...describeNotAssessed(findings.filter(isNotAssessed), labels));
  const failed = algorithms.filter((a) => a.status === 'failed');
  if (failed.length) lines.push(`Not assessed (algorithm failed): ${failed.map((a) => `${a.id} (${a.reason ?? 'unknown reason'})`).join('; ')}.`);
  lines.push(DECISION_SUPPORT_NOTICE);
  return lines.join('\n');
}

/** Every report finding states its assessment; a plugin that did not say so measured it. */
function withAssessment({ code, assessment, ...rest }: ReportFinding): ReportFinding {
  return { code, assessment: assessment ?? 'measured', ...rest };
}

export function buildReport(
  parts: Omit<Report, 'impression' | 'status' | 'disclaimer' | 'generatedAt' | 'generator' | 'priority'> & { version: string; labels: FindingLabels },
): Report {
  const { version, labels, ...rest } = parts;
  const findings = parts.findings.map(withAssessment).map((f) => (labels.has(f.code) ? { ...f, label: labels.get(f.code) } : f));
  const priority = classifyUrgency(findings);
  return {
    ...rest,
    findings,
    priority,
    impression: draftImpression(findings, parts.algorithms, labels, priority),
    status: 'draft',
    disclaimer: DECISION_SUPPORT_NOTICE,
    generatedAt: new Date().toISOString(),
    generator: { name: 'polyrad', version },
  };
}
