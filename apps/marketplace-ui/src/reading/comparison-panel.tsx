import { Alert, Card, List, Table, Text, Title } from '@mantine/core';
import type { Report, ReportFinding } from '../api/api.types.js';
import { dicomDate } from './worklist-page.js';

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const label = (f: ReportFinding): string => (typeof f.label === 'string' ? f.label : f.code);

/** A finding's change since the prior as a reader says it: "growing", "+4.3 mm", "doubling time 215 days (95 %: 137-496)". */
export function changeText(f: ReportFinding): string | undefined {
  const change = [f.change, f.growthCategory, f.comparison].find((c): c is string => typeof c === 'string');
  if (!change) return undefined;
  const prior = num((f.prior as { value?: unknown } | undefined)?.value);
  const parts = [change];
  if (prior !== undefined && typeof f.value === 'number') {
    const delta = Math.round((f.value - prior) * 10) / 10;
    parts.push(`${delta >= 0 ? '+' : ''}${delta} ${f.unit}`.trim());
  }
  const days = num(f.volumeDoublingDays);
  if (days !== undefined) {
    const range = Array.isArray(f.volumeDoublingDaysRange) ? f.volumeDoublingDaysRange.map((d) => (num(d) === undefined ? '–' : String(Math.round(d as number)))) : [];
    parts.push(`volume doubling time ${Math.round(days)} days${range.length === 2 ? ` (95 %: ${range[0]} to ${range[1]})` : ''}`);
  }
  const growth = num(f.growthMmPerYear);
  if (growth !== undefined) parts.push(`${growth} mm/year`);
  return parts.join(', ');
}

/** The prior exam this report was compared with and what changed, finding by finding; nothing without a prior. */
export function ComparisonPanel({ report }: { report: Report }) {
  const c = report.comparison;
  if (!c) return null;
  const prior = `the study of ${dicomDate(c.prior.studyDate)} (accession ${c.prior.accessionNumber || '—'})`;
  if (c.status === 'not-assessed') {
    return (
      <Alert color="yellow" title="Comparison with the prior exam not assessed">
        Compared with {prior}: {c.reason ?? 'no reason given'}
      </Alert>
    );
  }
  const compared = report.findings.filter((f) => changeText(f) !== undefined);
  return (
    <Card withBorder radius="md" component="section" aria-label="Comparison with the prior exam">
      <Title order={3} size="h4" mb="xs">
        Comparison with the prior exam
      </Title>
      <Text size="sm" mb="xs">
        Compared with {prior}
        {c.intervalDays !== undefined ? `, ${c.intervalDays} days earlier` : ''}
        {c.priorResults ? `; prior results ${c.priorResults}` : ''}.
      </Text>
      {compared.length > 0 && (
        <Table aria-label="Changes since the prior exam">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Finding</Table.Th>
              <Table.Th>Prior</Table.Th>
              <Table.Th>Now</Table.Th>
              <Table.Th>Change</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {compared.map((f, i) => {
              const p = f.prior as { value?: unknown; studyDate?: unknown; category?: unknown } | undefined;
              return (
                <Table.Tr key={`${f.code}-${i}`} aria-label={label(f)}>
                  <Table.Td>{label(f)}</Table.Td>
                  <Table.Td>
                    {num(p?.value) !== undefined ? `${num(p?.value)} ${f.unit} (${dicomDate(String(p?.studyDate ?? ''))}${typeof p?.category === 'string' ? `, ${p.category}` : ''})` : 'not on the prior'}
                  </Table.Td>
                  <Table.Td>{f.value === null ? 'not assessed' : `${f.value} ${f.unit}`}</Table.Td>
                  <Table.Td>{changeText(f)}</Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      )}
      {(c.resolvedFindings ?? []).length > 0 && (
        <>
          <Text size="sm" fw={500} mt="xs">
            On the prior, not found now
          </Text>
          <List size="sm">
            {c.resolvedFindings!.map((f, i) => (
              <List.Item key={`${f.code}-${i}`}>{`${f.code}: ${f.value} ${f.unit} on the prior`}</List.Item>
            ))}
          </List>
        </>
      )}
    </Card>
  );
}
