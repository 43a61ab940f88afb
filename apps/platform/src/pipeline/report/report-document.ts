import { isNotAssessed, type AlgorithmRun, type IndeterminateCategory, type ReferenceRange, type Report, type ReportFinding, type Vec3 } from '@polyrad/sdk';
import { isBorderline, isOutsideReference } from './report.builder.js';
import { classifyUrgency } from './urgency.classifier.js';

/** The organ sections of a delivered report, in the order every channel shows them. */
export const ORGANS = ['lungs', 'heart', 'aorta', 'spine', 'other'] as const;
export type Organ = (typeof ORGANS)[number];

const ORGAN_BY_PREFIX: Record<string, Organ> = { lung: 'lungs', heart: 'heart', aorta: 'aorta', spine: 'spine' };

/** The organ a finding code belongs to, from its first segment (`lung.nodule` -> lungs); unknown codes go to "other". */
export function organOf(code: string): Organ {
  return ORGAN_BY_PREFIX[code.split('.')[0]] ?? 'other';
}

/** The fields every finding has; whatever else a plugin wrote is kept in `details`. */
const COMMON_FIELDS = new Set(['code', 'assessment', 'value', 'unit', 'reason', 'category', 'reference', 'center', 'abnormal', 'algorithm', 'seriesInstanceUid', 'review', 'lowerBound', 'indeterminate', 'label']);

export interface DocumentFinding {
  /**
   * Position in report.json's `findings`: the finding's identity within one report. Channels derive their
   * identifiers from it (with the study UID), so a re-sent report names each finding the same way.
   */
  index: number;
  code: string;
  /** the manifest's display name of the code, when it gives one */
  label?: string;
  organ: Organ;
  assessment: 'measured' | 'not-assessed';
  value: number | string | null;
  /** the value is the maximum over part of the structure only: the true value is at least this */
  lowerBound: boolean;
  unit: string;
  reference?: ReferenceRange;
  category?: string;
  /** measured and outside its reference, or judged abnormal by its plugin */
  abnormal: boolean;
  /**
   * measured within the measurement error of a category cut-off: `category` reads "borderline a/b", and the
   * finding is neither normal nor abnormal (channels flag it as indeterminate)
   */
  indeterminate?: IndeterminateCategory;
  /** measured and matching a rule that asks for prompt communication (aneurysm, Lung-RADS 4B/4X) */
  urgent: boolean;
  /** why it was not assessed; only for not-assessed findings */
  reason?: string;
  provenance: { algorithmId: string; algorithmVersion: string; seriesInstanceUid: string; center?: Vec3 };
  /** code-specific fields (nodule type, side, Lung-RADS, tracking UID...) */
  details: Record<string, unknown>;
  /** the algorithm's value and category when the reader edited them (`value` and `category` are the reader's) */
  editedFrom?: { value: number | string | null; category?: string; reader: string };
  /** reviewed after the report was signed: this finding is what an amendment changed */
  amended?: true;
  /** the comparison with the prior exam, where the report has one for this finding */
  comparison?: FindingComparison;
}

/**
 * What the comparison with a prior exam says of one finding (from the comparator's fields of report.json), as
 * every channel shows it: the prior value and date, the change, and for a nodule its volume change and
 * doubling time, for the aorta its growth per year.
 */
export interface FindingComparison {
  /** a nodule's change (new, growing, stable, decreased), an aortic diameter's growth category, or why the comparison was not assessed */
  change: string;
  /** the prior's value, in the finding's unit; absent for a new finding or one not measured on the prior */
  prior?: { studyInstanceUid: string; studyDate: string; value: number; unit: string; category?: string };
  intervalDays?: number;
  /** this value minus the prior's, in the finding's unit, to 0.1 */
  valueChange?: number;
  volumeChangePercent?: number;
  /**
   * days (negative: halving); only where the volume change exceeds the measurement error, with its 95 % range
   * (an end is null where the range reaches "no change")
   */
  volumeDoubling?: { days: number; range: [number | null, number | null] };
  growthMmPerYear?: number;
}

/** The prior exam the report was compared with, for the channels' headers. */
export interface DocumentComparison {
  status: 'assessed' | 'not-assessed';
  reason?: string;
  prior: { studyInstanceUid: string; studyDate: string; accessionNumber: string };
  intervalDays?: number;
}

/** A plugin that made no findings for this study, and why. */
export interface UnavailableAlgorithm {
  id: string;
  version: string;
  status: 'failed' | 'skipped';
  reason: string;
}

