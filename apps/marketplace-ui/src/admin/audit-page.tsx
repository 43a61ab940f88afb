import { Button, Group, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import type { AuditEntry } from '../api/api.types.js';
import { useApi } from '../auth/session.js';
import { EmptyState, QueryState } from '../ui/query-state.js';

/** An entry's details as "key: value" phrases (nested objects flattened as "previous.version"). */
export function detailsText(details: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(details).flatMap(([key, value]) => {
    const name = `${prefix}${key}`;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return detailsText(value as Record<string, unknown>, `${name}.`);
    if (Array.isArray(value)) return [`${name}: ${value.map((v) => (typeof v === 'object' ? '…' : String(v))).join(', ') || 'none'}`];
    return [`${name}: ${value === null ? 'none' : String(value)}`];
  });
}

export function AuditPage() {
  const api = useApi();
  const [subject, setSubject] = useState('');
  const [applied, setApplied] = useState('');
  const audit = useQuery({
    queryKey: ['audit', applied],
    queryFn: () => api.get<AuditEntry[]>(`/api/audit?limit=200${applied ? `&subject=${encodeURIComponent(applied)}` : ''}`),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setApplied(subject.trim());
  };
  return (
    <Stack>
      <div>
        <Title order={2}>Audit log</Title>
        <Text c="dimmed" size="sm">
          Who changed what in the registry, newest first.
        </Text>
      </div>
      <form onSubmit={submit} aria-label="Filter the audit log">
        <Group align="flex-end">
          <TextInput label="Subject" description="A plugin or vendor id" placeholder="e.g. polyrad.emphysema" value={subject} onChange={(e) => setSubject(e.currentTarget.value)} />
          <Button type="submit" variant="default">
            Filter
          </Button>
        </Group>
      </form>
      <QueryState query={audit} what="the audit log">
        {(entries) =>
          entries.length === 0 ? (
            <EmptyState>No entry{applied ? ` about ${applied}` : ''} yet.</EmptyState>
          ) : (
            <Table
              striped
              withTableBorder
              aria-label="Audit entries"
              data={{
                head: ['When', 'Who', 'Action', 'Subject', 'Details'],
                body: entries.map((entry) => [
                  new Date(entry.at).toLocaleString(),
                  entry.actor,
                  entry.action,
                  entry.subject,
                  <Text size="xs">{detailsText(entry.details).join(' · ')}</Text>,
                ]),
              }}
            />
          )
        }
      </QueryState>
    </Stack>
  );
}
