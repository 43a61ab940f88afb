import { PolyradError, REJECTION_REASONS, type RejectionReason, type Report, type ReportFinding } from '@polyrad/sdk';
import { FEEDBACK_DECISION_NOT_FOUND, FEEDBACK_INVALID, FINDING_MISMATCH, FINDING_NOT_FOUND, REPORT_ALREADY_SIGNED } from './feedback.errors.js';

/** What a reader does to a report before signing it (issue 16, reading workspace). */
export type ReaderAction =
  | { kind: 'accept'; index: number; code: string; note?: string }
  | { kind: 'reject'; index: number; code: string; reason: RejectionReason; note?: string }
  | { kind: 'edit'; index: number; code: string; value: number | string; category?: string; note?: string }
  | { kind: 'add'; code: string; value: number | string; unit: string; category?: string; note?: string }
  | { kind: 'impression'; text: string };

export type FeedbackAction = 'accept' | 'reject' | 'edit' | 'add' | 'impression';

/** One stored piece of feedback, as the service hands it to the repository. */
export interface FeedbackRecord {
  action: FeedbackAction;
  findingIndex: number | null;
  findingCode: string | null;
  pluginId: string | null;
  pluginVersion: string | null;
  oldValue: number | string | null;
  newValue: number | string | null;
  oldCategory: string | null;
  newCategory: string | null;
  reason: RejectionReason | null;
  note: string | null;
}

const CODE = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$/;
const MAX_TEXT = 2000;

/**
 * The report with one reader action applied, and the feedback it stands for. The algorithm's own value,
 * category and impression are never overwritten: the reader's decision is added beside them (`review`,
 * `readerFindings`, `readerImpression`). On a signed report the action is an amendment: it stays signed and
 * lists who amended it and when, so every channel sends an amended version. A pure function.
 */
export function applyReaderAction(report: Report, action: ReaderAction, reader: string, at: string): { report: Report; record: FeedbackRecord } {
  const { report: changed, record } = applyToReport(report, action, reader, at);
  if (report.status !== 'signed') return { report: changed, record };
  return { report: { ...changed, amendments: [...(report.amendments ?? []), { reader, at }] }, record };
}

function applyToReport(report: Report, action: ReaderAction, reader: string, at: string): { report: Report; record: FeedbackRecord } {
  const none = { findingIndex: null, findingCode: null, pluginId: null, pluginVersion: null, oldValue: null, newValue: null, oldCategory: null, newCategory: null, reason: null, note: null };
  if (action.kind === 'impression') {
    const old = report.readerImpression ?? report.impression;
    return { report: { ...report, readerImpression: action.text }, record: { ...none, action: 'impression', oldValue: old, newValue: action.text } };
  }
  if (action.kind === 'add') {
    // a missed finding is evidence against the plugin that reports that code in this study, when there is one
    const owner = report.findings.find((f) => f.code === action.code)?.algorithm;
    const added = { code: action.code, value: action.value, unit: action.unit, ...optional('category', action.category), ...optional('note', action.note), reader, at };
    return {
      report: { ...report, readerFindings: [...(report.readerFindings ?? []), added] },
      record: { ...none, action: 'add', findingCode: action.code, pluginId: owner?.id ?? null, pluginVersion: owner?.version ?? null, newValue: action.value, newCategory: action.category ?? null, note: action.note ?? null },
    };
  }
  const finding = findingAt(report, action.index, action.code);
  const base = {
    ...none,
    findingIndex: action.index,
    findingCode: finding.code,
    pluginId: finding.algorithm.id,
    pluginVersion: finding.algorithm.version,
    oldValue: finding.value,
    oldCategory: finding.category ?? null,
    note: action.note ?? null,
  };
  let review: NonNullable<ReportFinding['review']>;
  let record: FeedbackRecord;
  if (action.kind === 'accept') {
    review = { action: 'accepted', ...optional('note', action.note), reader, at };
    record = { ...base, action: 'accept' };
  } else if (action.kind === 'reject') {
    review = { action: 'rejected', reason: action.reason, ...optional('note', action.note), reader, at };
    record = { ...base, action: 'reject', reason: action.reason };
  } else {
    if (typeof finding.value === 'number' && typeof action.value !== 'number') {
      throw new PolyradError(FEEDBACK_INVALID, `${finding.code} is a number (${finding.unit || 'no unit'}): give the corrected value as a number`);
    }
    review = { action: 'edited', value: action.value, ...optional('category', action.category), ...optional('note', action.note), reader, at };
    record = { ...base, action: 'edit', newValue: action.value, newCategory: action.category ?? finding.category ?? null };
  }
  const findings = report.findings.map((f, i) => (i === action.index ? { ...f, review } : f));
  return { report: { ...report, findings }, record };
}

