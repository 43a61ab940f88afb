import { Alert, Badge, Card, Group, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import type { AlgorithmRun, Report, ReportFinding } from '../api/api.types.js';
import { useApi } from '../auth/session.js';
import { DeliveryLog } from '../delivery/delivery-log.js';
import { Link } from '../router.js';
import { EmptyState, QueryState } from '../ui/query-state.js';
import { FindingReview } from './finding-review.js';
import { ComparisonPanel } from './comparison-panel.js';
import { ImpressionPanel, MissedFindingsPanel, SignOffPanel } from './reader-panels.js';
import { reportKey } from './report-change.js';
import { dicomDate } from './worklist-page.js';

const ORGANS: Array<{ title: string; prefix: string | null }> = [
  { title: 'Lungs', prefix: 'lung.' },
  { title: 'Heart', prefix: 'heart.' },
  { title: 'Aorta', prefix: 'aorta.' },
  { title: 'Spine', prefix: 'spine.' },
  { title: 'Other', prefix: null },
];

/** Findings by organ, from the finding code's prefix (lung.*, heart.*, aorta.*, spine.*, the rest under Other). */
export function groupByOrgan(findings: ReportFinding[]): Array<{ title: string; findings: ReportFinding[] }> {
  const known = ORGANS.flatMap((o) => (o.prefix ? [o.prefix] : []));
  return ORGANS.map((organ) => ({
    title: organ.title,
    findings: findings.filter((f) => (organ.prefix ? f.code.startsWith(organ.prefix) : !known.some((p) => f.code.startsWith(p)))),
  })).filter((group) => group.findings.length > 0);
}

function valueText(f: ReportFinding): string {
  if (f.value === null) return '—';
  return typeof f.value === 'number' ? String(Math.round(f.value * 100) / 100) : f.value;
}

function referenceText(f: ReportFinding): string {
  const r = f.reference;
  if (!r) return '—';
  return `${r.text}${r.source ? ` (${r.source})` : ''}`;
}

export function ReportPage({ studyInstanceUid }: { studyInstanceUid: string }) {
  const api = useApi();
  const report = useQuery({ queryKey: reportKey(studyInstanceUid), queryFn: () => api.get<Report>(`/api/studies/${encodeURIComponent(studyInstanceUid)}/report`) });
  return (
    <Stack>
      <Link to="/worklist">← Back to the worklist</Link>
      <QueryState query={report} what="the report">
        {(r) => <ReportView report={r} />}
      </QueryState>
    </Stack>
  );
}

function ReportView({ report }: { report: Report }) {
  const groups = groupByOrgan(report.findings);
  return (
    <Stack>
      <div>
        <Group gap="sm">
          <Title order={2}>Report</Title>
          <Badge color={report.status === 'signed' ? 'green' : 'yellow'}>{report.status === 'signed' ? 'Signed' : 'Draft, not signed'}</Badge>
          {report.priority?.level === 'urgent' && <Badge color="red">Urgent</Badge>}
        </Group>
        <Text size="sm" c="dimmed">
          Patient {report.study.patientId || '—'} · accession {report.study.accessionNumber || '—'} · study date {dicomDate(report.study.studyDate)} · generated{' '}
          {new Date(report.generatedAt).toLocaleString()}
        </Text>
      </div>
      <Alert color="blue" variant="light">
        {report.disclaimer}
      </Alert>
      {report.priority?.level === 'urgent' && (
        <Alert color="red" title="Urgent">
          {report.priority.reasons.join('; ')}
        </Alert>
      )}
      <SignOffPanel report={report} />
      <ImpressionPanel report={report} />
      <ComparisonPanel report={report} />
      {report.warnings.length > 0 && (
        <Alert color="yellow" title="Warnings">
          {report.warnings.map((w) => (
            <Text key={w} size="sm">
              {w}
            </Text>
          ))}
        </Alert>
      )}
      {groups.length === 0 && <EmptyState>No finding was reported for this study.</EmptyState>}
      {groups.map((group) => (
        <Card key={group.title} withBorder radius="md" component="section" aria-label={group.title}>
          <Title order={3} size="h4" mb="xs">
            {group.title}
          </Title>
          <Table aria-label={`${group.title} findings`}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Finding</Table.Th>
                <Table.Th>Value</Table.Th>
                <Table.Th>Unit</Table.Th>
                <Table.Th>Reference</Table.Th>
                <Table.Th>Category</Table.Th>
                <Table.Th>Algorithm</Table.Th>
                <Table.Th>Review</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {group.findings.map((f, i) => (
                <Table.Tr key={`${f.code}-${i}`} aria-label={f.code}>
                  <Table.Td>{f.code}</Table.Td>
                  {f.assessment === 'not-assessed' || f.value === null ? (
                    <Table.Td colSpan={4}>
                      <Text size="sm" fw={500}>
                        Not assessed
                      </Text>
                      <Text size="sm" c="dimmed">
                        {f.reason ?? 'No reason given.'}
                      </Text>
                    </Table.Td>
                  ) : (
                    <>
                      <Table.Td>
                        <Text size="sm" fw={f.abnormal ? 700 : undefined} c={f.abnormal ? 'red' : undefined}>
                          {valueText(f)}
                          {f.abnormal ? ' (abnormal)' : ''}
                        </Text>
                      </Table.Td>
                      <Table.Td>{f.unit || '—'}</Table.Td>
                      <Table.Td>{referenceText(f)}</Table.Td>
                      <Table.Td>{f.category ?? '—'}</Table.Td>
                    </>
                  )}
                  <Table.Td>
                    <Text size="xs">
                      {f.algorithm.id} {f.algorithm.version}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <FindingReview studyInstanceUid={report.study.studyInstanceUid} finding={f} index={report.findings.indexOf(f)} editable={report.status !== 'signed'} />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Card>
      ))}
      <MissedFindingsPanel report={report} />
      <Card withBorder radius="md" component="section" aria-label="Algorithms">
        <Title order={3} size="h4" mb="xs">
          Algorithms
        </Title>
        <AlgorithmRuns runs={report.algorithms} />
      </Card>
      <Card withBorder radius="md" component="section" aria-label="Delivery">
        <Title order={3} size="h4" mb="xs">
          Delivery
        </Title>
        <DeliveryLog studyInstanceUid={report.study.studyInstanceUid} canResend={false} />
      </Card>
    </Stack>
  );
}

const RUN_COLOR = { succeeded: 'green', failed: 'red', skipped: 'gray' } as const;

function AlgorithmRuns({ runs }: { runs: AlgorithmRun[] }) {
  if (runs.length === 0) return <Text c="dimmed">No algorithm applied to this study.</Text>;
  // the ones that did not run first: their reasons explain what is missing from the report
  const ordered = [...runs].sort((a, b) => Number(a.status === 'succeeded') - Number(b.status === 'succeeded'));
  return (
    <Table
      aria-label="Algorithm runs"
      data={{
        head: ['Algorithm', 'Outcome', 'Why'],
        body: ordered.map((run) => [
          `${run.id} ${run.version}`,
          <>
            <Badge color={RUN_COLOR[run.status]} variant="light">
              {run.status}
            </Badge>
            {run.durationMs !== undefined && <Text size="xs" c="dimmed">{`${(run.durationMs / 1000).toFixed(1)} s`}</Text>}
          </>,
          <>
            <Text size="sm">{run.reason ?? (run.status === 'succeeded' ? 'Ran on the selected series.' : 'No reason given.')}</Text>
            {run.selection && (
              <Text size="xs" c="dimmed">
                {run.selection}
              </Text>
            )}
          </>,
        ]),
      }}
    />
  );
}
