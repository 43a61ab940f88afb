import type { AlgorithmFinding, MissingOutput } from '../algorithm/algorithm.types.js';
import { notAssessed } from '../algorithm/not-assessed.js';
import type { AlgorithmManifest } from '../manifest/manifest.types.js';

/**
 * The findings of a plugin that applies to a series but did not run there (an input it needs could not be
 * made, it failed): one not-assessed finding per code its manifest declares, so the report says what was
 * not looked at and why instead of staying silent where a reader would assume "nothing found".
 */
export function notAssessedFindings(manifest: Pick<AlgorithmManifest, 'findings'>, reason: string): AlgorithmFinding[] {
  return manifest.findings.map(({ code, unit }) => notAssessed(code, unit, reason));
}

/** How the run that should have produced an input ended. */
export interface ProducerOutcome {
  status: 'succeeded' | 'failed' | 'skipped';
  reason?: string;
  /** declared outputs it could not make */
  missing?: MissingOutput[];
  /** the types it did make */
  produced: string[];
}

/**
 * Why `type` is not available from its producer, or undefined when it is. The reason names the producer
 * and carries its own reason, so a chain of skips still ends in the check that failed first.
 */
export function unavailableInputReason(type: string, producerId: string, producer: ProducerOutcome): string | undefined {
  if (producer.status === 'failed') return `needs ${type}: ${producerId} failed: ${producer.reason ?? 'no reason given'}`;
  if (producer.status === 'skipped') return `needs ${type}: ${producerId} was skipped: ${producer.reason ?? 'no reason given'}`;
  const missing = producer.missing?.find((m) => m.type === type);
  if (missing) return `needs ${type}: ${producerId} could not make it: ${missing.reason}`;
  if (!producer.produced.includes(type)) return `needs ${type}: ${producerId} did not make it`;
  return undefined;
}
