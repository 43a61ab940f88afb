import { Alert, Button, Card, Group, Modal, Stack, Table, Text, TextInput, Textarea, Title } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import type { Report } from '../api/api.types.js';
import { ErrorNotice } from '../ui/query-state.js';
import { DIALOG_PROPS, typedValue, useReportChange } from './report-change.js';

interface PanelProps {
  report: Report;
}

const editable = (report: Report): boolean => report.status !== 'signed';

/** The impression: the reader's once written (the algorithms' draft stays shown beneath), editable until signed. */
export function ImpressionPanel({ report }: PanelProps) {
  const uid = report.study.studyInstanceUid;
  const change = useReportChange(uid);
  const current = report.readerImpression ?? report.impression;
  const [text, setText] = useState(current);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    change.mutate({ method: 'PUT', path: '/impression', body: { text } });
  };
  return (
    <Card withBorder radius="md" component="section" aria-label="Impression">
      <Title order={3} size="h4" mb="xs">
        Impression
      </Title>
      {editable(report) ? (
        <form onSubmit={submit}>
          <Stack gap="xs">
            <Textarea label="Your impression" autosize minRows={3} value={text} onChange={(e) => setText(e.currentTarget.value)} maxLength={2000} />
            <Group gap="xs">
              <Button type="submit" size="xs" disabled={text.trim() === '' || text === current} loading={change.isPending}>
                Save impression
              </Button>
              {change.isSuccess && text === current && (
                <Text size="xs" c="green" role="status">
                  Impression saved.
                </Text>
              )}
            </Group>
            {change.isError && <ErrorNotice title="The impression was refused" error={change.error} />}
          </Stack>
        </form>
      ) : (
        <Text className="prose">{current || 'No impression.'}</Text>
      )}
      {report.readerImpression !== undefined && report.readerImpression !== report.impression && (
        <Text size="xs" c="dimmed" mt="xs">
          Draft by the algorithms: {report.impression}
        </Text>
      )}
    </Card>
  );
}

/** Findings the reader added, and (until signed) a form to add one the algorithms missed. */
export function MissedFindingsPanel({ report }: PanelProps) {
  const change = useReportChange(report.study.studyInstanceUid);
  const empty = { code: '', value: '', unit: '', category: '', note: '' };
  const [form, setForm] = useState(empty);
  const set = (key: keyof typeof empty) => (e: { currentTarget: { value: string } }) => setForm({ ...form, [key]: e.currentTarget.value });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const optional = Object.fromEntries((['unit', 'category', 'note'] as const).filter((k) => form[k].trim()).map((k) => [k, form[k].trim()]));
    change.mutate({ method: 'POST', path: '/findings', body: { code: form.code.trim(), value: typedValue(form.value), ...optional } }, { onSuccess: () => setForm(empty) });
  };
  const added = report.readerFindings ?? [];
  if (!editable(report) && added.length === 0) return null;
  return (
    <Card withBorder radius="md" component="section" aria-label="Findings added by the reader">
      <Title order={3} size="h4" mb="xs">
        Findings added by the reader
      </Title>
      {added.length === 0 ? (
        <Text size="sm" c="dimmed">
          None yet. Add a finding the algorithms missed.
        </Text>
      ) : (
        <Table
          aria-label="Added findings"
          data={{
            head: ['Finding', 'Value', 'Category', 'Note', 'Added by'],
            body: added.map((f) => [f.code, `${f.value}${f.unit ? ` ${f.unit}` : ''}`, f.category ?? '—', f.note ?? '—', f.reader]),
          }}
        />
      )}
      {editable(report) && (
        <form onSubmit={submit} aria-label="Add a missed finding">
          <Group align="flex-end" gap="xs" mt="sm">
            <TextInput label="Finding code" placeholder="lung.nodule" value={form.code} onChange={set('code')} required w={200} />
            <TextInput label="Value" value={form.value} onChange={set('value')} required w={100} />
            <TextInput label="Unit" placeholder="mm" value={form.unit} onChange={set('unit')} w={80} />
            <TextInput label="Category" value={form.category} onChange={set('category')} w={140} />
            <TextInput label="Note" value={form.note} onChange={set('note')} w={220} />
            <Button type="submit" variant="light" loading={change.isPending}>
              Add finding
            </Button>
          </Group>
          {change.isError && <ErrorNotice title="The finding was refused" error={change.error} />}
        </form>
      )}
    </Card>
  );
}

/** Signing, after a confirmation; a signed report says who signed it and when. */
export function SignOffPanel({ report }: PanelProps) {
  const change = useReportChange(report.study.studyInstanceUid);
  const [confirming, setConfirming] = useState(false);
  if (report.status === 'signed') {
    return (
      <Alert color="green" title="Signed" role="status">
        Signed by {report.signedBy} on {report.signedAt ? new Date(report.signedAt).toLocaleString() : '—'}. The report is final.
      </Alert>
    );
  }
  const reviewed = report.findings.filter((f) => f.review).length;
  return (
    <Card withBorder radius="md" component="section" aria-label="Sign-off">
      <Group justify="space-between">
        <Text size="sm">
          {reviewed} of {report.findings.length} findings reviewed. Findings left unreviewed are signed as shown.
        </Text>
        <Button onClick={() => setConfirming(true)}>Sign report</Button>
      </Group>
      <Modal {...DIALOG_PROPS} opened={confirming} onClose={() => setConfirming(false)} title="Sign this report?">
        <Stack>
          <Text size="sm">Once signed, the report is final: it is sent with final status and can no longer be corrected.</Text>
          {change.isError && <ErrorNotice title="Signing was refused" error={change.error} />}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirming(false)}>
              Cancel
            </Button>
            <Button loading={change.isPending} onClick={() => change.mutate({ method: 'POST', path: '/sign' }, { onSuccess: () => setConfirming(false) })}>
              Sign
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Card>
  );
}
