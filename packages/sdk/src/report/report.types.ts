import type { AlgorithmFinding } from '../algorithm/algorithm.types.js';

export const DECISION_SUPPORT_NOTICE =
  'Decision support only: computer-generated measurements, unverified until a radiologist reviews and signs the report.';

export interface ReportFinding extends AlgorithmFinding {
  algorithm: { id: string; version: string };
  seriesInstanceUid: string;
}

export interface AlgorithmRun {
  id: string;
  version: string;
  status: 'succeeded' | 'failed' | 'skipped';
  reason?: string;
  durationMs?: number;
  seriesInstanceUid?: string;
  /** why this series was chosen when several could be used */
  selection?: string;
}

/** Why a plugin did or did not apply to a series (the stored form of a MatchDecision). */
export interface SeriesDecision {
  pluginId: string;
  pluginVersion: string;
  matched: boolean;
  score: number;
  reason: string;
}

export interface ReportPriority {
  level: 'urgent' | 'routine';
  reasons: string[];
}

/** report.json: the combined report of one study (DESIGN.md, "Public contracts"). */
export interface Report {
  study: { studyInstanceUid: string; patientId: string; studyDate: string; accessionNumber: string };
  series: Array<{ seriesInstanceUid: string; modality: string; fingerprint: Record<string, unknown>; decisions?: SeriesDecision[] }>;
  algorithms: AlgorithmRun[];
  findings: ReportFinding[];
  impression: string;
  warnings: string[];
  /** urgent when a finding needs prompt communication (worklist order, notification); reasons say which */
  priority?: ReportPriority;
  /** always "draft" until a radiologist signs */
  status: 'draft' | 'signed';
  disclaimer: string;
  generatedAt: string;
  generator: { name: 'polyrad'; version: string };
}
