import { Badge, Card, Group, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import type { PluginView } from '../api/api.types.js';
import { useApi } from '../auth/session.js';
import { Link } from '../router.js';
import { EmptyState, QueryState } from '../ui/query-state.js';
import { type CatalogFilter, currentVersion, filterChoices, matchesFilter, pluginFacets } from './plugin-facts.js';
import { SitePicker, useSite } from './site-choice.js';

export const catalogKey = (site: string) => ['plugins', site] as const;

export function useCatalog(site: string) {
  const api = useApi();
  return useQuery({ queryKey: catalogKey(site), queryFn: () => api.get<PluginView[]>(`/api/plugins?site=${encodeURIComponent(site)}`) });
}

const NO_FILTER: CatalogFilter = { text: '', modality: null, bodyRegion: null, vendor: null, produces: null };

export function CatalogPage() {
  const { site } = useSite();
  const catalog = useCatalog(site);
  return (
    <Stack>
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={2}>Marketplace</Title>
          <Text c="dimmed" size="sm">
            Every published algorithm, and whether it runs at the chosen site.
          </Text>
        </div>
        <SitePicker />
      </Group>
      <QueryState query={catalog} what="the catalog">
        {(plugins) => <Catalog plugins={plugins} site={site} />}
      </QueryState>
    </Stack>
  );
}

function Catalog({ plugins, site }: { plugins: PluginView[]; site: string }) {
  const [filter, setFilter] = useState<CatalogFilter>(NO_FILTER);
  const choices = useMemo(() => filterChoices(plugins), [plugins]);
  const shown = plugins.filter((p) => matchesFilter(p, filter));
  const set = (change: Partial<CatalogFilter>) => setFilter((current) => ({ ...current, ...change }));
  if (plugins.length === 0) return <EmptyState>No plugin has been published yet.</EmptyState>;
  return (
    <Stack>
      <div className="filters" role="search" aria-label="Filter the catalog">
        <TextInput label="Search" placeholder="Name, description, vendor" value={filter.text} onChange={(e) => set({ text: e.currentTarget.value })} />
        <Select label="Modality" placeholder="Any" clearable data={choices.modalities} value={filter.modality} onChange={(modality) => set({ modality })} />
        <Select label="Body region" placeholder="Any" clearable data={choices.bodyRegions} value={filter.bodyRegion} onChange={(bodyRegion) => set({ bodyRegion })} />
        <Select label="Vendor" placeholder="Any" clearable data={choices.vendors} value={filter.vendor} onChange={(vendor) => set({ vendor })} />
        <Select label="Produces" placeholder="Anything" clearable searchable data={choices.produces} value={filter.produces} onChange={(produces) => set({ produces })} />
      </div>
      <Text size="sm" c="dimmed" aria-live="polite">
        {shown.length} of {plugins.length} plugins
      </Text>
      {shown.length === 0 ? (
        <EmptyState>No plugin matches these filters.</EmptyState>
      ) : (
        <div className="cards">
          {shown.map((plugin) => (
            <PluginCard key={plugin.id} plugin={plugin} site={site} />
          ))}
        </div>
      )}
    </Stack>
  );
}

function PluginCard({ plugin, site }: { plugin: PluginView; site: string }) {
  const version = currentVersion(plugin);
  const facets = version ? pluginFacets(version.manifest) : undefined;
  return (
    <Card withBorder padding="md" radius="md" component="article" aria-label={plugin.name}>
      <Stack gap="xs">
        <Group justify="space-between" wrap="nowrap" align="flex-start">
          <Link to={`/marketplace/${encodeURIComponent(plugin.id)}?site=${encodeURIComponent(site)}`}>
            <Text fw={600}>{plugin.name}</Text>
          </Link>
          <EnablementBadge plugin={plugin} />
        </Group>
        <Text size="xs" c="dimmed">
          {plugin.vendor.name} · version {version?.version ?? 'none'}
          {plugin.enablement?.enabled && plugin.enablement.versionPin ? ` (pinned to ${plugin.enablement.versionPin})` : ''}
        </Text>
        <Text size="sm" lineClamp={3}>
          {version?.manifest.description}
        </Text>
        {facets && (
          <Group gap={4}>
            {[...facets.modalities, ...facets.bodyRegions].map((tag) => (
              <Badge key={tag} size="sm" variant="outline" color="gray">
                {tag}
              </Badge>
            ))}
          </Group>
        )}
      </Stack>
    </Card>
  );
}

export function EnablementBadge({ plugin }: { plugin: PluginView }) {
  const e = plugin.enablement;
  if (e?.enabled) return <Badge color="green" className="no-shrink">Enabled</Badge>;
  return (
    <Badge color="gray" className="no-shrink">
      {e ? 'Disabled' : 'Not enabled'}
    </Badge>
  );
}
