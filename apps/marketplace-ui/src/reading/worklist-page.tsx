import { Badge, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import type { WorklistEntry } from '../api/api.types.js';
import { useApi } from '../auth/session.js';
import { Link } from '../router.js';
import { EmptyState, QueryState } from '../ui/query-state.js';

/** Urgent first, then newest first (the API's order, kept when it is refetched). */
export function sortWorklist(entries: WorklistEntry[]): WorklistEntry[] {
  return [...entries].sort((a, b) => Number(b.priority === 'urgent') - Number(a.priority === 'urgent') || b.generatedAt.localeCompare(a.generatedAt));
}

/** DICOM DA (YYYYMMDD) as YYYY-MM-DD. */
export const dicomDate = (da: string): string => (/^\d{8}$/.test(da) ? `${da.slice(0, 4)}-${da.slice(4, 6)}-${da.slice(6)}` : da || '—');

export function WorklistPage() {
  const api = useApi();
  const worklist = useQuery({ queryKey: ['worklist'], queryFn: () => api.get<WorklistEntry[]>('/api/worklist'), refetchInterval: 15_000 });
  return (
    <Stack>
      <div>
        <Title order={2}>Worklist</Title>
        <Text c="dimmed" size="sm">
          Analysed studies, urgent first, then the newest.
        </Text>
      </div>
      <QueryState query={worklist} what="the worklist">
        {(entries) =>
          entries.length === 0 ? (
            <EmptyState>No study has been analysed yet.</EmptyState>
          ) : (
            <Table striped highlightOnHover withTableBorder aria-label="Studies">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Priority</Table.Th>
                  <Table.Th>Patient</Table.Th>
                  <Table.Th>Accession</Table.Th>
                  <Table.Th>Study date</Table.Th>
                  <Table.Th>Analysed</Table.Th>
                  <Table.Th>Report</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {sortWorklist(entries).map((e) => (
                  <Table.Tr key={e.studyInstanceUid}>
                    <Table.Td>
                      {e.priority === 'urgent' ? (
                        <Stack gap={2}>
                          <Badge color="red">Urgent</Badge>
                          {e.reasons.map((r) => (
                            <Text key={r} size="xs">
                              {r}
                            </Text>
                          ))}
                        </Stack>
                      ) : (
                        <Badge color="gray" variant="light">
                          Routine
                        </Badge>
                      )}
                    </Table.Td>
                    <Table.Td>{e.patientId || '—'}</Table.Td>
                    <Table.Td>{e.accessionNumber || '—'}</Table.Td>
                    <Table.Td>{dicomDate(e.studyDate)}</Table.Td>
                    <Table.Td>{new Date(e.generatedAt).toLocaleString()}</Table.Td>
                    <Table.Td>
                      <Link to={`/studies/${encodeURIComponent(e.studyInstanceUid)}`}>Open report (version {e.reportVersion})</Link>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )
        }
      </QueryState>
    </Stack>
  );
}
