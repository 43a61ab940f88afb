import { Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import type { PluginVersionMetrics } from '../api/api.types.js';
import { useApi } from '../auth/session.js';
import { EmptyState, QueryState } from '../ui/query-state.js';
import { REJECTION_REASON_LABELS } from '../reading/report-change.js';

const percent = (rate: number | null): string => (rate === null ? '—' : `${Math.round(rate * 100)} %`);
const size = (n: number | null): string => (n === null ? '—' : String(Math.round(n * 100) / 100));

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
          value, and how many findings they added as missed.
        </Text>
      </div>
      <QueryState query={metrics} what="the feedback metrics">
        {(rows) =>
          rows.length === 0 ? (
            <EmptyState>No radiologist has reviewed a finding yet.</EmptyState>
          ) : (
            <Table
              striped
              withTableBorder
              aria-label="Feedback per plugin version"
              data={{
                head: ['Plugin', 'Version', 'Site', 'Reviewed', 'Accepted', 'Rejections', 'Edits (mean / p95 change)', 'Category changes', 'Missed findings added'],
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
                ]),
              }}
            />
          )
        }
      </QueryState>
    </Stack>
  );
}
