import { isIP } from 'node:net';

/** The PACS asked for a new study's priors by C-FIND and C-MOVE (POLYRAD_PRIOR_PACS). */
export interface PriorPacsConfig {
  /** the PACS's AE title (the called AE of C-FIND and C-MOVE) */
  aeTitle: string;
  host: string;
  port: number;
  /** ms to connect and to wait for each answer (POLYRAD_PRIOR_PACS_TIMEOUT_S, default 60 s) */
  timeoutMs: number;
}

const AE_TITLE = /^[^\\\x00-\x1f]{1,16}$/;
const HOST_NAME = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/i;

/**
 * Parses `AE@host:port` (e.g. `PACS@10.0.0.8:104`, `ORTHANC@[::1]:4242`); undefined with a problem line when
 * malformed. The host is an address or a name: the administrator names the PACS, no client can.
 */
export function parsePriorPacs(value: string, timeoutMs: number): { pacs?: PriorPacsConfig; problem?: string } {
  const match = /^(.+)@(\[[0-9a-f:.]+\]|[^:@[\]]+):(\d{1,5})$/i.exec(value.trim());
  const host = match?.[2].replace(/^\[(.*)\]$/, '$1');
  const port = Number(match?.[3]);
  if (!match || !AE_TITLE.test(match[1].trim()) || !(isIP(host!) !== 0 || HOST_NAME.test(host!)) || port < 1 || port > 65535) {
    return { problem: `POLYRAD_PRIOR_PACS must be AE@host:port (the PACS's AE title, 1 to 16 characters, its address and DICOM port), e.g. PACS@10.0.0.8:104, got ${JSON.stringify(value)}` };
  }
  return { pacs: { aeTitle: match[1].trim(), host: host!, port, timeoutMs } };
}
