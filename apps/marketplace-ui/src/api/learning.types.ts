import type { PluginVersionMetrics } from './api.types.js';

/** GET /api/vendor/metrics: one of the vendor's plugin versions, pooled over the sites that share their metrics. */
export type VendorPluginMetrics = Omit<PluginVersionMetrics, 'site'> & { sites: number };

/** GET/PUT /api/sites/{site}/policy */
export interface SitePolicy {
  site: string;
  shareMetricsWithVendors: boolean;
  allowDatasetExport: boolean;
  updatedAt: string | null;
  updatedBy: string | null;
}

/** GET /api/sites/{site}/shadows */
export interface ShadowView {
  site: string;
  algorithmId: string;
  version: string;
  startedAt: string;
  startedBy: string;
}

/** GET /api/sites/{site}/plugins/{id}/shadow/comparison (the summary the admin page shows) */
export interface ShadowComparisonView {
  pluginId: string;
  activeVersion: string | null;
  shadowVersion: string;
  studies: number;
  failures: { active: number; shadow: number };
  agreement: { matched: number; onlyActive: number; onlyShadow: number; categoryAgreement: number | null; meanAbsValueDifference: number | null };
  againstReader: {
    reviewed: number;
    rejectedByReader: number;
    activeMeanAbsError: number | null;
    shadowMeanAbsError: number | null;
    activeCategoryAgreement: number | null;
    shadowCategoryAgreement: number | null;
  };
}

/** GET /api/drift/alerts */
export interface DriftAlertView {
  id: number;
  site: string;
  pluginId: string;
  pluginVersion: string;
  kind: 'operating-range' | 'output-shift';
  subject: string;
  message: string;
  occurrences: number;
  status: 'open' | 'acknowledged';
  firstAt: string;
  lastAt: string;
}

/** GET /api/vendor/failed-runs: a failed run of one of the vendor's plugins, with its redacted stack and stderr */
export interface VendorFailedRun {
  id: number;
  pluginId: string;
  pluginVersion: string;
  reason: string | null;
  at: string;
  stack?: string;
  stderr?: string;
}