/** The report signed by `reader`: final; a later correction amends it. */
export function signReport(report: Report, reader: string, at: string): Report {
  assertDraft(report);
  return { ...report, status: 'signed', signedBy: reader, signedAt: at };
}

function assertDraft(report: Report): void {
  if (report.status === 'signed') {
    throw new PolyradError(REPORT_ALREADY_SIGNED, `the report of study ${report.study.studyInstanceUid} was signed by ${report.signedBy ?? 'a radiologist'} at ${report.signedAt ?? 'an earlier time'}; it is signed once; a correction amends it`);
  }
}

function findingAt(report: Report, index: number, code: string): ReportFinding {
  const finding = report.findings[index];
  if (!finding) throw new PolyradError(FINDING_NOT_FOUND, `the report has ${report.findings.length} findings; there is none at index ${index}`);
  if (finding.code !== code) {
    throw new PolyradError(FINDING_MISMATCH, `finding ${index} is ${finding.code}, not ${code}: the report changed, reload it`);
  }
  return finding;
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

type Body = Record<string, unknown> | undefined;

const DECISIONS = ['accept', 'reject', 'edit'] as const;

/** A decision on a finding named in a path (`.../findings/{index}/{decision}`). */
export function findingDecision(decision: string): (typeof DECISIONS)[number] {
  const known = DECISIONS.find((d) => d === decision);
  if (!known) throw new PolyradError(FEEDBACK_DECISION_NOT_FOUND, `${JSON.stringify(decision.slice(0, 40))} is not a decision on a finding: use ${DECISIONS.join(', ')}`);
  return known;
}

/** A reader action from an HTTP body (and the finding index from the path); FEEDBACK_INVALID names what is wrong. */
export function parseReaderAction(kind: ReaderAction['kind'], body: Body, indexParam?: string): ReaderAction {
  const b = body ?? {};
  const note = optionalText(b, 'note');
  if (kind === 'impression') return { kind, text: text(b, 'text', true) };
  if (kind === 'add') {
    const unit = b.unit === undefined ? '' : text(b, 'unit', false);
    return { kind, code: code(b), value: value(b), unit, ...optional('category', optionalText(b, 'category')), ...optional('note', note) };
  }
  const index = Number(indexParam);
  if (!Number.isInteger(index) || index < 0) throw new PolyradError(FEEDBACK_INVALID, `finding index ${JSON.stringify(indexParam)} is not a whole number from 0`);
  const common = { index, code: code(b), ...optional('note', note) };
  if (kind === 'accept') return { kind, ...common };
  if (kind === 'reject') {
    if (!REJECTION_REASONS.includes(b.reason as RejectionReason)) {
      throw new PolyradError(FEEDBACK_INVALID, `reason must be one of ${REJECTION_REASONS.join(', ')}`);
    }
    return { kind, ...common, reason: b.reason as RejectionReason };
  }
  return { kind, ...common, value: value(b), ...optional('category', optionalText(b, 'category')) };
}

function code(b: Record<string, unknown>): string {
  if (typeof b.code !== 'string' || !CODE.test(b.code)) throw new PolyradError(FEEDBACK_INVALID, 'code must be a finding code such as lung.nodule');
  return b.code;
}

function value(b: Record<string, unknown>): number | string {
  if (typeof b.value === 'number' && Number.isFinite(b.value)) return b.value;
  if (typeof b.value === 'string' && b.value.trim() !== '' && b.value.length <= 200) return b.value.trim();
  throw new PolyradError(FEEDBACK_INVALID, 'value must be a finite number or a short text (a category such as "4A")');
}

function text(b: Record<string, unknown>, key: string, required: boolean): string {
  const v = b[key];
  if (typeof v !== 'string' || v.length > MAX_TEXT || (required && v.trim() === '')) {
    throw new PolyradError(FEEDBACK_INVALID, `${key} must be a text of ${required ? '1' : '0'} to ${MAX_TEXT} characters`);
  }
  return v;
}

function optionalText(b: Record<string, unknown>, key: string): string | undefined {
  if (b[key] === undefined || b[key] === null || b[key] === '') return undefined;
  return text(b, key, true);
}
