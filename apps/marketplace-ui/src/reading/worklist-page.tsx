import { Badge, Progress, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import type { WorklistEntry } from '../api/api.types.js';
import { useApi } from '../auth/session.js';
import { Link } from '../router.js';
import { EmptyState, QueryState } from '../ui/query-state.js';
import { activityText, type StudyActivity, useLiveActivity } from './live-worklist.js';

/** Urgent first, then newest first (the API's order, kept when it is refetched). */
export function sortWorklist(entries: WorklistEntry[]): WorklistEntry[] {
  return [...entries].sort((a, b) => Number(b.priority === 'urgent') - Number(a.priority === 'urgent') || b.generatedAt.localeCompare(a.generatedAt));
}

/** DICOM DA (YYYYMMDD) as YYYY-MM-DD. */
export const dicomDate = (da: string): string => (/^\d{8}$/.test(da) ? `${da.slice(0, 4)}-${da.slice(4, 6)}-${da.slice(6)}` : da || '—');

export function WorklistPage() {
  const api = useApi();
  // no polling: the event stream says when a report was stored or signed
  const worklist = useQuery({ queryKey: ['worklist'], queryFn: () => api.get<WorklistEntry[]>('/api/worklist') });
  const live = useLiveActivity();
  const reported = new Set(worklist.data?.map((e) => e.studyInstanceUid));
  const arriving = [...live.values()].filter((a) => a.stage !== 'reported' && !reported.has(a.studyInstanceUid)).reverse();
  return (
    <Stack>
      <div>
        <Title order={2}>Worklist</Title>
        <Text c="dimmed" size="sm">
          Analysed studies, urgent first, then the newest. States update live.
        </Text>
      </div>
      {arriving.length > 0 && (
        <Table
          withTableBorder
          aria-label="Arriving studies"
          data={{
            head: ['Study', 'State'],
            body: arriving.map((a) => [<Text size="xs">{a.studyInstanceUid}</Text>, <LiveState activity={a} />]),
          }}
        />
      )}
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
                  <StateCell entry={e} activity={live.get(e.studyInstanceUid)} />,
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

/** The live state while the study is received or analysed again, else its report's: to read, or signed. */
function StateCell({ entry, activity }: { entry: WorklistEntry; activity: StudyActivity | undefined }) {
  if (activity && activity.stage !== 'reported') return <LiveState activity={activity} />;
  return entry.status === 'signed' ? (
    <Badge color="green" variant="light">
      Signed
    </Badge>
  ) : (
    <Badge color="yellow" variant="light">
      To read
    </Badge>
  );
}

function LiveState({ activity }: { activity: StudyActivity }) {
  const text = activityText(activity);
  return (
    <Stack gap={4} data-testid="live-state">
      <Badge color="blue" variant="light">
        {activity.stage === 'waiting' ? 'Waiting for completeness' : activity.stage}
      </Badge>
      <Text size="xs">{text}</Text>
      {activity.stage === 'analysing' && (
        <Progress value={activity.runsTotal ? (100 * (activity.runsDone ?? 0)) / activity.runsTotal : 0} aria-label={`Analysis progress of ${activity.studyInstanceUid}`} size="sm" />
      )}
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
