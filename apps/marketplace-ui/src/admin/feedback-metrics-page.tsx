import { Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import type { PluginVersionMetrics } from '../api/api.types.js';
import { useApi } from '../auth/session.js';
import { EmptyState, QueryState } from '../ui/query-state.js';
import { REJECTION_REASON_LABELS } from '../reading/report-change.js';
import { percent, seconds, size } from './metric-format.js';


/** How readers judged each plugin version at each site, from their stored corrections. */
export function FeedbackMetricsPage() {
  const api = useApi();
  const metrics = useQuery({ queryKey: ['metrics', 'plugins'], queryFn: () => api.get<PluginVersionMetrics[]>('/api/metrics/plugins') });
  return (
    <Stack>
      <div>
        <Title order={2}>Reader feedback</Title>
        <Text c="dimmed" size="sm">
          Per plugin version and site: how often radiologists accepted its findings, why they rejected them, how far their edits moved a measured
          value, how many findings they added as missed; and from every analysis: how often the version failed, how long it ran and how many of its
          findings were not assessed.
        </Text>
      </div>
      <QueryState query={metrics} what="the feedback metrics">
        {(rows) =>
          rows.length === 0 ? (
            <EmptyState>No plugin has run and no radiologist has reviewed a finding yet.</EmptyState>
          ) : (
            <Table
              striped
              withTableBorder
              aria-label="Feedback per plugin version"
              data={{
                head: ['Plugin', 'Version', 'Site', 'Reviewed', 'Accepted', 'Rejections', 'Edits (mean / p95 change)', 'Category changes', 'Missed findings added', 'Runs', 'Failed', 'Run time (p50 / p95)', 'Not assessed'],
                body: rows.map((m) => [
                  m.pluginId,
                  m.pluginVersion,
                  m.site,
                  String(m.reviewed),
                  percent(m.acceptanceRate),
                  Object.entries(m.rejectionReasons)
                    .map(([reason, n]) => `${REJECTION_REASON_LABELS[reason as keyof typeof REJECTION_REASON_LABELS] ?? reason}: ${n}`)
                    .join('; ') || 'none',
                  m.edited === 0 ? 'none' : `${m.edited} (${size(m.meanEditSize)} / ${size(m.p95EditSize)})`,
                  String(m.categoryChanges),
                  String(m.missedFindingsAdded),
                  String(m.runs),
                  percent(m.failureRate),
                  `${seconds(m.p50DurationMs)} / ${seconds(m.p95DurationMs)}`,
                  percent(m.notAssessedRate),
                ]),
              }}
            />
          )
        }
      </QueryState>
    </Stack>
  );
}
