import { resolve } from 'node:path';
import { PolyradError } from '@polyrad/sdk';
import type { SandboxMode, SandboxSettings } from '../execution/plugin-sandbox.js';

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
  /** A received study is analysed once no instance of it has arrived for this long (POLYRAD_QUIET_PERIOD_S). */
  quietPeriodMs: number;
  /** POSTed a JSON notice whenever a study's report is urgent (POLYRAD_URGENT_WEBHOOK). */
  urgentWebhookUrl?: string;
  /** How plugin workers are sandboxed (POLYRAD_SANDBOX, POLYRAD_ALLOW_UNSANDBOXED); loadConfig always sets it. */
  sandbox?: SandboxSettings;
}

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
  const urgentWebhookUrl = nonEmpty(env.POLYRAD_URGENT_WEBHOOK);
  if (urgentWebhookUrl !== undefined && !isHttpUrl(urgentWebhookUrl)) {
    problems.push('POLYRAD_URGENT_WEBHOOK must be an http:// or https:// URL, e.g. https://ris.example.org/hooks/urgent');
  }
  const sandbox = readSandboxSettings(env, problems);
  if (problems.length > 0) {
    throw new PolyradError(CONFIG_INVALID, `invalid configuration: ${problems.join('; ')}`);
  }
  return {
    sandbox,
    port,
    dicomPort,
    dataDir,
    quietPeriodMs: Math.round(quietPeriodS * 1000),
    ...(databaseUrl === undefined ? {} : { databaseUrl }),
    ...(urgentWebhookUrl === undefined ? {} : { urgentWebhookUrl }),
  };
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
