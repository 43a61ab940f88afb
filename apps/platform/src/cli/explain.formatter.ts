import type { StudyExplanation } from '../pipeline/study.pipeline.js';

const FINGERPRINT_ORDER = ['Modality', 'SeriesDescription', 'BodyPartExamined', 'orientation', 'sliceCount', 'SliceThickness', 'sliceSpacingMm', 'coverageMm', 'ConvolutionKernel', 'contrastInHeader'];

/** Text for `polyrad explain`: what each series is, why each plugin does or does not apply, and the plan. */
export function formatExplanation({ series, plan }: Pick<StudyExplanation, 'series' | 'plan'>): string {
  const lines: string[] = [];
  for (const s of series) {
    lines.push(`series ${s.seriesInstanceUid} (study ${s.studyInstanceUid})`);
    const keys = [...FINGERPRINT_ORDER, ...Object.keys(s.fingerprint).filter((k) => !FINGERPRINT_ORDER.includes(k)).sort()];
    lines.push('  fingerprint:');
    const fingerprint: Readonly<Record<string, unknown>> = s.fingerprint;
    for (const key of keys) {
      const value = fingerprint[key];
      if (value === undefined || value === '') continue;
      lines.push(`    ${key}: ${JSON.stringify(value)}`);
    }
    lines.push('  plugins:');
    for (const d of [...s.decisions].sort((a, b) => Number(b.matched) - Number(a.matched) || b.score - a.score)) {
      lines.push(`    ${d.matched ? 'applies       ' : 'does not apply'} ${d.pluginId}@${d.pluginVersion} score ${d.score.toFixed(2)}: ${d.reason}`);
    }
  }
  lines.push('plan:');
  for (const run of plan.runs) {
    const inputs = Object.entries(run.inputsFrom).map(([type, from]) => `${type} from ${plan.runs[from].manifest.id}`);
    lines.push(
      `  run  ${run.manifest.id}@${run.manifest.version} on series ${run.seriesInstanceUid}${inputs.length ? ` (inputs: ${inputs.join(', ')})` : ''}${run.selection ? `: ${run.selection}` : ''}`,
    );
  }
  for (const skip of plan.skipped) lines.push(`  skip ${skip.manifest.id}@${skip.manifest.version}: ${skip.reason}`);
  return lines.join('\n');
}

/** `polyrad explain --json`: the same content, with plugins named by id and version instead of whole manifests. */
export function explanationJson({ series, plan }: Pick<StudyExplanation, 'series' | 'plan'>): unknown {
  return {
    series,
    plan: {
      runs: plan.runs.map((run) => ({
        pluginId: run.manifest.id,
        pluginVersion: run.manifest.version,
        seriesInstanceUid: run.seriesInstanceUid,
        inputs: Object.fromEntries(Object.entries(run.inputsFrom).map(([type, from]) => [type, plan.runs[from].manifest.id])),
        ...(run.selection ? { selection: run.selection } : {}),
      })),
      skipped: plan.skipped.map((skip) => ({ pluginId: skip.manifest.id, pluginVersion: skip.manifest.version, reason: skip.reason })),
    },
  };
}
