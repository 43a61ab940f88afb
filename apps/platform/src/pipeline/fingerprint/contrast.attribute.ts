import type { SeriesFingerprint } from '@polyrad/sdk';

/** The header names a contrast agent. */
export function contrastInHeaderOf(contrastBolusAgent: string | undefined): boolean {
  return Boolean(contrastBolusAgent && contrastBolusAgent.trim());
}

/** IV contrast, from the header or measured in the pixels: either is enough. */
export function contrastOf(fingerprint: Pick<SeriesFingerprint, 'contrastInHeader' | 'contrastMeasured'>): boolean {
  return fingerprint.contrastInHeader === true || fingerprint.contrastMeasured === true;
}
