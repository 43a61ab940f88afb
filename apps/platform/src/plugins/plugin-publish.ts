import { readFileSync } from 'node:fs';
import { PolyradError } from '@polyrad/sdk';
import { parsePackageSignature, readPackage, signPackage, type PackageSignature } from './plugin-package.js';

/** Path of the platform endpoint that receives packages, below the platform's base URL. */
export const PUBLISH_PATH = '/api/plugins/packages';
/** Where a vendor user signs in (DESIGN.md "Sign-in"). */
export const LOGIN_PATH = '/api/auth/login';

/** How the CLI signs in: an access token it already has, or a vendor user's password. */
export type PublishCredentials = { token: string } | { username: string; password: string };

/** Body of POST /api/plugins/packages. */
export interface PublishRequest {
  /** base64 of the .polyrad.tgz bytes */
  package: string;
  signature: PackageSignature;
}

/** The platform's 201 answer. */
export interface PublishedPackage {
  id: string;
  version: string;
  vendorId: string;
}

export interface PublishOptions {
  packagePath: string;
  /** platform base URL, e.g. http://localhost:3000 */
  url: string;
  /** re-sign with this key instead of using the .sig file beside the package */
  privateKeyPem?: string;
  /** required: the platform takes packages from signed-in vendor users only */
  credentials?: PublishCredentials;
  timeoutMs?: number;
}

/** Reads a file or throws <KIND>_MISSING / <KIND>_UNREADABLE naming it. */
function readBytes(path: string, kind: 'PACKAGE' | 'SIGNATURE'): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new PolyradError(code === 'ENOENT' ? `${kind}_MISSING` : `${kind}_UNREADABLE`, `cannot read the ${kind.toLowerCase()} file: ${code}`, path);
  }
}

/**
 * Uploads a packed plugin to a platform. The package is read and checked here first (a broken one is
 * refused before any upload); the signature comes from `<package>.sig` or is made anew with the key.
 * Throws PolyradError: the platform's own { code, message } when it refuses the sign-in or the package,
 * SIGN_IN_REQUIRED without credentials, PLATFORM_UNREACHABLE when nothing answers, PUBLISH_FAILED for any other answer.
 */
export async function publishPackage(options: PublishOptions): Promise<PublishedPackage> {
  const bytes = readBytes(options.packagePath, 'PACKAGE');
  const { manifest } = readPackage(bytes, undefined, options.packagePath);
  let signature: PackageSignature;
  if (options.privateKeyPem) {
    signature = signPackage(bytes, manifest.vendor.id, options.privateKeyPem);
  } else {
    const sigPath = `${options.packagePath}.sig`;
    let parsed: unknown;
    try {
      parsed = JSON.parse(readBytes(sigPath, 'SIGNATURE').toString('utf8'));
    } catch (error) {
      if (error instanceof PolyradError) throw new PolyradError(error.code, `${error.message}; pack the plugin again or pass --key`, sigPath);
      throw new PolyradError('SIGNATURE_MALFORMED', 'the signature file is not JSON', sigPath);
    }
    signature = parsePackageSignature(parsed);
  }

  if (!options.credentials) {
    throw new PolyradError('SIGN_IN_REQUIRED', 'publishing needs a vendor user: set POLYRAD_USERNAME and POLYRAD_PASSWORD, or pass --token (or POLYRAD_TOKEN)');
  }
  let base: URL;
  try {
    base = new URL(options.url);
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    throw new PolyradError('URL_INVALID', `${JSON.stringify(options.url)} is not the http(s) URL of a Polyrad platform`);
  }
  // Kept below the base URL's own path, for a platform served under a prefix by a reverse proxy.
  const at = (path: string): URL => new URL(`${base.pathname.replace(/\/+$/, '')}${path}`, base.origin);
  const timeoutMs = options.timeoutMs ?? 120_000;

  let token: string;
  if ('token' in options.credentials) {
    token = options.credentials.token;
  } else {
    const { username, password } = options.credentials;
    const login = await postJson(at(LOGIN_PATH), { username, password }, undefined, timeoutMs);
    if (login.status !== 200 || typeof login.answer.accessToken !== 'string') throw refusal(login, `sign-in as ${username}`, at(LOGIN_PATH));
    token = login.answer.accessToken;
  }

  const body: PublishRequest = { package: bytes.toString('base64'), signature };
  const published = await postJson(at(PUBLISH_PATH), body, token, timeoutMs);
  const { answer } = published;
  if (published.status === 201 && typeof answer.id === 'string' && typeof answer.version === 'string') {
    return { id: answer.id, version: answer.version, vendorId: String(answer.vendorId ?? signature.vendorId) };
  }
  throw refusal(published, `${manifest.id}@${manifest.version}`, at(PUBLISH_PATH));
}

interface PlatformAnswer {
  status: number;
  text: string;
  answer: Record<string, unknown>;
}

async function postJson(endpoint: URL, body: unknown, token: string | undefined, timeoutMs: number): Promise<PlatformAnswer> {
  let response: Response;
  try {
    response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (error as Error).message;
    throw new PolyradError('PLATFORM_UNREACHABLE', `cannot reach ${endpoint.origin}: ${why}`);
  }
  const text = await response.text();
  let answer: Record<string, unknown> = {};
  try {
    answer = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // answered by something that is not a Polyrad platform (a proxy page, say): reported by refusal() with the status
  }
  return { status: response.status, text, answer };
}

/** One line: the platform's own { code, message } (401/403 included), or what else answered. */
function refusal({ status, text, answer }: PlatformAnswer, what: string, endpoint: URL): PolyradError {
  if (typeof answer.code === 'string' && typeof answer.message === 'string') {
    return new PolyradError(answer.code, `the platform refused ${what} (HTTP ${status}): ${answer.message}`);
  }
  return new PolyradError('PUBLISH_FAILED', `unexpected answer from ${endpoint.href}: HTTP ${status} ${text.slice(0, 120).replace(/\s+/g, ' ')}`);
}
