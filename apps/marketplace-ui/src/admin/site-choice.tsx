import { Select } from '@mantine/core';
import { useSession } from '../auth/session.js';
import { navigate, useLocation } from '../router.js';

/** The sites an admin acts on: their own, or the default site for an all-sites admin. */
export function adminSites(sites: string[]): string[] {
  const own = sites.filter((s) => s !== '*');
  return sites.includes('*') ? ['default', ...own.filter((s) => s !== 'default')] : own;
}

/** The site the admin screens act on, kept in the URL (`?site=`) so a link keeps it. */
export function useSite(): { site: string; sites: string[]; setSite(site: string): void } {
  const { user } = useSession();
  const { path, query } = useLocation();
  const sites = adminSites(user?.sites ?? []);
  const wanted = query.get('site');
  const site = wanted && sites.includes(wanted) ? wanted : (sites[0] ?? 'default');
  return { site, sites, setSite: (next) => navigate(`${path}?site=${encodeURIComponent(next)}`, { replace: true }) };
}

export function SitePicker() {
  const { site, sites, setSite } = useSite();
  return <Select label="Site" data={sites} value={site} allowDeselect={false} onChange={(value) => value && setSite(value)} w={180} />;
}
