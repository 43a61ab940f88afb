import type { AlgorithmManifest } from '@polyrad/sdk';
import type { FindingLabels } from './report.builder.js';

/** Each finding code's label as its plugin's manifest declares it; the first declaration of a code wins. */
export function findingLabels(manifests: AlgorithmManifest[]): FindingLabels {
  const labels = new Map<string, string>();
  for (const { code, label } of manifests.flatMap((m) => m.findings)) {
    if (label && !labels.has(code)) labels.set(code, label);
  }
  return labels;
}
