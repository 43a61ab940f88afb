import {
  DECISION_SUPPORT_NOTICE,
  type AlgorithmRun,
  type Report,
  type ReportFinding,
  type ReportPriority,
} from '@polyrad/sdk';
import { classifyUrgency } from './urgency.classifier.js';

/** Human names for the finding codes of DESIGN.md, for the draft impression. */
const LABELS: Record<string, string> = {
  'lung.left.volume': 'Left lung volume',
  'lung.right.volume': 'Right lung volume',
  'lung.laa950': 'Emphysema (LAA-950, both lungs)',
  'lung.left.laa950': 'Emphysema (LAA-950, left lung)',
  'lung.right.laa950': 'Emphysema (LAA-950, right lung)',
  'lung.perc15': 'Lung density 15th percentile',
  'lung.nodule': 'Lung nodule',
  'lung.lungrads': 'Lung-RADS',
  'aorta.ascending.diameter': 'Ascending aorta diameter',
  'aorta.descending.diameter': 'Descending aorta diameter',
  'heart.cac.agatston': 'Coronary calcium (Agatston)',
  'heart.cac.category': 'CAC-DRS',
  'heart.ctr': 'Cardiothoracic ratio',
  'heart.volume': 'Heart volume',
  'spine.trabecular_attenuation': 'Vertebral trabecular attenuation',
  'spine.fracture': 'Vertebral fracture (Genant grade)',
};

/** As the plugin judged it, else outside its numeric reference range. */
export function isAbnormal(finding: ReportFinding): boolean {
  if (typeof finding.abnormal === 'boolean') return finding.abnormal;
  const { reference, value } = finding;
  if (!reference || typeof value !== 'number') return false;
  return (reference.min !== undefined && value < reference.min) || (reference.max !== undefined && value > reference.max);
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

function describe(finding: ReportFinding): string {
  const label = LABELS[finding.code] ?? finding.code;
  const unit = finding.unit && finding.unit !== '1' ? ` ${finding.unit}` : '';
  const details = [finding.category, formatRange(finding, unit)].filter(Boolean);
  return `${label} ${formatValue(finding.value)}${unit}${details.length ? ` (${details.join('; ')})` : ''}`;
}

/** Draft impression: urgent reasons, findings outside their reference, then the rest, then failed algorithms. */
export function draftImpression(findings: ReportFinding[], algorithms: AlgorithmRun[], priority?: ReportPriority): string {
  const abnormal = findings.filter(isAbnormal);
  const normal = findings.filter((f) => !isAbnormal(f));
  const lines: string[] = [];
  if (priority?.level === 'urgent') lines.push(`URGENT: ${priority.reasons.join('; ')}.`);
  if (abnormal.length) lines.push(`Outside reference: ${abnormal.map(describe).join('. ')}.`);
  if (normal.length) lines.push(`Within reference: ${normal.map(describe).join('. ')}.`);
  if (!findings.length) lines.push('No automated measurements were produced.');
  const failed = algorithms.filter((a) => a.status === 'failed');
  if (failed.length) lines.push(`Not assessed (algorithm failed): ${failed.map((a) => `${a.id} (${a.reason ?? 'unknown reason'})`).join('; ')}.`);
  lines.push(DECISION_SUPPORT_NOTICE);
  return lines.join('\n');
}

export function buildReport(parts: Omit<Report, 'impression' | 'status' | 'disclaimer' | 'generatedAt' | 'generator' | 'priority'> & { version: string }): Report {
  const { version, ...rest } = parts;
  const priority = classifyUrgency(parts.findings);
  return {
    ...rest,
    priority,
    impression: draftImpression(parts.findings, parts.algorithms, priority),
    status: 'draft',
    disclaimer: DECISION_SUPPORT_NOTICE,
    generatedAt: new Date().toISOString(),
    generator: { name: 'polyrad', version },
  };
}
