import { realpathSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { PolyradError } from '@polyrad/sdk';
import { DEFAULT_DELIVERY_CONFIG, parseAllowedHosts, type DeliveryConfig } from '../delivery/delivery.config.js';
import type { DicomIntakeLimits } from '../ingest/dicom-pdu.guard.js';
import { DEFAULT_DICOM_PEERS, parseDicomPeers, type DicomPeers } from '../ingest/dicom-peer.allowlist.js';
import type { SandboxMode, SandboxSettings } from '../pipeline/execution/plugin-sandbox.js';
import { parsePriorPacs, type PriorPacsConfig } from '../priors/prior-pacs.config.js';

/** Everything the server reads from its environment, validated once at start. */
export interface AppConfig {
  /** HTTP port (0 picks a free one, used by tests). */
  port: number;
  /** DICOM C-STORE SCP port. */
  dicomPort: number;
  /** Absolute path of the data directory (embedded database, DICOM files). */
  dataDir: string;
  /** A real PostgreSQL server; when absent the embedded PGlite in `${dataDir}/pg` is used. */
  databaseUrl?: string;
  /** How long one call to DATABASE_URL may take before it is answered as an outage (POLYRAD_DB_TIMEOUT_S; 10 s by default). */
  databaseTimeoutMs?: number;
  /** A received study is analysed once no instance of it has arrived for this long (POLYRAD_QUIET_PERIOD_S). */
  quietPeriodMs: number;
  /** POSTed a JSON notice whenever a study's report is urgent (POLYRAD_URGENT_WEBHOOK). */
  urgentWebhookUrl?: string;
  /**
   * Real paths of the server folders `POST /api/studies/analyze` may read (POLYRAD_IMPORT_ROOTS, separated
   * by ':'); absent turns analyse-from-path off.
   */
  importRoots?: string[];
  /** Who may send DICOM and the listener's limits (POLYRAD_DICOM_*); absent in hand-built configs, where DEFAULT_DICOM_INTAKE applies. */
  dicomIntake?: DicomIntakeConfig;
  /**
   * Received images are deleted this long after their study's report was signed, and only once the signed
   * report has been delivered to every destination it is routed to (POLYRAD_RETENTION_DAYS); absent: kept forever.
   */
  retentionMs?: number;
  /** Largest STOW-RS request body (POLYRAD_DICOMWEB_MAX_REQUEST_MB; DEFAULT_DICOMWEB_MAX_REQUEST_BYTES when absent); each instance in it is bounded by dicomIntake's maxInstanceBytes. */
  dicomwebMaxRequestBytes?: number;
  /** Sign-in, tokens, rate limits and web protections. */
  auth: AuthConfig;
  /** How plugin workers are sandboxed (POLYRAD_SANDBOX, POLYRAD_ALLOW_UNSANDBOXED); loadConfig always sets it. */
  sandbox?: SandboxSettings;
  /** Server-side delivery of stored reports (POLYRAD_DELIVERY_*); DEFAULT_DELIVERY_CONFIG when absent. */
  delivery?: DeliveryConfig;
  /** Plugin jobs go to `polyrad worker` processes through RabbitMQ (POLYRAD_BROKER_URL); absent: local worker processes. */
  broker?: BrokerSettings;
  /** The PACS asked for each new study's prior by C-FIND and C-MOVE (POLYRAD_PRIOR_PACS); absent: priors only among stored studies. */
  priorPacs?: PriorPacsConfig;
}

/** Where plugin jobs go when they run on `polyrad worker` hosts instead of local child processes. */
export interface BrokerSettings {
  /** amqp:// or amqps:// URL of the RabbitMQ broker (POLYRAD_BROKER_URL). */
  url: string;
  /** Name of the durable job queue; the retry and dead-letter queues are named after it (POLYRAD_BROKER_QUEUE, default polyrad.jobs). */
  queue: string;
  /** Folder every platform and worker host sees at the same path: job inputs and results travel through it (POLYRAD_JOB_STORE, default `<data dir>/jobs`). */
  storeDir: string;
  /** Deliveries a job gets before it is dead-lettered when a worker cannot process it (POLYRAD_BROKER_MAX_ATTEMPTS, default 3). */
  maxAttempts: number;
  /** Wait before the first retry; each further retry waits twice as long (POLYRAD_BROKER_RETRY_S, default 5). */
  retryDelayMs: number;
}

/** Argon2id cost; OWASP's minimum (19 MiB, 2 passes, 1 lane) unless a test lowers it programmatically. */
export interface PasswordHashParams {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

export const OWASP_ARGON2ID: PasswordHashParams = { memoryCost: 19456, timeCost: 2, parallelism: 1 };

export interface AuthConfig {
  /** Password of the user `admin` created at the first start (POLYRAD_ADMIN_PASSWORD); generated and printed once when absent. */
  adminPassword?: string;
  /** HS256 key of the access tokens (POLYRAD_JWT_SECRET); otherwise generated once into `${dataDir}/jwt-secret` (mode 0600). */
  jwtSecret?: string;
  accessTokenTtlS: number;
  refreshTokenTtlS: number;
  /** Sign-in attempts per minute per client IP and per username (POLYRAD_LOGIN_RATE_LIMIT_IP / _USER). */
  loginPerMinutePerIp: number;
  loginPerMinutePerUser: number;
  /** API requests per minute per signed-in user, or per IP before sign-in (POLYRAD_API_RATE_LIMIT). */
  apiPerMinute: number;
  /** Origins allowed to call the API from a browser (POLYRAD_CORS_ORIGINS, comma-separated); none by default. */
  corsOrigins: string[];
  /** Send HSTS: the platform is reached over TLS (POLYRAD_PUBLIC_URL starts with https://, or POLYRAD_HSTS=1). */
  hsts: boolean;
  /** Slow clients: the whole request head, and the whole request, must arrive within these (POLYRAD_HTTP_*_TIMEOUT_S). */
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  /** Express `trust proxy` (POLYRAD_TRUST_PROXY: hop count or addresses), so rate limits see clients, not the proxy. */
  trustProxy: false | number | string;
  passwordHash: PasswordHashParams;
  /** Sign-in through the hospital's OpenID Connect provider (POLYRAD_OIDC_*); absent: passwords only. */
  oidc?: OidcConfig;
}

/** A value of the role claim, and the role and sites a user who has it gets (the first match in order wins). */
export interface OidcRoleMapping {
  value: string;
  role: 'admin' | 'radiologist';
  sites: string[];
}

export interface OidcConfig {
  /** The provider's issuer URL (POLYRAD_OIDC_ISSUER); https, or http on a loopback address. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Where the provider sends the browser back: the web app's /login/oidc (POLYRAD_OIDC_REDIRECT_URI). */
  redirectUri: string;
  /** The ID token claim holding the user's groups or roles (POLYRAD_OIDC_ROLE_CLAIM, default `groups`). */
  roleClaim: string;
  /** POLYRAD_OIDC_ROLES: `value=role@site+site,...`, e.g. `radiology=radiologist@default,pacs-admins=admin@*`. */
  roles: OidcRoleMapping[];
  /** The sign-in button's text (POLYRAD_OIDC_LABEL). */
  label: string;
}

export interface DicomIntakeConfig extends DicomIntakeLimits {
  peers: DicomPeers;
}

export const DEFAULT_DICOM_INTAKE: DicomIntakeConfig = {
  peers: parseDicomPeers(DEFAULT_DICOM_PEERS).peers,
  maxPduBytes: 1024 * 1024,
  maxInstanceBytes: 2048 * 1024 * 1024,
  maxAssociations: 16,
  timeoutMs: 60_000,
};

export const DEFAULT_DICOMWEB_MAX_REQUEST_BYTES = 4096 * 1024 ** 2;

/** Injection token for AppConfig (an interface has no runtime class to inject by). */
export const APP_CONFIG = Symbol('APP_CONFIG');

export const CONFIG_INVALID = 'CONFIG_INVALID';

type Env = Record<string, string | undefined>;

/**
 * Reads and validates the server configuration. Every invalid variable is named in one
 * PolyradError (code CONFIG_INVALID) so a misconfigured start fails with one clear line.
 */
export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): AppConfig {
  const problems: string[] = [];
  const port = readPort(env, 'PORT', 3000, problems);
  const dicomPort = readPort(env, 'DICOM_PORT', 11112, problems);
  const dataDir = resolve(cwd, nonEmpty(env.POLYRAD_DATA_DIR) ?? './data');
  const databaseUrl = nonEmpty(env.DATABASE_URL);
  if (databaseUrl !== undefined && !isPostgresUrl(databaseUrl)) {
    problems.push('DATABASE_URL must be a postgres:// or postgresql:// URL, e.g. postgres://user:password@host:5432/polyrad');
  }
  const quietPeriodS = readNumber(env, 'POLYRAD_QUIET_PERIOD_S', 30, 0, 86400, problems);
  const databaseTimeoutS = readNumber(env, 'POLYRAD_DB_TIMEOUT_S', 10, 1, 3600, problems);
  const urgentWebhookUrl = nonEmpty(env.POLYRAD_URGENT_WEBHOOK);
  if (urgentWebhookUrl !== undefined && !isHttpUrl(urgentWebhookUrl)) {
    problems.push('POLYRAD_URGENT_WEBHOOK must be an http:// or https:// URL, e.g. https://ris.example.org/hooks/urgent');
  }
  const importRoots = readImportRoots(env, cwd, problems);
  const dicomIntake = readDicomIntake(env, problems);
  const dicomwebMaxRequestMb = nonEmpty(env.POLYRAD_DICOMWEB_MAX_REQUEST_MB) === undefined ? undefined : readNumber(env, 'POLYRAD_DICOMWEB_MAX_REQUEST_MB', 0, 1, 1024 * 1024, problems);
  // fractions of a day are allowed, so a site can try the policy out in hours
  const retentionDays = nonEmpty(env.POLYRAD_RETENTION_DAYS) === undefined ? undefined : readNumber(env, 'POLYRAD_RETENTION_DAYS', 0, 0, 36500, problems);
  const auth = readAuthConfig(env, problems);
  const sandbox = readSandboxSettings(env, problems);
  const delivery = readDeliveryConfig(env, problems);
  const broker = readBrokerSettings(env, cwd, problems);
  const priorPacs = readPriorPacs(env, problems);
  if (problems.length > 0) {
    throw new PolyradError(CONFIG_INVALID, `invalid configuration: ${problems.join('; ')}`);
  }
  return {
    sandbox,
    delivery,
    ...(broker === undefined ? {} : { broker }),
    ...(priorPacs === undefined ? {} : { priorPacs }),
    port,
    dicomPort,
    dataDir,
    quietPeriodMs: Math.round(quietPeriodS * 1000),
    databaseTimeoutMs: Math.round(databaseTimeoutS * 1000),
    ...(importRoots.length === 0 ? {} : { importRoots }),
    dicomIntake,
    ...(dicomwebMaxRequestMb === undefined ? {} : { dicomwebMaxRequestBytes: Math.round(dicomwebMaxRequestMb * 1024 ** 2) }),
    ...(retentionDays === undefined ? {} : { retentionMs: Math.round(retentionDays * 86_400_000) }),
    auth,
    ...(databaseUrl === undefined ? {} : { databaseUrl }),
    ...(urgentWebhookUrl === undefined ? {} : { urgentWebhookUrl }),
  };
}

/** Each root must exist as a folder; it is kept as its real path so links cannot widen it later. */
function readImportRoots(env: Env, cwd: string, problems: string[]): string[] {
  const roots: string[] = [];
  for (const entry of (nonEmpty(env.POLYRAD_IMPORT_ROOTS) ?? '').split(':').filter((p) => p.trim() !== '')) {
    try {
      const real = realpathSync(resolve(cwd, entry.trim()));
      if (!statSync(real).isDirectory()) throw new Error('not a folder');
      roots.push(real);
    } catch {
      problems.push(`POLYRAD_IMPORT_ROOTS: ${entry.trim()} is not an existing folder`);
    }
  }
  return roots;
}

function readDicomIntake(env: Env, problems: string[]): DicomIntakeConfig {
  const peers = parseDicomPeers(nonEmpty(env.POLYRAD_DICOM_PEERS) ?? DEFAULT_DICOM_PEERS);
  problems.push(...peers.problems.map((problem) => `POLYRAD_DICOM_PEERS ${problem}`));
  const d = DEFAULT_DICOM_INTAKE;
  return {
    peers: peers.peers,
    maxPduBytes: Math.round(readNumber(env, 'POLYRAD_DICOM_MAX_PDU_KB', d.maxPduBytes / 1024, 64, 16384, problems) * 1024),
    maxInstanceBytes: Math.round(readNumber(env, 'POLYRAD_DICOM_MAX_INSTANCE_MB', d.maxInstanceBytes / 1024 ** 2, 1, 65536, problems) * 1024 ** 2),
    maxAssociations: Math.round(readNumber(env, 'POLYRAD_DICOM_MAX_ASSOCIATIONS', d.maxAssociations, 1, 1000, problems)),
    timeoutMs: Math.round(readNumber(env, 'POLYRAD_DICOM_TIMEOUT_S', d.timeoutMs / 1000, 1, 3600, problems) * 1000),
  };
}

function readDeliveryConfig(env: Env, problems: string[]): DeliveryConfig {
  const { hosts, problems: hostProblems } = parseAllowedHosts(env.POLYRAD_DELIVERY_ALLOWED_HOSTS);
  problems.push(...hostProblems);
  const d = DEFAULT_DELIVERY_CONFIG.retry;
  const initialDelayS = readNumber(env, 'POLYRAD_DELIVERY_RETRY_S', d.initialDelayMs / 1000, 0.01, 86400, problems);
  const maxDelayS = readNumber(env, 'POLYRAD_DELIVERY_RETRY_MAX_S', d.maxDelayMs / 1000, 0.01, 7 * 86400, problems);
  if (maxDelayS < initialDelayS) problems.push('POLYRAD_DELIVERY_RETRY_MAX_S must not be below POLYRAD_DELIVERY_RETRY_S');
  return {
    ...DEFAULT_DELIVERY_CONFIG,
    allowedHosts: hosts,
    retry: {
      attempts: Math.round(readNumber(env, 'POLYRAD_DELIVERY_MAX_ATTEMPTS', d.attempts, 1, 1000, problems)),
      initialDelayMs: Math.round(initialDelayS * 1000),
      maxDelayMs: Math.round(maxDelayS * 1000),
    },
  };
}

function readPriorPacs(env: Env, problems: string[]): PriorPacsConfig | undefined {
  const value = nonEmpty(env.POLYRAD_PRIOR_PACS);
  if (value === undefined) return undefined;
  const timeoutS = readNumber(env, 'POLYRAD_PRIOR_PACS_TIMEOUT_S', 60, 1, 3600, problems);
  const { pacs, problem } = parsePriorPacs(value, Math.round(timeoutS * 1000));
  if (problem) problems.push(problem);
  return pacs;
}

const SANDBOX_MODES: SandboxMode[] = ['auto', 'required', 'off'];

function readSandboxSettings(env: Env, problems: string[]): SandboxSettings {
  const mode = (nonEmpty(env.POLYRAD_SANDBOX) ?? 'auto').toLowerCase();
  if (!SANDBOX_MODES.includes(mode as SandboxMode)) problems.push(`POLYRAD_SANDBOX must be one of ${SANDBOX_MODES.join(', ')}, got ${JSON.stringify(env.POLYRAD_SANDBOX)}`);
  const allow = nonEmpty(env.POLYRAD_ALLOW_UNSANDBOXED) ?? '0';
  if (!['0', '1'].includes(allow)) problems.push(`POLYRAD_ALLOW_UNSANDBOXED must be 1 (run third-party plugins without the sandbox) or 0, got ${JSON.stringify(env.POLYRAD_ALLOW_UNSANDBOXED)}`);
  return { mode: SANDBOX_MODES.includes(mode as SandboxMode) ? (mode as SandboxMode) : 'auto', allowUnsandboxed: allow === '1' };
}

/**
 * The plugin sandbox settings alone, for what runs plugins without the server's whole configuration
 * (the CLI's executor); the same rules as loadConfig.
 */
export function loadSandboxSettings(env: Env = process.env): SandboxSettings {
  const problems: string[] = [];
  const settings = readSandboxSettings(env, problems);
  if (problems.length > 0) throw new PolyradError(CONFIG_INVALID, `invalid configuration: ${problems.join('; ')}`);
  return settings;
}

function readBrokerSettings(env: Env, cwd: string, problems: string[]): BrokerSettings | undefined {
  const url = nonEmpty(env.POLYRAD_BROKER_URL);
  if (url === undefined) return undefined;
  if (!hasProtocol(url, ['amqp:', 'amqps:'])) problems.push('POLYRAD_BROKER_URL must be an amqp:// or amqps:// URL, e.g. amqp://polyrad:password@broker.hospital.org:5672');
  const queue = nonEmpty(env.POLYRAD_BROKER_QUEUE) ?? 'polyrad.jobs';
  // the retry and dead-letter queues append to it, and RabbitMQ caps a queue name at 255 bytes
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/.test(queue)) problems.push(`POLYRAD_BROKER_QUEUE must be 1 to 200 letters, digits, '.', '_' or '-', got ${JSON.stringify(env.POLYRAD_BROKER_QUEUE)}`);
  const retryS = readNumber(env, 'POLYRAD_BROKER_RETRY_S', 5, 0.01, 3600, problems);
  return {
    url,
    queue,
    storeDir: resolve(cwd, nonEmpty(env.POLYRAD_JOB_STORE) ?? join(nonEmpty(env.POLYRAD_DATA_DIR) ?? './data', 'jobs')),
    maxAttempts: Math.round(readNumber(env, 'POLYRAD_BROKER_MAX_ATTEMPTS', 3, 1, 20, problems)),
    retryDelayMs: Math.round(retryS * 1000),
  };
}

