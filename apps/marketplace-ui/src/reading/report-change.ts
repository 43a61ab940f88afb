import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { RejectionReason, Report } from '../api/api.types.js';
import { useApi } from '../auth/session.js';

/** The reasons a reader can give for rejecting a finding (the API's list), in words. */
export const REJECTION_REASON_LABELS: Record<RejectionReason, string> = {
  'false-positive': 'False positive: not there',
  'wrong-location': 'Wrong location',
  'wrong-measurement': 'Wrong measurement',
  'poor-image-quality': 'Image quality too poor to judge',
  'not-clinically-relevant': 'Not clinically relevant',
  other: 'Other (say why in the note)',
};

/** One change a reader makes to a report; the API answers with the report as changed. */
export interface ReportChange {
  method: 'POST' | 'PUT';
  /** below /api/studies/{uid}/report */
  path: string;
  body?: Record<string, unknown>;
}

export const reportKey = (studyInstanceUid: string) => ['report', studyInstanceUid] as const;

/** Sends a change and shows the report the API returns (no refetch); the worklist learns of a sign-off. */
export function useReportChange(studyInstanceUid: string) {
  const api = useApi();
  const queries = useQueryClient();
  const base = `/api/studies/${encodeURIComponent(studyInstanceUid)}/report`;
  return useMutation({
    mutationFn: (change: ReportChange) => (change.method === 'PUT' ? api.put<Report>(`${base}${change.path}`, change.body ?? {}) : api.post<Report>(`${base}${change.path}`, change.body)),
    onSuccess: (report) => {
      queries.setQueryData(reportKey(studyInstanceUid), report);
      void queries.invalidateQueries({ queryKey: ['worklist'] });
    },
  });
}

/** A value as typed: a number when it reads as one ("44,5" too), else the text (a category such as "4A"). */
export function typedValue(text: string): number | string {
  const trimmed = text.trim();
  const n = Number(trimmed.replace(',', '.'));
  return trimmed !== '' && Number.isFinite(n) ? n : trimmed;
}

/** Dialogs without Mantine's scroll lock: it injects a <style> element, which the CSP (style-src 'self') refuses. */
export const DIALOG_PROPS = { lockScroll: false } as const;
