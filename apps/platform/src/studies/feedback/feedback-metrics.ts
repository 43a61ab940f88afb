import type { FeedbackView } from './feedback.repository.js';

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
}

/**
 * Metrics per plugin id, version and site from the stored feedback (a pure function). Accept, reject and edit
 * are decisions on a finding of one report version: only the latest decision on each finding counts. Added
 * findings count against the plugin that reports that code in the study; those no plugin reports are left out.
 */
export function pluginMetrics(feedback: FeedbackView[]): PluginVersionMetrics[] {
  const latest = new Map<string, FeedbackView>();
  const added: FeedbackView[] = [];
  for (const f of feedback) {
    if (f.action === 'add') added.push(f);
    else if (f.findingIndex !== null) latest.set(`${f.studyInstanceUid}\u0000${f.reportVersion}\u0000${f.findingIndex}`, f);
  }
  const groups = new Map<string, { key: Pick<PluginVersionMetrics, 'pluginId' | 'pluginVersion' | 'site'>; decisions: FeedbackView[]; added: number }>();
  const groupOf = (f: FeedbackView) => {
    const id = `${f.pluginId}\u0000${f.pluginVersion}\u0000${f.site}`;
    let group = groups.get(id);
    if (!group) {
      group = { key: { pluginId: f.pluginId!, pluginVersion: f.pluginVersion!, site: f.site }, decisions: [], added: 0 };
      groups.set(id, group);
    }
    return group;
  };
  for (const f of latest.values()) if (f.pluginId && f.pluginVersion) groupOf(f).decisions.push(f);
  for (const f of added) if (f.pluginId && f.pluginVersion) groupOf(f).added++;
  return [...groups.values()]
    .map(({ key, decisions, added: missed }) => {
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
        p95EditSize: sizes.length ? sizes[Math.ceil(0.95 * sizes.length) - 1]! : null,
        categoryChanges: edits.filter((d) => d.newCategory !== d.oldCategory).length,
        missedFindingsAdded: missed,
      };
    })
    .sort((a, b) => a.pluginId.localeCompare(b.pluginId) || a.pluginVersion.localeCompare(b.pluginVersion) || a.site.localeCompare(b.site));
}