/**
 * What every delivery channel (PDF, DICOM SR, FHIR, HL7) renders: the combined report rearranged for reading,
 * so the channels agree with each other and with report.json finding for finding.
 */
export interface ReportDocument {
  study: Report['study'];
  status: Report['status'];
  priority: 'urgent' | 'routine';
  generatedAt: string;
  generator: Report['generator'];
  /** who signed the report and when; only for a signed report */
  signoff?: { signedBy: string; signedAt: string };
  /** the latest correction after signing (numbered from 1): the document is then an amended version */
  amendment?: { number: number; amendedBy: string; amendedAt: string };
  series: Array<{ seriesInstanceUid: string; modality: string }>;
  /** every finding, in report.json order */
  findings: DocumentFinding[];
  /** the organs that have findings, in ORGANS order, each with its findings in report order */
  organs: Array<{ organ: Organ; findings: DocumentFinding[] }>;
  notAssessed: DocumentFinding[];
  /** every algorithm with its version and status (the contributing equipment of the report) */
  algorithms: AlgorithmRun[];
  unavailableAlgorithms: UnavailableAlgorithm[];
  impression: {
    /** measured findings to act on: urgent first, then abnormal */
    attention: DocumentFinding[];
    urgentReasons: string[];
    /**
     * the impression line by line: the reader's when they wrote one, else the draft of report.json (urgent and
     * outside-reference lines come first there); then the findings the reader added
     */
    lines: string[];
  };
  warnings: string[];
  /** the prior exam compared with, when one was given or found */
  comparison?: DocumentComparison;
  /** decision support, unverified until a radiologist signs */
  disclaimer: string;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * A finding's comparison from the comparator's fields (`prior`, `change`, `volumeDoublingDays`,
 * `growthMmPerYear`...): computed once here so that no channel derives its own.
 */
function findingComparison(finding: ReportFinding, value: DocumentFinding['value']): FindingComparison | undefined {
  const prior = finding.prior as { studyInstanceUid?: unknown; studyDate?: unknown; value?: unknown; unit?: unknown; category?: unknown } | undefined;
  const change = [finding.change, finding.growthCategory, finding.comparison].find((c): c is string => typeof c === 'string');
  if (!change) return undefined;
  const priorValue = num(prior?.value);
  const range = finding.volumeDoublingDaysRange;
  const days = num(finding.volumeDoublingDays);
  return {
    change,
    ...(prior && priorValue !== undefined
      ? {
          prior: {
            studyInstanceUid: String(prior.studyInstanceUid ?? ''),
            studyDate: String(prior.studyDate ?? ''),
            value: priorValue,
            unit: typeof prior.unit === 'string' ? prior.unit : finding.unit,
            ...(typeof prior.category === 'string' ? { category: prior.category } : {}),
          },
        }
      : {}),
    ...(num(finding.intervalDays) !== undefined ? { intervalDays: num(finding.intervalDays) } : {}),
    ...(priorValue !== undefined && typeof value === 'number' ? { valueChange: Math.round((value - priorValue) * 10) / 10 } : {}),
    ...(num(finding.volumeChangePercent) !== undefined ? { volumeChangePercent: num(finding.volumeChangePercent) } : {}),
    ...(days !== undefined && Array.isArray(range) && range.length === 2 ? { volumeDoubling: { days, range: [num(range[0]) ?? null, num(range[1]) ?? null] as [number | null, number | null] } } : {}),
    ...(num(finding.growthMmPerYear) !== undefined ? { growthMmPerYear: num(finding.growthMmPerYear) } : {}),
  };
}

function documentComparison(report: Report): Pick<ReportDocument, 'comparison'> {
  const c = report.comparison;
  if (!c) return {};
  return {
    comparison: {
      status: c.status,
      ...(c.reason ? { reason: c.reason } : {}),
      prior: { studyInstanceUid: c.prior.studyInstanceUid, studyDate: c.prior.studyDate, accessionNumber: c.prior.accessionNumber },
      ...(c.intervalDays !== undefined ? { intervalDays: c.intervalDays } : {}),
    },
  };
}

/** A finding as the reader left it: an edit replaces value and category (the algorithm's are kept in editedFrom). */
function documentFinding(original: ReportFinding, index: number, signedAt: string | undefined): DocumentFinding {
  const review = original.review;
  const edited = review?.action === 'edited' && review.value !== undefined;
  const finding: ReportFinding = edited
    ? { ...original, assessment: 'measured', value: review.value!, category: review.category ?? original.category, reason: undefined, indeterminate: review.category === undefined ? original.indeterminate : undefined }
    : original;
  const notAssessed = isNotAssessed(finding);
  const details = Object.fromEntries(Object.entries(finding).filter(([key]) => !COMMON_FIELDS.has(key)));
  const comparison = findingComparison(finding, notAssessed ? null : finding.value);
  return {
    index,
    code: finding.code,
    ...(typeof finding.label === 'string' ? { label: finding.label } : {}),
    organ: organOf(finding.code),
    assessment: notAssessed ? 'not-assessed' : 'measured',
    value: notAssessed ? null : finding.value,
    lowerBound: !notAssessed && !edited && finding.lowerBound === true,
    unit: finding.unit,
    ...(finding.reference ? { reference: finding.reference } : {}),
    ...(!notAssessed && finding.category !== undefined ? { category: finding.category } : {}),
    abnormal: isOutsideReference(finding),
    ...(isBorderline(finding) ? { indeterminate: finding.indeterminate } : {}),
    urgent: !notAssessed && classifyUrgency([finding]).level === 'urgent',
    ...(notAssessed ? { reason: finding.reason ?? 'no reason given' } : {}),
    provenance: {
      algorithmId: finding.algorithm.id,
      algorithmVersion: finding.algorithm.version,
      seriesInstanceUid: finding.seriesInstanceUid,
      ...(finding.center ? { center: finding.center } : {}),
    },
    details,
    ...(edited ? { editedFrom: { value: original.value, ...(original.category === undefined ? {} : { category: original.category }), reader: review.reader } } : {}),
    ...(signedAt && review && Date.parse(review.at) > Date.parse(signedAt) ? { amended: true as const } : {}),
    ...(comparison ? { comparison } : {}),
  };
}

/** The reader's impression (or the draft), then one line per finding the reader added. */
function impressionLines(report: Report): string[] {
  const text = report.readerImpression ?? report.impression;
  const added = (report.readerFindings ?? []).map(
    (f) => `Added by the reader: ${f.code} ${f.value}${f.unit ? ` ${f.unit}` : ''}${f.category ? `, ${f.category}` : ''}${f.note ? ` (${f.note})` : ''}.`,
  );
  return [...text.split('\n').filter((line) => line.trim() && line.trim() !== report.disclaimer), ...added];
}

/** The latest amendment of a signed report, numbered. */
function amendment(report: Report): Pick<ReportDocument, 'amendment'> {
  const last = report.status === 'signed' ? report.amendments?.at(-1) : undefined;
  return last ? { amendment: { number: report.amendments!.length, amendedBy: last.reader, amendedAt: last.at } } : {};
}

/** Urgent before abnormal; report order otherwise. */
function byAttention(a: DocumentFinding, b: DocumentFinding): number {
  return Number(b.urgent) - Number(a.urgent) || a.index - b.index;
}

/**
 * The document model of a combined report (a pure function: same report, same document). The reader's
 * corrections apply: rejected findings are left out, edited ones carry the reader's value.
 */
export function reportDocument(report: Report): ReportDocument {
  const signedAt = report.status === 'signed' ? report.signedAt : undefined;
  const findings = report.findings.map((f, i) => documentFinding(f, i, signedAt)).filter((f) => report.findings[f.index]!.review?.action !== 'rejected');
  return {
    study: report.study,
    status: report.status,
    priority: report.priority?.level ?? 'routine',
    generatedAt: report.generatedAt,
    generator: report.generator,
    ...(report.status === 'signed' && report.signedBy && report.signedAt ? { signoff: { signedBy: report.signedBy, signedAt: report.signedAt } } : {}),
    ...amendment(report),
    series: report.series.map(({ seriesInstanceUid, modality }) => ({ seriesInstanceUid, modality })),
    findings,
    organs: ORGANS.map((organ) => ({ organ, findings: findings.filter((f) => f.organ === organ) })).filter((o) => o.findings.length > 0),
    notAssessed: findings.filter((f) => f.assessment === 'not-assessed'),
    algorithms: report.algorithms,
    unavailableAlgorithms: report.algorithms
      .filter((a): a is AlgorithmRun & { status: 'failed' | 'skipped' } => a.status !== 'succeeded')
      .map(({ id, version, status, reason }) => ({ id, version, status, reason: reason ?? 'no reason given' })),
    impression: {
      attention: findings.filter((f) => f.urgent || f.abnormal).sort(byAttention),
      urgentReasons: report.priority?.reasons ?? [],
      lines: impressionLines(report),
    },
    warnings: report.warnings,
    ...documentComparison(report),
    disclaimer: report.disclaimer,
  };
}