/**
 * The broker settings alone, for what runs plugins without the server's whole configuration (the CLI's
 * analyze and `polyrad worker`); undefined when POLYRAD_BROKER_URL is not set. The same rules as loadConfig.
 */
export function loadBrokerSettings(env: Env = process.env, cwd: string = process.cwd()): BrokerSettings | undefined {
  const problems: string[] = [];
  const settings = readBrokerSettings(env, cwd, problems);
  if (problems.length > 0) throw new PolyradError(CONFIG_INVALID, `invalid configuration: ${problems.join('; ')}`);
  return settings;
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function readPort(env: Env, name: string, fallback: number, problems: string[]): number {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value > 65535) {
    problems.push(`${name} must be an integer from 0 to 65535, got ${JSON.stringify(env[name])}`);
    return fallback;
  }
  return value;
}

function readNumber(env: Env, name: string, fallback: number, min: number, max: number, problems: string[]): number {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    problems.push(`${name} must be a number from ${min} to ${max}, got ${JSON.stringify(env[name])}`);
    return fallback;
  }
  return value;
}

function hasProtocol(value: string, protocols: string[]): boolean {
  try {
    return protocols.includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

const isPostgresUrl = (value: string): boolean => hasProtocol(value, ['postgres:', 'postgresql:']);
const isHttpUrl = (value: string): boolean => hasProtocol(value, ['http:', 'https:']);

const PROXY_KEYWORDS = ['loopback', 'linklocal', 'uniquelocal'];

function readAuthConfig(env: Env, problems: string[]): AuthConfig {
  const adminPassword = env.POLYRAD_ADMIN_PASSWORD === undefined || env.POLYRAD_ADMIN_PASSWORD === '' ? undefined : env.POLYRAD_ADMIN_PASSWORD;
  if (adminPassword !== undefined && (adminPassword.length < 12 || adminPassword.length > 256)) {
    problems.push('POLYRAD_ADMIN_PASSWORD must be 12 to 256 characters long (or unset, to have one generated and printed once)');
  }
  const jwtSecret = nonEmpty(env.POLYRAD_JWT_SECRET);
  if (jwtSecret !== undefined && jwtSecret.length < 32) problems.push('POLYRAD_JWT_SECRET must be at least 32 characters (e.g. `openssl rand -base64 48`)');
  const corsOrigins: string[] = [];
  for (const item of (nonEmpty(env.POLYRAD_CORS_ORIGINS) ?? '').split(',').map((o) => o.trim()).filter(Boolean)) {
    const origin = isHttpUrl(item) ? new URL(item).origin : undefined;
    if (origin === undefined || origin !== item.replace(/\/$/, '')) {
      problems.push(`POLYRAD_CORS_ORIGINS must list origins like https://ris.example.org (scheme, host, optional port), got ${JSON.stringify(item)}`);
    } else corsOrigins.push(origin);
  }
  const publicUrl = nonEmpty(env.POLYRAD_PUBLIC_URL);
  if (publicUrl !== undefined && !isHttpUrl(publicUrl)) problems.push('POLYRAD_PUBLIC_URL must be an http:// or https:// URL, e.g. https://polyrad.hospital.org');
  const hstsFlag = nonEmpty(env.POLYRAD_HSTS);
  if (hstsFlag !== undefined && hstsFlag !== '0' && hstsFlag !== '1') problems.push('POLYRAD_HSTS must be 1 or 0');
  const headersTimeoutS = readNumber(env, 'POLYRAD_HTTP_HEADERS_TIMEOUT_S', 20, 1, 600, problems);
  const requestTimeoutS = readNumber(env, 'POLYRAD_HTTP_REQUEST_TIMEOUT_S', 300, 1, 3600, problems);
  if (headersTimeoutS > requestTimeoutS) problems.push('POLYRAD_HTTP_HEADERS_TIMEOUT_S must not exceed POLYRAD_HTTP_REQUEST_TIMEOUT_S');
  const proxy = nonEmpty(env.POLYRAD_TRUST_PROXY);
  const proxyEntries = proxy?.split(',').map((entry) => entry.trim()) ?? [];
  if (proxy !== undefined && !/^\d{1,2}$/.test(proxy) && !proxyEntries.every((e) => PROXY_KEYWORDS.includes(e) || isIP(e.replace(/\/\d{1,3}$/, '')) !== 0)) {
    problems.push(`POLYRAD_TRUST_PROXY must be a hop count (1) or addresses/subnets of the proxies (loopback, 10.0.0.0/8, ...), got ${JSON.stringify(proxy)}`);
  }
  return {
    ...(adminPassword === undefined ? {} : { adminPassword }),
    ...(jwtSecret === undefined ? {} : { jwtSecret }),
    accessTokenTtlS: readNumber(env, 'POLYRAD_ACCESS_TOKEN_TTL_S', 900, 30, 3600, problems),
    refreshTokenTtlS: readNumber(env, 'POLYRAD_REFRESH_TOKEN_TTL_S', 12 * 3600, 60, 30 * 86400, problems),
    loginPerMinutePerIp: readNumber(env, 'POLYRAD_LOGIN_RATE_LIMIT_IP', 30, 1, 100000, problems),
    loginPerMinutePerUser: readNumber(env, 'POLYRAD_LOGIN_RATE_LIMIT_USER', 10, 1, 100000, problems),
    apiPerMinute: readNumber(env, 'POLYRAD_API_RATE_LIMIT', 600, 1, 1000000, problems),
    corsOrigins,
    hsts: hstsFlag === undefined ? publicUrl?.startsWith('https://') === true : hstsFlag === '1',
    headersTimeoutMs: Math.round(headersTimeoutS * 1000),
    requestTimeoutMs: Math.round(requestTimeoutS * 1000),
    trustProxy: proxy === undefined ? false : /^\d+$/.test(proxy) ? Number(proxy) : proxyEntries.join(','),
    passwordHash: OWASP_ARGON2ID,
    ...readOidcConfig(env, problems),
  };
}

const isLoopbackHttp = (url: URL): boolean => url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);

/** POLYRAD_OIDC_*: all of issuer, client id and secret, redirect URI and roles, or none (sign-in by password only). */
function readOidcConfig(env: Env, problems: string[]): { oidc?: OidcConfig } {
  const issuer = nonEmpty(env.POLYRAD_OIDC_ISSUER);
  const clientId = nonEmpty(env.POLYRAD_OIDC_CLIENT_ID);
  const clientSecret = nonEmpty(env.POLYRAD_OIDC_CLIENT_SECRET);
  const redirectUri = nonEmpty(env.POLYRAD_OIDC_REDIRECT_URI);
  const rolesText = nonEmpty(env.POLYRAD_OIDC_ROLES);
  const given = { POLYRAD_OIDC_ISSUER: issuer, POLYRAD_OIDC_CLIENT_ID: clientId, POLYRAD_OIDC_CLIENT_SECRET: clientSecret, POLYRAD_OIDC_REDIRECT_URI: redirectUri, POLYRAD_OIDC_ROLES: rolesText };
  const missing = Object.entries(given).filter(([, value]) => value === undefined).map(([name]) => name);
  if (missing.length === Object.keys(given).length) return {};
  if (missing.length > 0) {
    problems.push(`OpenID Connect sign-in needs ${missing.join(', ')} as well (or none of POLYRAD_OIDC_*)`);
    return {};
  }
  for (const [name, value] of [['POLYRAD_OIDC_ISSUER', issuer!], ['POLYRAD_OIDC_REDIRECT_URI', redirectUri!]] as const) {
    const url = isHttpUrl(value) ? new URL(value) : undefined;
    if (!url || (url.protocol !== 'https:' && !isLoopbackHttp(url))) problems.push(`${name} must be an https:// URL (http:// only on localhost), got ${JSON.stringify(value)}`);
  }
  const roles: OidcRoleMapping[] = [];
  for (const entry of rolesText!.split(',').map((e) => e.trim()).filter(Boolean)) {
    const match = /^([^=@+]{1,128})=(admin|radiologist)@([a-z0-9*][a-z0-9+_.-]*)$/.exec(entry);
    if (!match) {
      problems.push(`POLYRAD_OIDC_ROLES entries are value=role@site+site with role admin or radiologist, e.g. radiology=radiologist@default; got ${JSON.stringify(entry)}`);
      continue;
    }
    roles.push({ value: match[1]!, role: match[2] as OidcRoleMapping['role'], sites: match[3]!.split('+') });
  }
  return {
    oidc: {
      issuer: issuer!,
      clientId: clientId!,
      clientSecret: clientSecret!,
      redirectUri: redirectUri!,
      roleClaim: nonEmpty(env.POLYRAD_OIDC_ROLE_CLAIM) ?? 'groups',
      roles,
      label: nonEmpty(env.POLYRAD_OIDC_LABEL) ?? 'Sign in with the hospital account',
    },
  };
}
