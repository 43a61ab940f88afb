import { Badge, Button, Card, Group, Select, Stack, Switch, Table, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { DriftAlertView, ShadowComparisonView, ShadowView, SitePolicy } from '../api/learning.types.js';
import { useApi } from '../auth/session.js';
import { EmptyState, ErrorNotice, QueryState } from '../ui/query-state.js';
import { useCatalog } from './catalog-page.js';
import { percent, size } from './metric-format.js';
import { SitePicker, useSite } from './site-choice.js';

const site$ = (site: string) => `/api/sites/${encodeURIComponent(site)}`;

/**
 * What the site learns from its analyses: candidate versions running in shadow beside the active ones (with
 * their agreement, promote and drop), drift alerts, and what the site shares with vendors.
 */
export function LearningPage() {
  const { site } = useSite();
  return (
    <Stack>
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={2}>Shadow versions and drift</Title>
          <Text c="dimmed" size="sm">
            A shadow version runs beside the active one on every study; its results are kept here only, never in a report or at a destination.
          </Text>
        </div>
        <SitePicker />
      </Group>
      <Shadows site={site} />
      <StartShadow site={site} />
      <DriftAlerts />
      <Policy site={site} />
    </Stack>
  );
}

function Shadows({ site }: { site: string }) {
  const api = useApi();
  const shadows = useQuery({ queryKey: ['shadows', site], queryFn: () => api.get<ShadowView[]>(`${site$(site)}/shadows`) });
  return (
    <QueryState query={shadows} what="the shadow versions">
      {(rows) => (rows.length === 0 ? <EmptyState>No shadow version runs at this site.</EmptyState> : rows.map((s) => <ShadowCard key={s.algorithmId} shadow={s} />))}
    </QueryState>
  );
}

function ShadowCard({ shadow }: { shadow: ShadowView }) {
  const api = useApi();
  const queries = useQueryClient();
  const base = `${site$(shadow.site)}/plugins/${encodeURIComponent(shadow.algorithmId)}/shadow`;
  const comparison = useQuery({ queryKey: ['shadow-comparison', shadow.site, shadow.algorithmId, shadow.version], queryFn: () => api.get<ShadowComparisonView>(`${base}/comparison`) });
  const decide = useMutation({
    mutationFn: (action: 'promote' | 'drop') => api.post(`${base}/${action}`),
    onSuccess: () => Promise.all([queries.invalidateQueries({ queryKey: ['shadows', shadow.site] }), queries.invalidateQueries({ queryKey: ['plugins', shadow.site] })]),
  });
  return (
    <Card withBorder aria-label={`Shadow ${shadow.algorithmId}`}>
      <Stack gap="xs">
        <Group justify="space-between">
          <Text fw={600}>
            {shadow.algorithmId}: {shadow.version} in shadow
          </Text>
          <Text size="sm" c="dimmed">
            since {shadow.startedAt.slice(0, 10)} by {shadow.startedBy}
          </Text>
        </Group>
        <QueryState query={comparison} what="the comparison">
          {(c) => (
            <Table
              withTableBorder
              aria-label={`Comparison of ${shadow.algorithmId}`}
              data={{
                head: ['', `Active ${c.activeVersion ?? '—'}`, `Shadow ${c.shadowVersion}`],
                body: [
                  ['Studies both ran on', String(c.studies), String(c.studies)],
                  ['Failed runs', String(c.failures.active), String(c.failures.shadow)],
                  ['Findings only this version reported', String(c.agreement.onlyActive), String(c.agreement.onlyShadow)],
                  ['Findings both reported', String(c.agreement.matched), `same category ${percent(c.agreement.categoryAgreement)}, mean value difference ${size(c.agreement.meanAbsValueDifference)}`],
                  ['Error against the reader (mean |value − reader|)', size(c.againstReader.activeMeanAbsError), size(c.againstReader.shadowMeanAbsError)],
                  ['Category as the reader’s', percent(c.againstReader.activeCategoryAgreement), percent(c.againstReader.shadowCategoryAgreement)],
                  ['Findings a reader decided on (rejected)', `${c.againstReader.reviewed} (${c.againstReader.rejectedByReader})`, ''],
                ],
              }}
            />
          )}
        </QueryState>
        {decide.isError && <ErrorNotice title="The change was refused" error={decide.error} />}
        <Group>
          <Button loading={decide.isPending && decide.variables === 'promote'} onClick={() => decide.mutate('promote')}>
            Promote {shadow.version}
          </Button>
          <Button color="red" variant="light" loading={decide.isPending && decide.variables === 'drop'} onClick={() => decide.mutate('drop')}>
            Drop
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}

function StartShadow({ site }: { site: string }) {
  const api = useApi();
  const queries = useQueryClient();
  const catalog = useCatalog(site);
  const [pluginId, setPluginId] = useState<string | null>(null);
  const [version, setVersion] = useState<string | null>(null);
  const start = useMutation({
    mutationFn: () => api.post<ShadowView>(`${site$(site)}/plugins/${encodeURIComponent(pluginId!)}/shadow`, { version }),
    onSuccess: () => queries.invalidateQueries({ queryKey: ['shadows', site] }),
  });
  const enabled = (catalog.data ?? []).filter((p) => p.enablement?.enabled && p.enablement.resolvedVersion);
  const plugin = enabled.find((p) => p.id === pluginId);
  const candidates = plugin ? plugin.versions.map((v) => v.version).filter((v) => v !== plugin.enablement?.resolvedVersion) : [];
  return (
    <Card withBorder>
      <Stack gap="xs">
        <Text fw={600}>Run a candidate version in shadow</Text>
        <Group align="flex-end">
          <Select label="Plugin" placeholder="enabled plugin" data={enabled.map((p) => p.id)} value={pluginId} onChange={(id) => (setPluginId(id), setVersion(null))} w={260} />
          <Select label="Version" placeholder="published version" data={candidates} value={version} onChange={setVersion} disabled={!plugin} w={160} />
          <Button disabled={!pluginId || !version} loading={start.isPending} onClick={() => start.mutate()}>
            Run in shadow
          </Button>
        </Group>
        {start.isError && <ErrorNotice title="The shadow version was refused" error={start.error} />}
      </Stack>
    </Card>
  );
}

function DriftAlerts() {
  const api = useApi();
  const alerts = useQuery({ queryKey: ['drift-alerts'], queryFn: () => api.get<DriftAlertView[]>('/api/drift/alerts') });
  return (
    <Stack gap="xs">
      <Title order={3}>Drift alerts</Title>
      <Text c="dimmed" size="sm">
        Raised when a study falls outside a plugin’s declared operating range, or when a plugin’s newest 30 values of a finding differ from its first 30
        at the site (two-sample Kolmogorov–Smirnov, α 0.01, at least 20 values each).
      </Text>
      <QueryState query={alerts} what="the drift alerts">
        {(rows) =>
          rows.length === 0 ? (
            <EmptyState>No drift alert.</EmptyState>
          ) : (
            <Table
              striped
              withTableBorder
              aria-label="Drift alerts"
              data={{
                head: ['Site', 'Plugin', 'Kind', 'About', 'What', 'Times', 'Last'],
                body: rows.map((a) => [
                  a.site,
                  `${a.pluginId} ${a.pluginVersion}`,
                  <Badge key="kind" color={a.kind === 'operating-range' ? 'orange' : 'grape'}>
                    {a.kind === 'operating-range' ? 'outside operating range' : 'output shift'}
                  </Badge>,
                  a.subject,
                  a.message,
                  String(a.occurrences),
                  a.lastAt.slice(0, 16).replace('T', ' '),
                ]),
              }}
            />
          )
        }
      </QueryState>
    </Stack>
  );
}

function Policy({ site }: { site: string }) {
  const api = useApi();
  const queries = useQueryClient();
  const policy = useQuery({ queryKey: ['site-policy', site], queryFn: () => api.get<SitePolicy>(`${site$(site)}/policy`) });
  const save = useMutation({
    mutationFn: (change: Partial<Pick<SitePolicy, 'shareMetricsWithVendors' | 'allowDatasetExport'>>) => api.put<SitePolicy>(`${site$(site)}/policy`, change),
    onSuccess: (saved) => queries.setQueryData(['site-policy', site], saved),
  });
  return (
    <Card withBorder>
      <Stack gap="xs">
        <Text fw={600}>What this site shares</Text>
        <QueryState query={policy} what="the site policy">
          {(p) => (
            <>
              <Switch
                label="Vendors see this site’s metrics of their own plugins (pooled with other sharing sites; no patient, study or reader)"
                checked={p.shareMetricsWithVendors}
                disabled={save.isPending}
                onChange={(e) => save.mutate({ shareMetricsWithVendors: e.currentTarget.checked })}
              />
              <Switch
                label="Corrected findings may be exported as a de-identified dataset"
                checked={p.allowDatasetExport}
                disabled={save.isPending}
                onChange={(e) => save.mutate({ allowDatasetExport: e.currentTarget.checked })}
              />
            </>
          )}
        </QueryState>
        {save.isError && <ErrorNotice title="The policy was not saved" error={save.error} />}
      </Stack>
    </Card>
  );
}
