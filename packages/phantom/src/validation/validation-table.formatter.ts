import type { CaseScore, FindingOutcome, ReferenceNodule, ReportFinding, ValidationReport } from './validation.types.js';
import { isNotAssessed } from './finding-outcome.js';
import { noduleSensitivity, summariseFindings } from './validation-statistics.js';
import { MAX_FALSE_POSITIVES_PER_SCAN } from './validation-tolerance.js';
import type { RealCaseReference } from './real-case.scorer.js';

/** the tolerance each finding code is judged by (issue #11) */
export const TOLERANCE_TEXT: Record<string, string> = {
  'lung.right.volume': '±8 %',
  'lung.left.volume': '±8 %',
  'lung.laa950': '±2 points',
  'lung.right.laa950': '±2 points',
  'lung.left.laa950': '±2 points',
  'heart.volume': '±15 %',
  'heart.cac.agatston': '±15 % (±10 below 67) and CAC-DRS class',
  'heart.cac.category': 'exact',
  'aorta.ascending.diameter': '±3 mm',
  'aorta.descending.diameter': '±3 mm',
  'spine.trabecular_attenuation': '±20 HU',
  'spine.fracture': 'Genant grade exact, per vertebra',
  'lung.nodule': 'found (≥ 6 mm), long axis ±20 % (≥ ±2 mm)',
  'lung.nodule.false-positives': `≤ ${MAX_FALSE_POSITIVES_PER_SCAN} per scan (≥ 6 mm)`,
  'lung.lungrads': 'exact',
};

const share = (k: number, n: number): string => (n === 0 ? '–' : `${Math.round((100 * k) / n)} %`);
const num = (x: number | undefined): string => (x === undefined ? '–' : x >= 100 ? x.toFixed(0) : x.toPrecision(2).replace(/\.0+$/, ''));
const show = (x: number | string | undefined): string => (x === undefined ? '–' : typeof x === 'number' ? String(Math.round(x * 10) / 10) : x);
const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');
}

const CODE_ORDER = Object.keys(TOLERANCE_TEXT);
const order = (code: string): number => (CODE_ORDER.includes(code) ? CODE_ORDER.indexOf(code) : CODE_ORDER.length);

/** Per finding code: counts, shares, error percentiles, tolerance and wrong negative statements. */
export function formatFindingTable(outcomes: FindingOutcome[]): string {
  return table(
    ['finding', 'tolerance', 'n', 'measured', 'not assessed', 'missing', 'median error', 'p95 error', 'within tolerance (of measured)', 'wrong negative/normal'],
    summariseFindings(outcomes)
      .sort((a, b) => order(a.code) - order(b.code))
      .map((s) => [
      `\`${s.code}\``,
      TOLERANCE_TEXT[s.code] ?? '',
      String(s.n),
      share(s.measured, s.n),
      share(s.notAssessed, s.n),
      share(s.missing, s.n),
      s.medianError === undefined ? '–' : `${num(s.medianError)} ${s.errorUnit ?? ''}`.trim(),
      s.p95Error === undefined ? '–' : `${num(s.p95Error)} ${s.errorUnit ?? ''}`.trim(),
      s.measured ? `${share(s.within, s.measured)} (${s.within}/${s.measured})` : '–',
      String(s.wrongNegatives),
    ]),
  );
}

/** Nodule sensitivity by type and size band, and false positives >= 6 mm per scan. */
export function formatNoduleTable(cases: CaseScore[]): string {
  const rows = noduleSensitivity(cases.flatMap((c) => c.nodules));
  const fp = cases.map((c) => c.falsePositives).filter((x): x is number => x !== null);
  const fpLine = fp.length
    ? `False positives ≥ 6 mm per scan: mean ${(fp.reduce((a, b) => a + b, 0) / fp.length).toFixed(2)}, max ${Math.max(...fp)}; scans with more than ${MAX_FALSE_POSITIVES_PER_SCAN}: ${fp.filter((x) => x > MAX_FALSE_POSITIVES_PER_SCAN).length} of ${fp.length}.`
    : 'False positives: no scan where the nodule plugin measured.';
  if (rows.length === 0) return `No reference nodules ≥ 6 mm.\n\n${fpLine}`;
  return `${table(
    ['type', 'long axis', 'n', 'found', 'missed', 'not assessed', 'sensitivity (of assessed)'],
    rows.map((r) => [r.type, r.band, String(r.n), String(r.found), String(r.missed), String(r.notAssessed), share(r.found, r.found + r.missed)]),
  )}\n\n${fpLine}`;
}

/** Every measured finding out of tolerance and every wrong negative, one line each. */
export function formatProblems(cases: CaseScore[]): string {
  const lines = cases.flatMap((c) => [
    ...c.failures.map((f) => `- ${c.caseId}: algorithm failed: ${f}`),
    ...c.outcomes
      .filter((o) => o.wrongNegative || (o.status === 'measured' && o.within === false))
      .map((o) => `- ${c.caseId}: \`${o.code}\` ${o.wrongNegative ? 'WRONG NEGATIVE' : 'out of tolerance'}: reported ${show(o.reported)}, truth ${show(o.truth)}${o.note ? ` (${o.note})` : ''}`),
  ]);
  return lines.length ? lines.join('\n') : 'None.';
}

