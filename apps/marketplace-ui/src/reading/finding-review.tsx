import { Badge, Button, Group, Modal, NativeSelect, Stack, Text, TextInput, Textarea } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import type { RejectionReason, ReportFinding } from '../api/api.types.js';
import { ErrorNotice } from '../ui/query-state.js';
import { DIALOG_PROPS, REJECTION_REASON_LABELS, typedValue, useReportChange } from './report-change.js';

interface FindingProps {
  studyInstanceUid: string;
  finding: ReportFinding;
  /** position in report.json's findings: the finding's identity for the API */
  index: number;
  /** false once the report is signed */
  editable: boolean;
}

const shown = (value: ReportFinding['value']): string => (value === null ? 'not assessed' : typeof value === 'number' ? String(Math.round(value * 100) / 100) : value);

/** The reader's decision on one finding, and (on a draft) the buttons to accept, reject or edit it. */
export function FindingReview({ studyInstanceUid, finding, index, editable }: FindingProps) {
  const change = useReportChange(studyInstanceUid);
  const [open, setOpen] = useState<'reject' | 'edit' | null>(null);
  const path = `/findings/${index}`;
  return (
    <Stack gap={4}>
      <ReviewState finding={finding} />
      {editable && (
        <Group gap={4}>
          <Button
            size="compact-xs"
            variant="light"
            color="green"
            aria-label={`Accept ${finding.code}`}
            loading={change.isPending}
            onClick={() => change.mutate({ method: 'POST', path: `${path}/accept`, body: { code: finding.code } })}
          >
            Accept
          </Button>
          <Button size="compact-xs" variant="light" color="red" aria-label={`Reject ${finding.code}`} onClick={() => setOpen('reject')}>
            Reject
          </Button>
          <Button size="compact-xs" variant="light" aria-label={`Edit ${finding.code}`} onClick={() => setOpen('edit')}>
            Edit
          </Button>
        </Group>
      )}
      {change.isError && <ErrorNotice title="The decision was refused" error={change.error} />}
      <RejectDialog {...{ studyInstanceUid, finding, index }} opened={open === 'reject'} onClose={() => setOpen(null)} />
      <EditDialog {...{ studyInstanceUid, finding, index }} opened={open === 'edit'} onClose={() => setOpen(null)} />
    </Stack>
  );
}

function ReviewState({ finding }: { finding: ReportFinding }) {
  const review = finding.review;
  if (!review) return <Text size="xs" c="dimmed">Not reviewed</Text>;
  const by = `by ${review.reader}`;
  if (review.action === 'accepted') return <Badge color="green" variant="light" title={by}>Accepted</Badge>;
  if (review.action === 'rejected') {
    return (
      <div>
        <Badge color="red" variant="light" title={by}>Rejected</Badge>
        <Text size="xs">{REJECTION_REASON_LABELS[review.reason ?? 'other']}{review.note ? `: ${review.note}` : ''}</Text>
      </div>
    );
  }
  return (
    <div>
      <Badge color="orange" variant="light" title={by}>
        Edited: {shown(review.value ?? null)} {finding.unit}
        {review.category ? `, ${review.category}` : ''}
      </Badge>
      <Text size="xs" c="dimmed">
        Algorithm: {shown(finding.value)}
        {finding.category ? `, ${finding.category}` : ''}
      </Text>
    </div>
  );
}

interface DialogProps extends Omit<FindingProps, 'editable'> {
  opened: boolean;
  onClose(): void;
}

function RejectDialog({ studyInstanceUid, finding, index, opened, onClose }: DialogProps) {
  const change = useReportChange(studyInstanceUid);
  const [reason, setReason] = useState<RejectionReason>('false-positive');
  const [note, setNote] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    change.mutate({ method: 'POST', path: `/findings/${index}/reject`, body: { code: finding.code, reason, ...(note.trim() ? { note: note.trim() } : {}) } }, { onSuccess: onClose });
  };
  return (
    <Modal {...DIALOG_PROPS} opened={opened} onClose={onClose} title={`Reject ${finding.code}`}>
      <form onSubmit={submit}>
        <Stack>
          <NativeSelect
            label="Reason"
            value={reason}
            onChange={(e) => setReason(e.currentTarget.value as RejectionReason)}
            data={Object.entries(REJECTION_REASON_LABELS).map(([value, label]) => ({ value, label }))}
          />
          <Textarea label="Note (optional)" value={note} onChange={(e) => setNote(e.currentTarget.value)} maxLength={2000} />
          {change.isError && <ErrorNotice title="The rejection was refused" error={change.error} />}
          <DialogActions onCancel={onClose} submit="Reject finding" color="red" busy={change.isPending} />
        </Stack>
      </form>
    </Modal>
  );
}

function EditDialog({ studyInstanceUid, finding, index, opened, onClose }: DialogProps) {
  const change = useReportChange(studyInstanceUid);
  const [value, setValue] = useState(finding.review?.value === undefined ? (finding.value === null ? '' : String(finding.value)) : String(finding.review.value));
  const [category, setCategory] = useState(finding.review?.category ?? finding.category ?? '');
  const [note, setNote] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const body = { code: finding.code, value: typedValue(value), ...(category.trim() ? { category: category.trim() } : {}), ...(note.trim() ? { note: note.trim() } : {}) };
    change.mutate({ method: 'POST', path: `/findings/${index}/edit`, body }, { onSuccess: onClose });
  };
  return (
    <Modal {...DIALOG_PROPS} opened={opened} onClose={onClose} title={`Edit ${finding.code}`}>
      <form onSubmit={submit}>
        <Stack>
          <Text size="sm">
            The algorithm reported {shown(finding.value)} {finding.unit}
            {finding.category ? ` (${finding.category})` : ''}; it stays on record beside your value.
          </Text>
          <TextInput label={`Corrected value${finding.unit ? ` (${finding.unit})` : ''}`} value={value} onChange={(e) => setValue(e.currentTarget.value)} required />
          <TextInput label="Category (optional)" value={category} onChange={(e) => setCategory(e.currentTarget.value)} />
          <Textarea label="Note (optional)" value={note} onChange={(e) => setNote(e.currentTarget.value)} maxLength={2000} />
          {change.isError && <ErrorNotice title="The correction was refused" error={change.error} />}
          <DialogActions onCancel={onClose} submit="Save correction" busy={change.isPending} />
        </Stack>
      </form>
    </Modal>
  );
}

/** Cancel and the dialog form's submit button. */
function DialogActions({ onCancel, submit, color, busy }: { onCancel(): void; submit: string; color?: string; busy: boolean }) {
  return (
    <Group justify="flex-end">
      <Button variant="default" onClick={onCancel}>
        Cancel
      </Button>
      <Button type="submit" color={color} loading={busy}>
        {submit}
      </Button>
    </Group>
  );
}
