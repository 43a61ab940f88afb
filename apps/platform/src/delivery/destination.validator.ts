import { isIP } from 'node:net';
import { PolyradError } from '@polyrad/sdk';
import { isAllowedUrl } from './delivery.config.js';
import { DELIVERY_DESTINATION_INVALID, DELIVERY_HOST_NOT_ALLOWED } from './delivery.errors.js';
import { RoutingConfigError, type Destination, type DeliveryOutput, type RoutingRule } from './delivery-routing.js';

const KINDS: Array<Destination['kind']> = ['dicom-store', 'dicomweb', 'fhir', 'hl7-mllp'];
const OUTPUTS: DeliveryOutput[] = ['sr', 'fhir', 'hl7', 'pdf'];
const FIELDS: Record<Destination['kind'], string[]> = {
  'dicom-store': ['host', 'port', 'calledAeTitle', 'callingAeTitle'],
  dicomweb: ['url', 'token'],
  fhir: ['url', 'token'],
  'hl7-mllp': ['host', 'port'],
};
const DESTINATION_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*$/;
// PS3.5 6.2: up to 16 characters of the default repertoire, no backslash or control characters, not only spaces
const AE_TITLE = /^[\x20-\x5b\x5d-\x7e]{1,16}$/;

function invalid(message: string, subject?: string): PolyradError {
  return new PolyradError(DELIVERY_DESTINATION_INVALID, message, subject);
}

export function assertDestinationId(id: string): void {
  if (!DESTINATION_ID.test(id)) throw invalid(`destination id ${JSON.stringify(id.slice(0, 80))} must be 1-64 letters, digits, dots, dashes or underscores`);
}

function host(value: unknown): string {
  if (typeof value !== 'string' || !(HOST_NAME.test(value) || isIP(value) !== 0)) throw invalid('host must be a host name or an IP address, e.g. pacs.hospital.org or 10.0.0.5');
  return value;
}

function port(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65535) throw invalid('port must be an integer from 1 to 65535');
  return value;
}

function aeTitle(value: unknown, field: string): string {
  if (typeof value !== 'string' || !AE_TITLE.test(value) || value.trim() === '') throw invalid(`${field} must be a DICOM AE title: 1-16 characters, no backslash, not only spaces`);
  return value.trim();
}

function url(value: unknown, allowedHosts: string[]): string {
  let parsed: URL;
  try {
    parsed = new URL(typeof value === 'string' ? value : '');
  } catch {
    throw invalid('url must be an http:// or https:// URL, e.g. https://ehr.hospital.org/fhir');
  }
  if (!['http:', 'https:'].includes(parsed.protocol)) throw invalid('url must be an http:// or https:// URL, e.g. https://ehr.hospital.org/fhir');
  if (parsed.username || parsed.password) throw invalid('url must not hold credentials: give a bearer token in "token"');
  if (parsed.search || parsed.hash) throw invalid('url must be the service root, without query or fragment');
  assertAllowedUrl(parsed, allowedHosts);
  return parsed.toString().replace(/\/$/, '');
}

/** Refuses a URL whose host is not in POLYRAD_DELIVERY_ALLOWED_HOSTS (checked when saved and again before each send). */
export function assertAllowedUrl(parsed: URL, allowedHosts: string[]): void {
  if (!isAllowedUrl(parsed, allowedHosts)) {
    throw new PolyradError(
      DELIVERY_HOST_NOT_ALLOWED,
      `${parsed.host} is not an allowed delivery host; an administrator of the server lists it in POLYRAD_DELIVERY_ALLOWED_HOSTS${allowedHosts.length ? ` (now: ${allowedHosts.join(', ')})` : ' (now empty)'}`,
      parsed.host,
    );
  }
}

/** A destination from an API body `{ kind, ...settings }` (the id comes from the path or the body), refused field by field. */
export function parseDestination(id: string, body: Record<string, unknown>, allowedHosts: string[]): Destination {
  assertDestinationId(id);
  const kind = body.kind as Destination['kind'];
  if (!KINDS.includes(kind)) throw invalid(`kind must be one of ${KINDS.join(', ')}`);
  const unknown = Object.keys(body).filter((key) => key !== 'kind' && key !== 'id' && !FIELDS[kind].includes(key));
  if (unknown.length) throw invalid(`${kind} destinations take ${FIELDS[kind].join(', ')}; not ${unknown.join(', ')}`);
  switch (kind) {
    case 'dicom-store':
      return {
        id,
        kind,
        host: host(body.host),
        port: port(body.port),
        calledAeTitle: aeTitle(body.calledAeTitle, 'calledAeTitle'),
        ...(body.callingAeTitle === undefined ? {} : { callingAeTitle: aeTitle(body.callingAeTitle, 'callingAeTitle') }),
      };
    case 'hl7-mllp':
      return { id, kind, host: host(body.host), port: port(body.port) };
    case 'dicomweb':
    case 'fhir': {
      if (body.token !== undefined && (typeof body.token !== 'string' || !/^[\x21-\x7e]{1,4096}$/.test(body.token))) throw invalid('token must be 1-4096 printable characters without spaces');
      return { id, kind, url: url(body.url, allowedHosts), ...(body.token === undefined ? {} : { token: body.token as string }) };
    }
  }
}

function list<T extends string>(value: unknown, field: string, allowed?: readonly T[]): T[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'string' && v.length > 0 && v.length <= 64 && (!allowed || allowed.includes(v as T)))) {
    throw new RoutingConfigError(`${field} must be a non-empty list${allowed ? ` of ${allowed.join(', ')}` : ' of strings'}`, field);
  }
  return value as T[];
}

/** The rules of an API body (a list, applied in order); checkRouting then ties them to the site's destinations. */
export function parseRules(body: unknown): RoutingRule[] {
  if (!Array.isArray(body) || body.length > 100) throw new RoutingConfigError('the rules must be a list of at most 100 rules', 'rules');
  return body.map((raw: unknown, i) => {
    const rule = (raw ?? {}) as Record<string, unknown>;
    const where = `rule ${i + 1}`;
    if (typeof raw !== 'object' || Array.isArray(raw)) throw new RoutingConfigError('must be an object', where);
    const unknown = Object.keys(rule).filter((k) => !['destination', 'outputs', 'modalities', 'priorities', 'statuses'].includes(k));
    if (unknown.length) throw new RoutingConfigError(`takes destination, outputs, modalities, priorities, statuses; not ${unknown.join(', ')}`, where);
    if (typeof rule.destination !== 'string') throw new RoutingConfigError('needs a destination id', where);
    const modalities = list(rule.modalities, `${where} modalities`);
    const priorities = list(rule.priorities, `${where} priorities`, ['urgent', 'routine'] as const);
    const statuses = list(rule.statuses, `${where} statuses`, ['draft', 'signed'] as const);
    const outputs = list(rule.outputs ?? null, `${where} outputs`, OUTPUTS) as DeliveryOutput[];
    return {
      destination: rule.destination,
      outputs,
      ...(modalities ? { modalities } : {}),
      ...(priorities ? { priorities } : {}),
      ...(statuses ? { statuses } : {}),
    };
  });
}
