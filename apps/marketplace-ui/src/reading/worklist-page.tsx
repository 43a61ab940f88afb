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
            <Table
              striped
              highlightOnHover
              withTableBorder
              aria-label="Studies"
              data={{
                head: ['Priority', 'Patient', 'Accession', 'Study date', 'Analysed', 'State', 'Report'],
                body: sortWorklist(entries).map((e) => [
                  <PriorityCell entry={e} />,
                  e.patientId || '—',
                  e.accessionNumber || '—',
                  dicomDate(e.studyDate),
                  new Date(e.generatedAt).toLocaleString(),
                  e.status === 'signed' ? (
                    <Badge color="green" variant="light">
                      Signed
                    </Badge>
                  ) : (
                    <Badge color="yellow" variant="light">
                      To read
                    </Badge>
                  ),
                  <Link to={`/studies/${encodeURIComponent(e.studyInstanceUid)}`}>Open report (version {e.reportVersion})</Link>,
                ]),
              }}
            />
          )
        }
      </QueryState>
    </Stack>
  );
}

function PriorityCell({ entry }: { entry: WorklistEntry }) {
  if (entry.priority !== 'urgent') {
    return (
      <Badge color="gray" variant="light">
        Routine
      </Badge>
    );
  }
  return (
    <Stack gap={2}>
      <Badge color="red">Urgent</Badge>
      {entry.reasons.map((r) => (
        <Text key={r} size="xs">
          {r}
        </Text>
      ))}
    </Stack>
  );
}
