import { Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import type { VendorPluginMetrics } from '../api/learning.types.js';
import { useApi } from '../auth/session.js';
import { percent, seconds, size } from '../admin/metric-format.js';
import { EmptyState, QueryState } from '../ui/query-state.js';

/** How the vendor's plugin versions do in the field, pooled over the sites that share it. */
export function VendorMetricsPage() {
  const api = useApi();
  const metrics = useQuery({ queryKey: ['vendor-metrics'], queryFn: () => api.get<VendorPluginMetrics[]>('/api/vendor/metrics') });
  return (
    <Stack>
      <div>
        <Title order={2}>Field metrics</Title>
        <Text c="dimmed" size="sm">
          Your plugins’ versions at the sites that share their metrics, added together: no site, study, patient or reader is named.
        </Text>
      </div>
      <QueryState query={metrics} what="the field metrics">
        {(rows) =>
          rows.length === 0 ? (
            <EmptyState>No site shares metrics of your plugins yet.</EmptyState>
          ) : (
            <Table
              striped
              withTableBorder
              aria-label="Field metrics per plugin version"
              data={{
                head: ['Plugin', 'Version', 'Sites', 'Runs', 'Failed', 'Run time (p50 / p95)', 'Not assessed', 'Reviewed', 'Accepted', 'Edits (mean / p95 change)', 'Category changes', 'Missed findings'],
                body: rows.map((m) => [
                  m.pluginId,
                  m.pluginVersion,
                  String(m.sites),
                  String(m.runs),
                  percent(m.failureRate),
                  `${seconds(m.p50DurationMs)} / ${seconds(m.p95DurationMs)}`,
                  percent(m.notAssessedRate),
                  String(m.reviewed),
                  percent(m.acceptanceRate),
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
