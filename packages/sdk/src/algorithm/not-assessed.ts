import type { AlgorithmFinding } from './algorithm.types.js';

/**
 * A finding the plugin applies to but could not measure: no value, no category, a reason a radiologist
 * can act on. Use it instead of a default ("0", "normal") whenever a quality gate or the operating range
 * says the measurement would not be trustworthy.
 */
export function notAssessed(code: string, unit: string, reason: string, extra: Record<string, unknown> = {}): AlgorithmFinding {
  return { ...extra, code, assessment: 'not-assessed', value: null, unit, reason };
}

export function isNotAssessed(finding: Pick<AlgorithmFinding, 'assessment'>): boolean {
  return finding.assessment === 'not-assessed';
}
