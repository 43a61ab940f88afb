import { Badge, Button, Stack, Table, Text } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { StudyDelivery } from '../api/delivery.types.js';
import { useApi } from '../auth/session.js';
import { EmptyState, ErrorNotice, QueryState } from '../ui/query-state.js';

const STATUS_COLOR = { pending: 'yellow', delivered: 'green', failed: 'red' } as const;
const OUTPUTS = { sr: 'DICOM SR', fhir: 'FHIR bundle', hl7: 'HL7 ORU', pdf: 'PDF' } as const;

/** Which release a delivery sends, in words. */
export function releaseText(release: number): string {
  if (release === 0) return 'preliminary';
  if (release === 1) return 'final';
  return `amendment ${release - 1}`;
}

/** The last attempt of a delivery in words (the log keeps every one). */
export function lastAttemptText(delivery: StudyDelivery): string {
  const last = delivery.log.at(-1);
  if (!last) return delivery.status === 'pending' ? 'Not tried yet.' : '—';
  const when = new Date(last.at).toLocaleString();
  if (last.outcome === 'delivered') return `Delivered ${when}.`;
  const retry = delivery.status === 'pending' && delivery.nextAttemptAt ? ` Next try ${new Date(delivery.nextAttemptAt).toLocaleTimeString()}.` : '';
  return `Failed ${when}: ${last.message ?? 'no reason given'}${last.code ? ` (${last.code})` : ''}.${retry}`;
}

export const deliveriesKey = (studyInstanceUid: string) => ['deliveries', studyInstanceUid] as const;

/**
 * Every delivery of a study's reports with its outcome; polled while one is pending. `canResend` (admins)
 * offers a manual re-send of each.
 */
export function DeliveryLog({ studyInstanceUid, canResend }: { studyInstanceUid: string; canResend: boolean }) {
  const api = useApi();
  const queries = useQueryClient();
  const path = `/api/studies/${encodeURIComponent(studyInstanceUid)}/deliveries`;
  const deliveries = useQuery({
    queryKey: deliveriesKey(studyInstanceUid),
    queryFn: () => api.get<StudyDelivery[]>(path),
    refetchInterval: (query) => (query.state.data?.some((d) => d.status === 'pending') ? 2_000 : 10_000),
  });
  const resend = useMutation({
    mutationFn: (id: number) => api.post<StudyDelivery>(`${path}/${id}/resend`),
    onSuccess: () => queries.invalidateQueries({ queryKey: deliveriesKey(studyInstanceUid) }),
  });
  return (
    <QueryState query={deliveries} what="the delivery log">
      {(list) =>
        list.length === 0 ? (
          <EmptyState>No delivery of this study yet: no routing rule matched its reports, or none is configured.</EmptyState>
        ) : (
          <Stack gap="xs">
            <Table
              aria-label="Deliveries"
              data={{
                head: ['Destination', 'Sent', 'Report', 'Status', 'Attempts', 'Last attempt', ...(canResend ? [''] : [])],
                body: list.map((d) => [
                  d.destination,
                  d.outputs.map((o) => OUTPUTS[o]).join(', '),
                  `version ${d.reportVersion}, ${releaseText(d.release)}`,
                  <Badge color={STATUS_COLOR[d.status]} variant="light">
                    {d.status}
                  </Badge>,
                  String(d.attempts),
                  <Text size="xs">{lastAttemptText(d)}</Text>,
                  ...(canResend
                    ? [
                        <Button size="xs" variant="light" aria-label={`Re-send to ${d.destination} (release ${d.release})`} loading={resend.isPending && resend.variables === d.id} onClick={() => resend.mutate(d.id)}>
                          Re-send
                        </Button>,
                      ]
                    : []),
                ]),
              }}
            />
            {resend.isError && <ErrorNotice title="The re-send was refused" error={resend.error} />}
          </Stack>
        )
      }
    </QueryState>
  );
}
