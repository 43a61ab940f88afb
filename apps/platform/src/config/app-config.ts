import { realpathSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { PolyradError } from '@polyrad/sdk';
import type { DicomIntakeLimits } from '../ingest/dicom-pdu.guard.js';
import { DEFAULT_DICOM_PEERS, parseDicomPeers, type DicomPeers } from '../ingest/dicom-peer.allowlist.js';

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
  /**
   * Real paths of the server folders `POST /api/studies/analyze` may read (POLYRAD_IMPORT_ROOTS, separated
   * by ':'); absent turns analyse-from-path off.
   */
  importRoots?: string[];
  /** Who may send DICOM and the listener's limits (POLYRAD_DICOM_*); absent in hand-built configs, where DEFAULT_DICOM_INTAKE applies. */
  dicomIntake?: DicomIntakeConfig;
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
  const importRoots = readImportRoots(env, cwd, problems);
  const dicomIntake = readDicomIntake(env, problems);
  if (problems.length > 0) {
    throw new PolyradError(CONFIG_INVALID, `invalid configuration: ${problems.join('; ')}`);
  }
  return {
    port,
    dicomPort,
    dataDir,
    quietPeriodMs: Math.round(quietPeriodS * 1000),
    ...(importRoots.length === 0 ? {} : { importRoots }),
    dicomIntake,
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
