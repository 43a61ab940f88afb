import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './delivery-retry.js';

/** How the platform delivers stored reports by itself (POLYRAD_DELIVERY_*). */
export interface DeliveryConfig {
  /**
   * Hosts a DICOMweb or FHIR destination's URL may name, each `host` (any port) or `host:port`, lower case
   * (POLYRAD_DELIVERY_ALLOWED_HOSTS): an admin cannot make the server call anything else by HTTP.
   */
  allowedHosts: string[];
  /** attempts per (re-)send and the backoff between them */
  retry: RetryPolicy;
  /** how often the worker looks for due deliveries besides being woken by a new report, ms */
  pollMs: number;
}

export const DEFAULT_DELIVERY_CONFIG: DeliveryConfig = { allowedHosts: [], retry: DEFAULT_RETRY_POLICY, pollMs: 1000 };

const HOST_ENTRY = /^(\[[0-9a-f:.]+\]|[a-z0-9]([a-z0-9.-]*[a-z0-9])?)(:\d{1,5})?$/;

/** The allow-list from POLYRAD_DELIVERY_ALLOWED_HOSTS (comma-separated), with a problem line per bad entry. */
export function parseAllowedHosts(value: string | undefined): { hosts: string[]; problems: string[] } {
  const hosts: string[] = [];
  const problems: string[] = [];
  for (const entry of (value ?? '').split(',').map((e) => e.trim().toLowerCase()).filter(Boolean)) {
    if (HOST_ENTRY.test(entry) && Number(entry.match(/:(\d+)$/)?.[1] ?? 1) <= 65535) hosts.push(entry);
    else problems.push(`POLYRAD_DELIVERY_ALLOWED_HOSTS: ${JSON.stringify(entry)} is not a host or host:port (e.g. pacs.hospital.org,10.0.0.8:8042)`);
  }
  return { hosts, problems };
}

/** Whether `url` (already parsed) names an allowed host, with its port when the entry gives one. */
export function isAllowedUrl(url: URL, allowedHosts: string[]): boolean {
  const host = url.hostname.toLowerCase();
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return allowedHosts.some((entry) => entry === host || entry === `${host}:${port}`);
}
