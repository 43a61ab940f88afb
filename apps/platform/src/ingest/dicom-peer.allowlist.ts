import { BlockList, isIP } from 'node:net';

/** One allowed peer: an AE title (or any, `*`) from a set of addresses (or any). */
interface PeerEntry {
  aeTitle?: string;
  hosts?: BlockList;
}

/** Who may open a DICOM association (POLYRAD_DICOM_PEERS). `open` accepts anyone and must be chosen with `*`. */
export type DicomPeers = { open: true } | { open: false; entries: PeerEntry[] };

/** The default: any AE title, but only from this machine, so a fresh install is not an open door on the network. */
export const DEFAULT_DICOM_PEERS = '*@127.0.0.0/8,*@::1';

// PS3.5 6.2: AE is up to 16 characters, no backslash or control characters
const AE_TITLE = /^[^\\\x00-\x1f]{1,16}$/;

/**
 * Parses `AE@host`, `AE@cidr`, `AE` (any host) and `*@host` (any AE from that host), comma-separated;
 * `*` alone is the explicit open mode. Hosts are IP addresses or CIDR ranges, never names (DNS can be spoofed).
 */
export function parseDicomPeers(text: string): { peers: DicomPeers; problems: string[] } {
  const items = text.split(',').map((item) => item.trim()).filter(Boolean);
  if (items.length === 1 && items[0] === '*') return { peers: { open: true }, problems: [] };
  const problems: string[] = [];
  const entries: PeerEntry[] = [];
  for (const item of items) {
    const at = item.lastIndexOf('@');
    const ae = (at < 0 ? item : item.slice(0, at)).trim();
    const host = at < 0 ? undefined : item.slice(at + 1).trim();
    const entry: PeerEntry = {};
    if (ae !== '*') {
      if (!AE_TITLE.test(ae)) problems.push(`"${item}": the AE title must be 1 to 16 characters without a backslash (or * for any)`);
      entry.aeTitle = ae;
    }
    if (host !== undefined) {
      const hosts = hostList(host);
      if (!hosts) problems.push(`"${item}": "${host}" is not an IP address or CIDR range such as 10.0.0.5 or 10.0.0.0/24`);
      entry.hosts = hosts;
    }
    if (entry.aeTitle === undefined && entry.hosts === undefined) problems.push(`"${item}": "*" opens the listener to everyone and must be the only entry`);
    entries.push(entry);
  }
  if (entries.length === 0) problems.push('no peer given; use "*" to accept any peer, or e.g. CT1@10.0.0.5');
  return { peers: { open: false, entries }, problems };
}

function hostList(host: string): BlockList | undefined {
  const [address, prefix, ...rest] = host.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return undefined;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  const list = new BlockList();
  if (prefix === undefined) {
    list.addAddress(address, type);
    return list;
  }
  const bits = Number(prefix);
  if (!/^\d+$/.test(prefix) || bits > (family === 4 ? 32 : 128)) return undefined;
  list.addSubnet(address, bits, type);
  return list;
}

/** Whether a calling AE title from a remote address may associate. */
export function peerAllowed(peers: DicomPeers, callingAeTitle: string, remoteAddress: string | undefined): boolean {
  if (peers.open) return true;
  // a dual-stack listener reports IPv4 peers as ::ffff:a.b.c.d
  const address = remoteAddress?.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
  const family = address ? isIP(address) : 0;
  return peers.entries.some(
    (entry) =>
      (entry.aeTitle === undefined || entry.aeTitle === callingAeTitle) &&
      (entry.hosts === undefined || (family !== 0 && entry.hosts.check(address!, family === 4 ? 'ipv4' : 'ipv6'))),
  );
}
