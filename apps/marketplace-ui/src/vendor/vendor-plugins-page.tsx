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
                <Table aria-label={`Versions of ${plugin.name}`}>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Version</Table.Th>
                      <Table.Th>Published</Table.Th>
                      <Table.Th>Package digest</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {plugin.versions.map((v) => (
                      <Table.Tr key={v.version}>
                        <Table.Td>{v.version}</Table.Td>
                        <Table.Td>
                          {new Date(v.publishedAt).toLocaleString()} by {v.publishedBy}
                        </Table.Td>
                        <Table.Td className="mono">{v.digest ?? '—'}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Card>
            ))
          )
        }
      </QueryState>
    </Stack>
  );
}
