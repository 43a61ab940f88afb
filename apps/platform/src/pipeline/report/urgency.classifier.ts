import { isNotAssessed, type AlgorithmFinding, type ReportPriority } from '@polyrad/sdk';

/** A finding that makes a study urgent: its code (exact or pattern) and the categories or values that do. */
export interface UrgencyRule {
  code: string | RegExp;
  categories?: string[];
  values?: Array<string | number>;
  why: string;
}

/**
 * Default rules: findings that call for prompt communication to the referring clinician, as the ACR
 * Practice Parameter for Communication of Diagnostic Imaging Findings (2020) asks for significant
 * unexpected findings.
 * - Thoracic aortic aneurysm: size category 'aneurysm' (Hiratzka et al., 2010 ACCF/AHA thoracic aortic
 *   disease guideline; surgical thresholds start at 5.0-5.5 cm).
 * - Lung-RADS v2022 category 4B/4X: very suspicious, ACR recommends chest CT with or without contrast,
 *   PET/CT and/or tissue sampling, and direct communication of the result.
 */
export const DEFAULT_URGENCY_RULES: UrgencyRule[] = [
  { code: /^aorta\.[a-z]+\.diameter$/, categories: ['aneurysm'], why: 'thoracic aortic aneurysm' },
  { code: 'lung.lungrads', values: ['4B', '4X'], why: 'Lung-RADS 4B/4X nodule (very suspicious)' },
];

export function classifyUrgency(findings: AlgorithmFinding[], rules: UrgencyRule[] = DEFAULT_URGENCY_RULES): ReportPriority {
  const reasons: string[] = [];
  for (const finding of findings) {
    // nothing was measured, so nothing can be urgent about it
    if (isNotAssessed(finding)) continue;
    for (const rule of rules) {
      const codeMatches = typeof rule.code === 'string' ? rule.code === finding.code : rule.code.test(finding.code);
      if (!codeMatches) continue;
      const byCategory = rule.categories?.includes(String(finding.category ?? '')) ?? false;
      const byValue = finding.value !== null && (rule.values?.includes(finding.value) ?? false);
      if (byCategory || byValue) {
        const measured = typeof finding.value === 'number' ? `${Math.round(finding.value * 10) / 10}${finding.unit ? ` ${finding.unit}` : ''}` : String(finding.value);
        reasons.push(`${rule.why}: ${finding.code} ${measured}`);
      }
    }
  }
  return { level: reasons.length > 0 ? 'urgent' : 'routine', reasons };
}
