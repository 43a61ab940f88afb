import type { SeriesExplanation } from '../analysis/analysis.service.js';

const FINGERPRINT_ORDER = ['Modality', 'SeriesDescription', 'BodyPartExamined', 'orientation', 'sliceCount', 'SliceThickness', 'sliceSpacingMm', 'coverageMm', 'ConvolutionKernel', 'contrastInHeader'];

/** Text for `polyrad explain`: what each series is, and why each plugin does or does not apply. */
export function formatExplanation(series: SeriesExplanation[]): string {
  const lines: string[] = [];
  for (const s of series) {
    lines.push(`series ${s.seriesInstanceUid} (study ${s.studyInstanceUid})`);
    const keys = [...FINGERPRINT_ORDER, ...Object.keys(s.fingerprint).filter((k) => !FINGERPRINT_ORDER.includes(k)).sort()];
    lines.push('  fingerprint:');
    for (const key of keys) {
      const value = s.fingerprint[key];
      if (value === undefined || value === '') continue;
      lines.push(`    ${key}: ${JSON.stringify(value)}`);
    }
    lines.push('  plugins:');
    for (const d of [...s.decisions].sort((a, b) => Number(b.matched) - Number(a.matched) || b.score - a.score)) {
      lines.push(`    ${d.matched ? 'applies       ' : 'does not apply'} ${d.pluginId}@${d.pluginVersion} score ${d.score.toFixed(2)}: ${d.reason}`);
    }
  }
  return lines.join('\n');
}
