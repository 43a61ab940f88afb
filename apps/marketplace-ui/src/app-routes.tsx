import type { ReactNode } from 'react';
import type { Role } from './api/api.types.js';
import { AuditPage } from './admin/audit-page.js';
import { CatalogPage } from './admin/catalog-page.js';
import { DeliveryLogPage } from './admin/delivery-log-page.js';
import { DestinationsPage } from './admin/destinations-page.js';
import { FeedbackMetricsPage } from './admin/feedback-metrics-page.js';
import { LearningPage } from './admin/learning-page.js';
import { PluginPage } from './admin/plugin-page.js';
import { ReportPage } from './reading/report-page.js';
import { WorklistPage } from './reading/worklist-page.js';
import { PublishPage } from './vendor/publish-page.js';
import { VendorMetricsPage } from './vendor/vendor-metrics-page.js';
import { VendorPluginsPage } from './vendor/vendor-plugins-page.js';

export interface NavItem {
  label: string;
  path: string;
}

interface Route {
  role: Role;
  pattern: RegExp;
  render(params: string[]): ReactNode;
}

/** Each role's screens; a path of another role's is refused (the API refuses its calls as well). */
export const NAVIGATION: Record<Role, NavItem[]> = {
  admin: [
    { label: 'Marketplace', path: '/marketplace' },
    { label: 'Audit log', path: '/audit' },
    { label: 'Reader feedback', path: '/feedback' },
    { label: 'Destinations', path: '/destinations' },
    { label: 'Delivery log', path: '/deliveries' },
    { label: 'Shadow & drift', path: '/learning' },
  ],
  vendor: [
    { label: 'My plugins', path: '/vendor/plugins' },
    { label: 'Publish', path: '/vendor/publish' },
    { label: 'Field metrics', path: '/vendor/metrics' },
  ],
  radiologist: [{ label: 'Worklist', path: '/worklist' }],
};

const ROUTES: Route[] = [
  { role: 'admin', pattern: /^\/marketplace$/, render: () => <CatalogPage /> },
  { role: 'admin', pattern: /^\/marketplace\/([^/]+)$/, render: ([id]) => <PluginPage pluginId={id!} /> },
  { role: 'admin', pattern: /^\/audit$/, render: () => <AuditPage /> },
  { role: 'admin', pattern: /^\/feedback$/, render: () => <FeedbackMetricsPage /> },
  { role: 'admin', pattern: /^\/destinations$/, render: () => <DestinationsPage /> },
  { role: 'admin', pattern: /^\/deliveries$/, render: () => <DeliveryLogPage /> },
  { role: 'admin', pattern: /^\/learning$/, render: () => <LearningPage /> },
  { role: 'vendor', pattern: /^\/vendor\/plugins$/, render: () => <VendorPluginsPage /> },
  { role: 'vendor', pattern: /^\/vendor\/publish$/, render: () => <PublishPage /> },
  { role: 'vendor', pattern: /^\/vendor\/metrics$/, render: () => <VendorMetricsPage /> },
  { role: 'radiologist', pattern: /^\/worklist$/, render: () => <WorklistPage /> },
  { role: 'radiologist', pattern: /^\/studies\/([^/]+)$/, render: ([uid]) => <ReportPage studyInstanceUid={uid!} /> },
];

export type Resolved = { kind: 'page'; node: ReactNode } | { kind: 'home' } | { kind: 'refused' } | { kind: 'unknown' };

export function resolveRoute(role: Role, path: string): Resolved {
  if (path === '/' || path === '') return { kind: 'home' };
  for (const route of ROUTES) {
    const match = route.pattern.exec(path);
    if (!match) continue;
    if (route.role !== role) return { kind: 'refused' };
    return { kind: 'page', node: route.render(match.slice(1).map(decodeURIComponent)) };
  }
  return { kind: 'unknown' };
}
