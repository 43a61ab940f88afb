import { Select, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import type { WorklistEntry } from '../api/api.types.js';
import { useApi } from '../auth/session.js';
import { DeliveryLog } from '../delivery/delivery-log.js';
import { navigate, useLocation } from '../router.js';
import { EmptyState, QueryState } from '../ui/query-state.js';

/** A study's deliveries with a re-send per delivery; the study is chosen from the worklist and kept in the URL. */
export function DeliveryLogPage() {
  const api = useApi();
  const { query } = useLocation();
  const studies = useQuery({ queryKey: ['worklist'], queryFn: () => api.get<WorklistEntry[]>('/api/worklist') });
  const chosen = query.get('study');
  return (
    <Stack>
      <div>
        <Title order={2}>Delivery log</Title>
        <Text c="dimmed" size="sm">
          What was sent where for a study, every attempt, and a manual re-send.
        </Text>
      </div>
      <QueryState query={studies} what="the studies">
        {(entries) =>
          entries.length === 0 ? (
            <EmptyState>No study has been analysed yet.</EmptyState>
          ) : (
            <Select
              label="Study"
              w={520}
              searchable
              placeholder="Patient, accession or study UID"
              data={entries.map((e) => ({ value: e.studyInstanceUid, label: `${e.patientId || '—'} · ${e.accessionNumber || '—'} · ${e.studyInstanceUid}` }))}
              value={chosen}
              onChange={(uid) => uid && navigate(`/deliveries?study=${encodeURIComponent(uid)}`, { replace: true })}
            />
          )
        }
      </QueryState>
      {chosen && <DeliveryLog studyInstanceUid={chosen} canResend />}
    </Stack>
  );
}
