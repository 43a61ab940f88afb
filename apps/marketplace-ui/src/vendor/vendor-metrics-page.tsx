import { Accordion, Code, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import type { VendorFailedRun, VendorPluginMetrics } from '../api/learning.types.js';
import { useApi } from '../auth/session.js';
import { percent, seconds, size } from '../admin/metric-format.js';
import { EmptyState, QueryState } from '../ui/query-state.js';

/** How the vendor's plugin versions do in the field, pooled over the sites that share it, and their failed runs' diagnostics. */
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
      <FailedRuns />
    </Stack>
  );
}

/** Failed runs of the vendor's plugins with the stack and stderr the platform kept (paths outside the package and patient data removed). */
function FailedRuns() {
  const api = useApi();
  const runs = useQuery({ queryKey: ['vendor-failed-runs'], queryFn: () => api.get<VendorFailedRun[]>('/api/vendor/failed-runs') });
  return (
    <Stack gap="xs">
      <Title order={3}>Failed runs</Title>
      <QueryState query={runs} what="the failed runs">
        {(rows) =>
          rows.length === 0 ? (
            <EmptyState>None of your plugins has failed.</EmptyState>
          ) : (
            <Accordion variant="separated" aria-label="Failed runs">
              {rows.map((r) => (
                <Accordion.Item key={r.id} value={String(r.id)}>
                  <Accordion.Control>
                    {r.pluginId} {r.pluginVersion} · {r.at.slice(0, 16).replace('T', ' ')} · {r.reason ?? 'no reason given'}
                  </Accordion.Control>
                  <Accordion.Panel>
                    <Text size="sm" fw={600}>
                      Stack
                    </Text>
                    <Code block aria-label={`Stack of run ${r.id}`}>{r.stack ?? '—'}</Code>
                    <Text size="sm" fw={600} mt="xs">
                      Standard error (end)
                    </Text>
                    <Code block aria-label={`Stderr of run ${r.id}`}>{r.stderr ?? '—'}</Code>
                  </Accordion.Panel>
                </Accordion.Item>
              ))}
            </Accordion>
          )
        }
      </QueryState>
    </Stack>
  );
}
