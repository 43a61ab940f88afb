import type { StoredRun } from '../learning/learning.repository.js';
import type { FeedbackView } from './feedback.repository.js';

/** What the metrics read of a stored run. */
export type MetricsRun = Pick<StoredRun, 'site' | 'pluginId' | 'pluginVersion' | 'status' | 'durationMs' | 'findings'>;

/** How readers judged one plugin version at one site (issue 20, metrics per plugin version and site). */
export interface PluginVersionMetrics {
  pluginId: string;
  pluginVersion: string;
  site: string;
  /** findings with a reader decision (the latest one counts when a reader changed their mind) */
  reviewed: number;
  accepted: number;
  rejected: number;
  edited: number;
  /** accepted / reviewed; null before any review */
  acceptanceRate: number | null;
  /** rejections by reason */
  rejectionReasons: Record<string, number>;
  /** edits of a numeric value: how many, and the mean and 95th percentile of |reader - algorithm| */
  valueEdits: number;
  meanEditSize: number | null;
  p95EditSize: number | null;
  /** edits that changed the category (Lung-RADS, CAC-DRS, ...) */
  categoryChanges: number;
  /** findings of this plugin's codes that readers added as missed */
  missedFindingsAdded: number;
  /** runs of this version at the site (shadow runs are not counted), and how many failed */
  runs: number;
  failed: number;
  /** failed / runs; null before any run */
  failureRate: number | null;
  /** median and 95th percentile of the run time, ms */
  p50DurationMs: number | null;
  p95DurationMs: number | null;
  /** findings its runs reported, and how many of them were not assessed */
  findings: number;
  notAssessed: number;
  /** notAssessed / findings; null before any finding */
  notAssessedRate: number | null;
}

/** Nearest-rank percentile of ascending values; null for none. */
export function percentile(sorted: number[], p: number): number | null {
  return sorted.length ? sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]! : null;
}

/**
 * Metrics per plugin id, version and site from the stored feedback and runs (a pure function). Accept, reject
 * and edit are decisions on a finding of one report version: only the latest decision on each finding counts.
 * Added findings count against the plugin that reports that code in the study; those no plugin reports are
 * left out. An edit changes the category when the reader's category differs, or when the finding's value is a
 * category itself (lung.lungrads "3" -> "4A", heart.cac.category) and the reader changed it.
 */
export function pluginMetrics(feedback: FeedbackView[], runs: MetricsRun[] = []): PluginVersionMetrics[] {
  const latest = new Map<string, FeedbackView>();
  const added: FeedbackView[] = [];
  for (const f of feedback) {
    if (f.action === 'add') added.push(f);
    else if (f.findingIndex !== null) latest.set(`${f.studyInstanceUid}\u0000${f.reportVersion}\u0000${f.findingIndex}`, f);
  }
  const groups = new Map<string, { key: Pick<PluginVersionMetrics, 'pluginId' | 'pluginVersion' | 'site'>; decisions: FeedbackView[]; added: number; runs: MetricsRun[] }>();
  const groupOf = (f: { pluginId: string | null; pluginVersion: string | null; site: string }) => {
    const id = `${f.pluginId}\u0000${f.pluginVersion}\u0000${f.site}`;
    let group = groups.get(id);
    if (!group) {
      group = { key: { pluginId: f.pluginId!, pluginVersion: f.pluginVersion!, site: f.site }, decisions: [], added: 0, runs: [] };
      groups.set(id, group);
    }
    return group;
  };
  for (const f of latest.values()) if (f.pluginId && f.pluginVersion) groupOf(f).decisions.push(f);
  for (const f of added) if (f.pluginId && f.pluginVersion) groupOf(f).added++;
  for (const r of runs) groupOf(r).runs.push(r);
  return [...groups.values()]
    .map(({ key, decisions, added: missed, runs: ran }) => {
      const count = (action: string) => decisions.filter((d) => d.action === action).length;
      const rejectionReasons: Record<string, number> = {};
      for (const d of decisions) if (d.action === 'reject') rejectionReasons[d.reason ?? 'other'] = (rejectionReasons[d.reason ?? 'other'] ?? 0) + 1;
      const edits = decisions.filter((d) => d.action === 'edit');
      const sizes = edits
        .filter((d) => typeof d.oldValue === 'number' && typeof d.newValue === 'number')
        .map((d) => Math.abs((d.newValue as number) - (d.oldValue as number)))
        .sort((a, b) => a - b);
      const accepted = count('accept');
      return {
        ...key,
        reviewed: decisions.length,
        accepted,
        rejected: count('reject'),
        edited: edits.length,
        acceptanceRate: decisions.length ? accepted / decisions.length : null,
        rejectionReasons,
        valueEdits: sizes.length,
        meanEditSize: sizes.length ? sizes.reduce((a, b) => a + b, 0) / sizes.length : null,
        p95EditSize: percentile(sizes, 0.95),
        categoryChanges: edits.filter((d) => d.newCategory !== d.oldCategory || (typeof d.oldValue === 'string' && d.newValue !== d.oldValue)).length,
        missedFindingsAdded: missed,
        ...runMetrics(ran),
      };
    })
    .sort((a, b) => a.pluginId.localeCompare(b.pluginId) || a.pluginVersion.localeCompare(b.pluginVersion) || a.site.localeCompare(b.site));
}

function runMetrics(runs: MetricsRun[]): Pick<PluginVersionMetrics, 'runs' | 'failed' | 'failureRate' | 'p50DurationMs' | 'p95DurationMs' | 'findings' | 'notAssessed' | 'notAssessedRate'> {
  const failed = runs.filter((r) => r.status === 'failed').length;
  const durations = runs.flatMap((r) => (r.durationMs === null ? [] : [r.durationMs])).sort((a, b) => a - b);
  const findings = runs.flatMap((r) => r.findings);
  const notAssessed = findings.filter((f) => f.assessment === 'not-assessed').length;
  return {
    runs: runs.length,
    failed,
    failureRate: runs.length ? failed / runs.length : null,
    p50DurationMs: percentile(durations, 0.5),
    p95DurationMs: percentile(durations, 0.95),
    findings: findings.length,
    notAssessed,
    notAssessedRate: findings.length ? notAssessed / findings.length : null,
  };
}
