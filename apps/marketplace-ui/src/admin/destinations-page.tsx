import { Button, Card, Checkbox, Group, NumberInput, PasswordInput, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import type { DeliveryOutput, DestinationKind, DestinationView, RoutingRule } from '../api/delivery.types.js';
import { useApi } from '../auth/session.js';
import { EmptyState, ErrorNotice, QueryState } from '../ui/query-state.js';
import { SitePicker, useSite } from './site-choice.js';

const KIND_LABEL: Record<DestinationKind, string> = {
  'dicom-store': 'PACS (DICOM C-STORE)',
  dicomweb: 'PACS (DICOMweb STOW-RS)',
  fhir: 'EHR (FHIR R4)',
  'hl7-mllp': 'RIS (HL7 v2 over MLLP)',
};
/** What each protocol carries (the API refuses a rule sending anything else). */
const CARRIES: Record<DestinationKind, DeliveryOutput[]> = { 'dicom-store': ['sr'], dicomweb: ['sr'], fhir: ['fhir'], 'hl7-mllp': ['hl7'] };
const OUTPUT_LABEL: Record<DeliveryOutput, string> = { sr: 'DICOM SR', fhir: 'FHIR bundle', hl7: 'HL7 ORU', pdf: 'PDF' };

/** Where a destination is, in words. */
export function destinationAddress(d: DestinationView): string {
  if (d.kind === 'dicom-store') return `${d.calledAeTitle} at ${d.host}:${d.port}${d.callingAeTitle ? ` (calling as ${d.callingAeTitle})` : ''}`;
  if (d.kind === 'hl7-mllp') return `${d.host}:${d.port}`;
  return `${d.url}${d.tokenSet ? ' (with a bearer token)' : ''}`;
}

/** A rule's conditions in words; a condition left out matches everything. */
export function ruleConditions(rule: RoutingRule): string {
  const parts = [
    rule.modalities ? `modality ${rule.modalities.join(' or ')}` : null,
    rule.priorities ? `${rule.priorities.join(' or ')} studies` : null,
    rule.statuses ? `${rule.statuses.map((s) => (s === 'signed' ? 'signed' : 'draft')).join(' or ')} reports` : null,
  ].filter((p): p is string => p !== null);
  return parts.length ? parts.join(', ') : 'every report';
}

const sitePath = (site: string, rest: string) => `/api/sites/${encodeURIComponent(site)}/${rest}`;

/** Per site: where reports go (destinations) and which go where (routing rules, applied in order). */
export function DestinationsPage() {
  const api = useApi();
  const { site } = useSite();
  const destinations = useQuery({ queryKey: ['destinations', site], queryFn: () => api.get<DestinationView[]>(sitePath(site, 'destinations')) });
  const rules = useQuery({ queryKey: ['delivery-rules', site], queryFn: () => api.get<RoutingRule[]>(sitePath(site, 'delivery-rules')) });
  return (
    <Stack>
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={2}>Destinations and routing</Title>
          <Text c="dimmed" size="sm">
            Where this site sends reports, and which reports go where.
          </Text>
        </div>
        <SitePicker />
      </Group>
      <QueryState query={destinations} what="the destinations">
        {(list) => <DestinationsCard site={site} destinations={list} />}
      </QueryState>
      <QueryState query={rules} what="the routing rules">
        {(saved) => <RulesCard key={site} site={site} saved={saved} destinations={destinations.data ?? []} />}
      </QueryState>
    </Stack>
  );
}

function useInvalidate(site: string) {
  const queries = useQueryClient();
  return () => Promise.all([queries.invalidateQueries({ queryKey: ['destinations', site] }), queries.invalidateQueries({ queryKey: ['delivery-rules', site] })]);
}

function DestinationsCard({ site, destinations }: { site: string; destinations: DestinationView[] }) {
  const api = useApi();
  const invalidate = useInvalidate(site);
  const remove = useMutation({ mutationFn: (id: string) => api.delete(sitePath(site, `destinations/${encodeURIComponent(id)}`)), onSuccess: invalidate });
  return (
    <Card withBorder radius="md" component="section" aria-label="Destinations">
      <Title order={3} size="h4" mb="xs">
        Destinations
      </Title>
      {destinations.length === 0 ? (
        <EmptyState>No destination yet: reports stay on this server until you add one.</EmptyState>
      ) : (
        <Table
          aria-label="Destinations of the site"
          data={{
            head: ['Name', 'Kind', 'Address', ''],
            body: destinations.map((d) => [
              d.id,
              KIND_LABEL[d.kind],
              destinationAddress(d),
              <Button size="xs" variant="subtle" color="red" aria-label={`Remove ${d.id}`} loading={remove.isPending && remove.variables === d.id} onClick={() => remove.mutate(d.id)}>
                Remove
              </Button>,
            ]),
          }}
        />
      )}
      {remove.isError && <ErrorNotice title="The destination was not removed" error={remove.error} />}
      <NewDestinationForm site={site} />
    </Card>
  );
}

const EMPTY_FORM = { id: '', kind: 'dicom-store' as DestinationKind, host: '', port: '' as string | number, calledAeTitle: '', callingAeTitle: '', url: '', token: '' };

/** The API body of the form: only the fields of the chosen kind, optional ones left out when empty. */
export function destinationBody(form: typeof EMPTY_FORM): Record<string, unknown> {
  const optional = (key: 'callingAeTitle' | 'token') => (form[key].trim() ? { [key]: form[key].trim() } : {});
  const base = { id: form.id.trim(), kind: form.kind };
  if (form.kind === 'dicom-store') return { ...base, host: form.host.trim(), port: Number(form.port), calledAeTitle: form.calledAeTitle.trim(), ...optional('callingAeTitle') };
  if (form.kind === 'hl7-mllp') return { ...base, host: form.host.trim(), port: Number(form.port) };
  return { ...base, url: form.url.trim(), ...optional('token') };
}

function NewDestinationForm({ site }: { site: string }) {
  const api = useApi();
  const invalidate = useInvalidate(site);
  const [form, setForm] = useState(EMPTY_FORM);
  const add = useMutation({
    mutationFn: () => api.post<DestinationView>(sitePath(site, 'destinations'), destinationBody(form)),
    onSuccess: async () => {
      setForm(EMPTY_FORM);
      await invalidate();
    },
  });
  const text = (key: 'id' | 'host' | 'calledAeTitle' | 'callingAeTitle' | 'url') => ({
    value: form[key],
    onChange: (e: { currentTarget: { value: string } }) => setForm({ ...form, [key]: e.currentTarget.value }),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    add.mutate();
  };
  const network = form.kind === 'dicom-store' || form.kind === 'hl7-mllp';
  return (
    <form onSubmit={submit} aria-label="Add a destination">
      <Title order={4} size="h5" mt="md" mb="xs">
        Add a destination
      </Title>
      <Group align="flex-end" gap="xs">
        <TextInput label="Name" description="Letters, digits, - and _" required w={150} {...text('id')} />
        <Select
          label="Kind"
          w={230}
          allowDeselect={false}
          data={Object.entries(KIND_LABEL).map(([value, label]) => ({ value, label }))}
          value={form.kind}
          onChange={(value) => value && setForm({ ...form, kind: value as DestinationKind })}
        />
        {network ? (
          <>
            <TextInput label="Host" required w={160} {...text('host')} />
            <NumberInput label="Port" required min={1} max={65535} w={100} value={form.port} onChange={(port) => setForm({ ...form, port })} />
            {form.kind === 'dicom-store' && (
              <>
                <TextInput label="Called AE title" required w={140} {...text('calledAeTitle')} />
                <TextInput label="Calling AE title (optional)" w={170} {...text('callingAeTitle')} />
              </>
            )}
          </>
        ) : (
          <>
            <TextInput label="URL" required w={300} placeholder="https://pacs.example.org/dicom-web" {...text('url')} />
            <PasswordInput label="Bearer token (optional)" w={200} value={form.token} onChange={(e) => setForm({ ...form, token: e.currentTarget.value })} />
          </>
        )}
        <Button type="submit" variant="light" loading={add.isPending}>
          Add destination
        </Button>
      </Group>
      {add.isError && <ErrorNotice title="The destination was refused" error={add.error} />}
    </form>
  );
}

const PRIORITIES = [
  ['urgent', 'Urgent'],
  ['routine', 'Routine'],
] as const;
const STATUSES = [
  ['draft', 'Draft'],
  ['signed', 'Signed'],
] as const;

/** A labelled row of checkboxes, one per option (value and label). */
function Choices<T extends string>({ label, options, value, onChange }: { label: string; options: ReadonlyArray<readonly [T, string]>; value: T[]; onChange(value: T[]): void }) {
  return (
    <Checkbox.Group label={label} value={value} onChange={(next) => onChange(next as T[])}>
      <Group gap="xs" mt={6}>
        {options.map(([option, text]) => (
          <Checkbox key={option} value={option} label={text} />
        ))}
      </Group>
    </Checkbox.Group>
  );
}

interface RuleDraft {
  destination: string;
  outputs: DeliveryOutput[];
  modalities: string;
  priorities: Array<'urgent' | 'routine'>;
  statuses: Array<'draft' | 'signed'>;
}

const toDraft = (rule: RoutingRule): RuleDraft => ({
  destination: rule.destination,
  outputs: rule.outputs,
  modalities: (rule.modalities ?? []).join(', '),
  priorities: rule.priorities ?? [],
  statuses: rule.statuses ?? [],
});

/** A drafted rule as the API takes it: an empty condition is left out, so it matches everything. */
export function ruleFromDraft(draft: RuleDraft): RoutingRule {
  const modalities = draft.modalities
    .split(/[,\s]+/)
    .map((m) => m.trim().toUpperCase())
    .filter(Boolean);
  return {
    destination: draft.destination,
    outputs: draft.outputs,
    ...(modalities.length ? { modalities } : {}),
    ...(draft.priorities.length ? { priorities: draft.priorities } : {}),
    ...(draft.statuses.length ? { statuses: draft.statuses } : {}),
  };
}

function RulesCard({ site, saved, destinations }: { site: string; saved: RoutingRule[]; destinations: DestinationView[] }) {
  const api = useApi();
  const invalidate = useInvalidate(site);
  const [drafts, setDrafts] = useState<RuleDraft[]>(saved.map(toDraft));
  const save = useMutation({ mutationFn: () => api.put<RoutingRule[]>(sitePath(site, 'delivery-rules'), { rules: drafts.map(ruleFromDraft) }), onSuccess: invalidate });
  const change = (i: number, patch: Partial<RuleDraft>) => setDrafts(drafts.map((d, j) => (j === i ? { ...d, ...patch } : d)));
  const kindOf = (id: string) => destinations.find((d) => d.id === id)?.kind;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  return (
    <Card withBorder radius="md" component="section" aria-label="Routing rules">
      <Title order={3} size="h4" mb="xs">
        Routing rules
      </Title>
      <Text size="sm" c="dimmed" mb="xs">
        Each report goes to every rule it matches. Leave a condition empty to match every report. Saved: {saved.length === 0 ? 'no rule' : saved.map((r) => `${r.destination} gets ${r.outputs.map((o) => OUTPUT_LABEL[o]).join(' + ')} for ${ruleConditions(r)}`).join('; ')}.
      </Text>
      <form onSubmit={submit} aria-label="Edit the routing rules">
        <Stack gap="sm">
          {drafts.length === 0 && <EmptyState>No routing rule: no report is sent anywhere.</EmptyState>}
          {drafts.map((draft, i) => {
            const kind = kindOf(draft.destination);
            const outputs: DeliveryOutput[] = kind ? CARRIES[kind] : ['sr', 'fhir', 'hl7'];
            return (
              <fieldset key={i} className="rule" aria-label={`Rule ${i + 1}`}>
                <legend>Rule {i + 1}</legend>
                <Group align="flex-end" gap="md">
                  <Select
                    label="Destination"
                    w={180}
                    data={destinations.map((d) => d.id)}
                    value={draft.destination || null}
                    allowDeselect={false}
                    onChange={(value) => value && change(i, { destination: value, outputs: draft.outputs.filter((o) => CARRIES[kindOf(value)!]?.includes(o)) })}
                  />
                  <Choices label="Send" options={outputs.map((o) => [o, OUTPUT_LABEL[o]] as const)} value={draft.outputs} onChange={(outputs) => change(i, { outputs })} />
                  <TextInput label="Modalities" placeholder="any, e.g. CT" w={130} value={draft.modalities} onChange={(e) => change(i, { modalities: e.currentTarget.value })} />
                  <Choices label="Priority" options={PRIORITIES} value={draft.priorities} onChange={(priorities) => change(i, { priorities })} />
                  <Choices label="Report status" options={STATUSES} value={draft.statuses} onChange={(statuses) => change(i, { statuses })} />
                  <Button variant="subtle" color="red" size="xs" onClick={() => setDrafts(drafts.filter((_, j) => j !== i))}>
                    Remove rule {i + 1}
                  </Button>
                </Group>
              </fieldset>
            );
          })}
          <Group gap="xs">
            <Button
              variant="default"
              disabled={destinations.length === 0}
              onClick={() => setDrafts([...drafts, { destination: destinations[0]?.id ?? '', outputs: [], modalities: '', priorities: [], statuses: [] }])}
            >
              Add a rule
            </Button>
            <Button type="submit" loading={save.isPending}>
              Save rules
            </Button>
            {destinations.length === 0 && (
              <Text size="sm" c="dimmed">
                Add a destination before the first rule.
              </Text>
            )}
          </Group>
          {save.isSuccess && (
            <Text size="sm" c="green" role="status">
              Routing rules saved.
            </Text>
          )}
          {save.isError && <ErrorNotice title="The rules were refused" error={save.error} />}
        </Stack>
      </form>
    </Card>
  );
}
