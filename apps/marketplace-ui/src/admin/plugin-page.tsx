import { Alert, Button, Card, Group, List, Select, Stack, Table, Text, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { AlgorithmManifest, PluginView, SiteEnablementView } from '../api/api.types.js';
import { useApi } from '../auth/session.js';
import { Link } from '../router.js';
import { ErrorNotice, QueryState } from '../ui/query-state.js';
import { catalogKey, EnablementBadge, useCatalog } from './catalog-page.js';
import { ConfigForm } from './config-form.js';
import { criterionText } from './criterion-text.js';
import { currentVersion, dependentsLeftUnmet, unmetDependencies } from './plugin-facts.js';
import { SitePicker, useSite } from './site-choice.js';

export function PluginPage({ pluginId }: { pluginId: string }) {
  const { site } = useSite();
  const catalog = useCatalog(site);
  return (
    <Stack>
      <Group justify="space-between" align="flex-end">
        <Link to={`/marketplace?site=${encodeURIComponent(site)}`}>← Back to the marketplace</Link>
        <SitePicker />
      </Group>
      <QueryState query={catalog} what="the plugin">
        {(plugins) => {
          const plugin = plugins.find((p) => p.id === pluginId);
          if (!plugin) return <ErrorNotice title="Plugin not found" error={new Error(`No plugin ${pluginId} is published.`)} />;
          return <PluginDetails plugin={plugin} catalog={plugins} site={site} />;
        }}
      </QueryState>
    </Stack>
  );
}

function PluginDetails({ plugin, catalog, site }: { plugin: PluginView; catalog: PluginView[]; site: string }) {
  const version = currentVersion(plugin);
  if (!version) return <Text>No version of {plugin.name} is published.</Text>;
  const manifest = version.manifest;
  return (
    <Stack>
      <div>
        <Group gap="sm">
          <Title order={2}>{plugin.name}</Title>
          <EnablementBadge plugin={plugin} />
        </Group>
        <Text c="dimmed" size="sm">
          {plugin.id} · by {plugin.vendor.name}
          {plugin.vendor.firstParty ? ' (bundled with Polyrad)' : ''}
        </Text>
      </div>
      <div className="two-columns">
        <Stack>
          <Section title="Description">
            <Text className="prose">{manifest.description}</Text>
          </Section>
          {manifest.intendedUse && (
            <Section title="Intended use">
              <Text className="prose">{manifest.intendedUse}</Text>
            </Section>
          )}
          <Section title="Operating range">
            <OperatingRange manifest={manifest} />
          </Section>
          <Section title="Consumes and produces">
            <Interfaces manifest={manifest} />
          </Section>
          <Section title="Versions">
            <Versions plugin={plugin} />
          </Section>
        </Stack>
        <Stack>
          <SiteControls plugin={plugin} catalog={catalog} site={site} />
          <Section title="Configuration">
            <Configuration plugin={plugin} manifest={manifest} site={site} />
          </Section>
        </Stack>
      </div>
    </Stack>
  );
}

function Section({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <Card withBorder radius="md" component="section" aria-label={title}>
      <Title order={3} size="h4" mb="xs">
        {title}
      </Title>
      {children}
    </Card>
  );
}

function OperatingRange({ manifest }: { manifest: AlgorithmManifest }) {
  const required = manifest.series.criteria.filter((c) => c.required !== false);
  const preferred = manifest.series.criteria.filter((c) => c.required === false);
  return (
    <Stack gap="xs">
      <Text size="sm" fw={500}>
        Runs only on series where:
      </Text>
      <CriteriaList criteria={required} />
      {preferred.length > 0 && (
        <>
          <Text size="sm" fw={500}>
            Prefers series where:
          </Text>
          <CriteriaList criteria={preferred} />
        </>
      )}
      <Text size="sm" c="dimmed">
        Limits: {Math.round(manifest.limits.timeoutMs / 1000)} s, {manifest.limits.memoryMb} MB of memory.
      </Text>
    </Stack>
  );
}

function CriteriaList({ criteria }: { criteria: AlgorithmManifest['series']['criteria'] }) {
  return (
    <List size="sm" spacing={4}>
      {criteria.map((c, i) => (
        <List.Item key={i}>
          {criterionText(c)}
          {c.description && <Text span c="dimmed" size="sm">{` (${c.description})`}</Text>}
        </List.Item>
      ))}
    </List>
  );
}

function Interfaces({ manifest }: { manifest: AlgorithmManifest }) {
  return (
    <Stack gap="xs">
      <Text size="sm" fw={500}>
        Consumes
      </Text>
      {manifest.consumes.length === 0 ? (
        <Text size="sm" c="dimmed">
          Only the images of the series.
        </Text>
      ) : (
        <List size="sm">
          {manifest.consumes.map((c) => (
            <List.Item key={c.type}>
              {c.type} {c.range}
              {c.optional ? ' (optional)' : ''}
            </List.Item>
          ))}
        </List>
      )}
      <Text size="sm" fw={500}>
        Produces
      </Text>
      <List size="sm">
        {manifest.produces.map((p) => (
          <List.Item key={p.type}>
            {p.type} {p.version}
            {p.description && <Text span c="dimmed" size="sm">{` — ${p.description}`}</Text>}
          </List.Item>
        ))}
        {manifest.findings.map((f) => (
          <List.Item key={f.code}>
            Finding: {f.label ?? f.code} ({f.unit || 'no unit'})
          </List.Item>
        ))}
      </List>
    </Stack>
  );
}

function Versions({ plugin }: { plugin: PluginView }) {
  return (
    <Table
      striped
      aria-label="Published versions"
      data={{
        head: ['Version', 'Published', 'Signature'],
        body: plugin.versions.map((v) => [
          v.version,
          `${new Date(v.publishedAt).toLocaleString()} by ${v.publishedBy}`,
          v.signed ? (
            <Stack gap={0}>
              <Text size="sm">Signed by {plugin.vendor.name}</Text>
              {v.digest && <Text className="mono">{v.digest}</Text>}
            </Stack>
          ) : (
            <Text size="sm">Bundled with Polyrad (trusted, not signed)</Text>
          ),
        ]),
      }}
    />
  );
}

type Action = { kind: 'enable' } | { kind: 'disable' } | { kind: 'pin'; version: string } | { kind: 'rollback' };

function SiteControls({ plugin, catalog, site }: { plugin: PluginView; catalog: PluginView[]; site: string }) {
  const api = useApi();
  const queries = useQueryClient();
  const [pin, setPin] = useState<string | null>(plugin.enablement?.versionPin ?? '*');
  const base = `/api/sites/${encodeURIComponent(site)}/plugins/${encodeURIComponent(plugin.id)}`;
  const change = useMutation({
    mutationFn: (action: Action) => api.post<SiteEnablementView>(`${base}/${action.kind}`, action.kind === 'pin' ? { version: action.version } : {}),
    onSuccess: () => queries.invalidateQueries({ queryKey: catalogKey(site) }),
  });
  const enabled = plugin.enablement?.enabled === true;
  const candidate = plugin.versions.find((v) => v.version === plugin.enablement?.resolvedVersion)?.manifest ?? plugin.versions[0]!.manifest;
  const unmet = enabled ? [] : unmetDependencies(candidate, catalog);
  const orphans = enabled ? dependentsLeftUnmet(candidate, catalog) : [];
  const versionChoices = [{ value: '*', label: 'Newest published' }, ...plugin.versions.map((v) => ({ value: v.version, label: v.version }))];

  return (
    <Card withBorder radius="md" component="section" aria-label={`At site ${site}`}>
      <Stack gap="sm">
        <Title order={3} size="h4">
          At site {site}
        </Title>
        <Text size="sm" data-testid="enablement-state">
          {enabled
            ? `Enabled; runs version ${plugin.enablement?.resolvedVersion ?? 'none'}${plugin.enablement?.versionPin ? ` (pinned to ${plugin.enablement.versionPin})` : ''}.`
            : 'Disabled: it does not run on this site’s studies.'}
        </Text>
        {unmet.map((d) => (
          <Alert key={d.type} color="yellow" title="Dependency not met" role="status">
            {plugin.name} needs {d.type} {d.range}, which no plugin enabled at {site} produces.{' '}
            {d.producers.length > 0 ? `Enable ${d.producers.join(' or ')} first.` : 'No published plugin produces it.'}
          </Alert>
        ))}
        {orphans.length > 0 && (
          <Alert color="yellow" title="Others depend on it" role="status">
            Disabling {plugin.name} leaves {orphans.join(', ')} without an input it needs.
          </Alert>
        )}
        <Group gap="xs">
          {enabled ? (
            <Button color="red" variant="light" loading={change.isPending && change.variables?.kind === 'disable'} onClick={() => change.mutate({ kind: 'disable' })}>
              Disable at {site}
            </Button>
          ) : (
            <Button loading={change.isPending && change.variables?.kind === 'enable'} onClick={() => change.mutate({ kind: 'enable' })}>
              Enable at {site}
            </Button>
          )}
          <Button variant="default" loading={change.isPending && change.variables?.kind === 'rollback'} onClick={() => change.mutate({ kind: 'rollback' })}>
            Roll back
          </Button>
        </Group>
        <Group align="flex-end" gap="xs">
          <Select label="Version to run" data={versionChoices} value={pin} allowDeselect={false} onChange={setPin} w={200} />
          <Button variant="default" disabled={pin === null} loading={change.isPending && change.variables?.kind === 'pin'} onClick={() => pin && change.mutate({ kind: 'pin', version: pin })}>
            Pin
          </Button>
        </Group>
        {change.isError && <ErrorNotice title="The change was refused" error={change.error} />}
      </Stack>
    </Card>
  );
}

function Configuration({ plugin, manifest, site }: { plugin: PluginView; manifest: AlgorithmManifest; site: string }) {
  const api = useApi();
  const queries = useQueryClient();
  const save = useMutation({
    mutationFn: (config: Record<string, unknown>) => api.put<SiteEnablementView>(`/api/sites/${encodeURIComponent(site)}/plugins/${encodeURIComponent(plugin.id)}/config`, { config }),
    onSuccess: () => queries.invalidateQueries({ queryKey: catalogKey(site) }),
  });
  if (!manifest.config) return <Text c="dimmed" size="sm">This plugin takes no configuration.</Text>;
  return <ConfigForm key={`${site}:${manifest.version}`} schema={manifest.config} value={plugin.enablement?.config ?? {}} onSave={(config) => save.mutateAsync(config)} saving={save.isPending} />;
}