function result(f: ReportFinding): string {
  if (isNotAssessed(f)) return `not assessed: ${f.reason ?? 'no reason given'}`;
  const value = typeof f.value === 'number' ? String(Math.round(f.value * 10) / 10) : String(f.value);
  return `${value}${f.unit ? ` ${f.unit}` : ''}${f.category ? ` (${f.category})` : ''}`;
}

const fmtPoint = (c: readonly number[]): string => `(${c.map((x) => x.toFixed(0)).join(', ')})`;
// LIDC readers mark nodules under 3 mm with a single point, so they have no outline to measure
const fmtLesion = (r: ReferenceNodule): string => `${r.type} ${r.longAxisMm < 3 ? '< 3' : r.longAxisMm.toFixed(0)} mm at ${fmtPoint(r.center)}`;

/** the findings a chest CT should give, each either measured or not assessed with a reason */
export const CHEST_CT_CODES = [
  'lung.right.volume',
  'lung.left.volume',
  'lung.laa950',
  'lung.lungrads',
  'heart.volume',
  'heart.cac.agatston',
  'heart.cac.category',
  'aorta.ascending.diameter',
  'aorta.descending.diameter',
  'spine.trabecular_attenuation',
];

function verdict(o: FindingOutcome): string {
  if (o.wrongNegative) return `WRONG NEGATIVE: ${o.note}`;
  if (o.status !== 'measured') return `reference ${show(o.truth)}; ${o.status}`;
  if (o.code === 'lung.lungrads') return o.within ? `consistent with the readers (≥ ${o.truth})` : (o.note ?? 'below the readers');
  const error = o.error === undefined ? '' : `, error ${num(o.error)} ${o.errorUnit ?? ''}`.trimEnd();
  return `reference ${show(o.truth)}${error}: ${o.within ? 'within' : 'OUTSIDE'} tolerance`;
}

/**
 * One real scan: what the readers marked, then every finding as reported (value or "not assessed"
 * and why) with its verdict where an independent reference exists, the chest findings that were not
 * reported at all, and failed algorithms.
 */
export function formatRealCase(title: string, report: ValidationReport, score: CaseScore, reference: RealCaseReference, notes: string[]): string {
  const parts = [`### ${title}`, ''];
  for (const note of notes) parts.push(note, '');
  if (reference.nodules) {
    parts.push(
      reference.nodules.length
        ? `Reference lesions: ${reference.nodules.map((r) => `${fmtLesion(r)} LPS${r.readers ? ` (${r.readers} reader${r.readers > 1 ? 's' : ''})` : ''}`).join('; ')}.`
        : 'No reference lesions.',
      '',
    );
  }
  for (const m of reference.measurements ?? []) parts.push(`Reference \`${m.code}\`: ${m.value} (${m.source}).`, '');
  const verdicts = new Map(score.outcomes.filter((o) => o.code !== 'lung.nodule' && o.code !== 'lung.nodule.false-positives').map((o) => [o.code, o]));
  const rows: string[][] = [];
  const nodules = report.findings.filter((f) => f.code === 'lung.nodule' || f.code === 'lung.mass');
  for (const f of report.findings) {
    if (nodules.includes(f)) continue;
    const v = verdicts.get(f.code);
    rows.push([`\`${f.code}\``, result(f), v ? verdict(v) : 'no independent reference']);
  }
  const reported = new Set(report.findings.map((f) => f.code));
  for (const code of CHEST_CT_CODES.filter((c) => !reported.has(c))) rows.push([`\`${code}\``, 'not reported (neither a value nor a reason)', verdicts.has(code) ? verdict(verdicts.get(code)!) : '']);
  for (const n of score.nodules) {
    if (n.status === 'found') rows.push(['reference lesion', fmtLesion(n.reference), `found ${n.reportedLongAxisMm} mm, ${n.distanceMm!.toFixed(0)} mm from the readers' centre; size ${n.sizeWithin ? 'within' : 'OUTSIDE'} tolerance`]);
    else rows.push(['reference lesion', fmtLesion(n.reference), n.status === 'missed' ? 'MISSED' : 'not assessed']);
  }
  const sizes = nodules.filter((f) => typeof f.value === 'number').map((f) => f.value as number).sort((a, b) => b - a);
  if (nodules.length) {
    rows.push([
      '`lung.nodule` / `lung.mass`',
      `${nodules.length} reported${sizes.length ? `: ${sizes.slice(0, 8).map((s) => `${s} mm`).join(', ')}${sizes.length > 8 ? ', …' : ''}` : ''}`,
      score.falsePositives === null ? '' : `${score.falsePositives} unmatched ≥ 6 mm (false positives if the readers marked every lesion)`,
    ]);
  }
  for (const a of report.algorithms.filter((x) => x.status === 'failed')) rows.push([a.id, 'failed', a.reason ?? '']);
  parts.push(table(['finding', 'result', 'verdict'], rows));
  if (report.warnings?.length) parts.push('', `Warnings: ${report.warnings.map((w) => cell(w)).join('; ')}`);
  return parts.join('\n');
}
