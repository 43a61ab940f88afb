import type { AlgorithmManifest } from '@polyrad/sdk';

export type { AlgorithmManifest, AlgorithmRun, ReaderFinding, RejectionReason, Report, ReportFinding } from '@polyrad/sdk';

/** The API's shapes the app reads (apps/platform: auth, registry, studies). */
export type Role = 'admin' | 'radiologist' | 'vendor';

export interface UserView {
  username: string;
  role: Role;
  sites: string[];
  vendorId: string | null;
}

export interface TokenAnswer {
  accessToken: string;
  /** seconds */
  expiresIn: number;
  refreshToken: string;
  user: UserView;
}

export interface PluginVersionView {
  version: string;
  manifest: AlgorithmManifest;
  digest: string | null;
  signed: boolean;
  publishedAt: string;
  publishedBy: string;
}

export interface SiteEnablementView {
  site: string;
  enabled: boolean;
  versionPin: string | null;
  config: Record<string, unknown>;
  resolvedVersion: string | null;
  updatedAt: string;
  updatedBy: string;
}

export interface PluginView {
  id: string;
  name: string;
  vendor: { id: string; name: string; firstParty: boolean };
  /** newest first */
  versions: PluginVersionView[];
  enablement: SiteEnablementView | null;
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  subject: string;
  details: Record<string, unknown>;
}

export interface PublishedVersion {
  id: string;
  version: string;
  vendorId: string;
}

export interface WorklistEntry {
  studyInstanceUid: string;
  patientId: string;
  studyDate: string;
  accessionNumber: string;
  priority: 'urgent' | 'routine';
  reasons: string[];
  reportVersion: number;
  generatedAt: string;
  status: 'draft' | 'signed';
}

/** What the reader-feedback page shows of one plugin version at one site (GET /api/metrics/plugins). */
export interface PluginVersionMetrics {
  pluginId: string;
  pluginVersion: string;
  site: string;
  /** findings with a reader decision, and the share accepted (null before any) */
  reviewed: number;
  acceptanceRate: number | null;
  rejectionReasons: Record<string, number>;
  /** edits, and the mean and 95th percentile of |reader - algorithm| over numeric ones */
  edited: number;
  meanEditSize: number | null;
  p95EditSize: number | null;
  categoryChanges: number;
  missedFindingsAdded: number;
  /** runs of this version at the site (shadow runs apart), failures, run time and not-assessed findings */
  runs: number;
  failed: number;
  failureRate: number | null;
  p50DurationMs: number | null;
  p95DurationMs: number | null;
  findings: number;
  notAssessed: number;
  notAssessedRate: number | null;
}
