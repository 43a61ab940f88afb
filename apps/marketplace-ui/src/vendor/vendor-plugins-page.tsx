import { Card, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import type { PluginView } from '../api/api.types.js';
import { useApi } from '../auth/session.js';
import { Link } from '../router.js';
import { EmptyState, QueryState } from '../ui/query-state.js';

export function VendorPluginsPage() {
  const api = useApi();
  const plugins = useQuery({ queryKey: ['vendor-plugins'], queryFn: () => api.get<PluginView[]>('/api/plugins') });
  return (
    <Stack>
      <Title order={2}>My plugins</Title>
      <QueryState query={plugins} what="your plugins">
        {(list) =>
          list.length === 0 ? (
            <EmptyState>
              You have not published a plugin yet. <Link to="/vendor/publish">Publish one</Link>
            </EmptyState>
          ) : (
            list.map((plugin) => (
              <Card key={plugin.id} withBorder radius="md" component="section" aria-label={plugin.name}>
                <Title order={3} size="h4">
                  {plugin.name}
                </Title>
                <Text size="sm" c="dimmed" mb="xs">
                  {plugin.id}
                </Text>
                <Table
                  aria-label={`Versions of ${plugin.name}`}
                  data={{
                    head: ['Version', 'Published', 'Package digest'],
                    body: plugin.versions.map((v) => [v.version, `${new Date(v.publishedAt).toLocaleString()} by ${v.publishedBy}`, <Text className="mono">{v.digest ?? '—'}</Text>]),
                  }}
                />
              </Card>
            ))
          )
        }
      </QueryState>
    </Stack>
  );
}
