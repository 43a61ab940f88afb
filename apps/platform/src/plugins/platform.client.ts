/*
 * The CLI's way into a running platform's API (publish, vendor register, site commands): signs in once,
 * then sends JSON with the bearer token. Every failure is one PolyradError line: the platform's own
 * { code, message } when it refuses (401/403 included), PLATFORM_UNREACHABLE when nothing answers,
 * PLATFORM_ANSWER_UNEXPECTED when something that is not a Polyrad platform answers.
 */
import { PolyradError } from '@polyrad/sdk';

/** Where a user signs in (DESIGN.md "Sign-in"). */
export const LOGIN_PATH = '/api/auth/login';

/** How the CLI signs in: an access token it already has, or a user's password. */
export type PlatformCredentials = { token: string } | { username: string; password: string };

export interface PlatformAnswer {
  status: number;
  text: string;
  answer: Record<string, unknown>;
}

/** --token, else POLYRAD_TOKEN, else POLYRAD_USERNAME with POLYRAD_PASSWORD (kept out of argv, where `ps` would show it). */
export function credentialsFrom(token: string | undefined, env: NodeJS.ProcessEnv): PlatformCredentials | undefined {
  const chosen = token ?? env.POLYRAD_TOKEN;
  if (chosen) return { token: chosen };
  if (env.POLYRAD_USERNAME && env.POLYRAD_PASSWORD) return { username: env.POLYRAD_USERNAME, password: env.POLYRAD_PASSWORD };
  return undefined;
}

export class PlatformClient {
  private constructor(
    private readonly base: URL,
    private readonly token: string,
    private readonly timeoutMs: number,
  ) {}

  /**
   * Signs in to the platform at `url`. `purpose` names what needs the sign-in, for the SIGN_IN_REQUIRED
   * message (e.g. "publishing needs a vendor user").
   */
  static async signIn(url: string, credentials: PlatformCredentials | undefined, purpose: string, timeoutMs = 120_000): Promise<PlatformClient> {
    if (!credentials) {
      throw new PolyradError('SIGN_IN_REQUIRED', `${purpose}: set POLYRAD_USERNAME and POLYRAD_PASSWORD, or pass --token (or POLYRAD_TOKEN)`);
    }
    let base: URL;
    try {
      base = new URL(url);
      if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new Error('not http(s)');
    } catch {
      throw new PolyradError('URL_INVALID', `${JSON.stringify(url)} is not the http(s) URL of a Polyrad platform`);
    }
    if ('token' in credentials) return new PlatformClient(base, credentials.token, timeoutMs);
    const { username, password } = credentials;
    const login = await send(endpoint(base, LOGIN_PATH), 'POST', { username, password }, undefined, timeoutMs);
    if (login.status !== 200 || typeof login.answer.accessToken !== 'string') throw refusal(login, `sign-in as ${username}`, endpoint(base, LOGIN_PATH));
    return new PlatformClient(base, login.answer.accessToken, timeoutMs);
  }

  /** Sends `body` and returns the answer when its status is one of `expected`; else the refusal, naming `what`. */
  async request(method: 'POST' | 'PUT', path: string, body: unknown, what: string, expected: number[] = [200, 201]): Promise<Record<string, unknown>> {
    const at = endpoint(this.base, path);
    const answer = await send(at, method, body, this.token, this.timeoutMs);
    if (!expected.includes(answer.status)) throw refusal(answer, what, at);
    return answer.answer;
  }
}

/** Kept below the base URL's own path, for a platform served under a prefix by a reverse proxy. */
function endpoint(base: URL, path: string): URL {
  return new URL(`${base.pathname.replace(/\/+$/, '')}${path}`, base.origin);
}

async function send(at: URL, method: string, body: unknown, token: string | undefined, timeoutMs: number): Promise<PlatformAnswer> {
  let response: Response;
  try {
    response = await fetch(at, {
      method,
      headers: { 'content-type': 'application/json', accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (error as Error).message;
    throw new PolyradError('PLATFORM_UNREACHABLE', `cannot reach ${at.origin}: ${why}`);
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
function refusal({ status, text, answer }: PlatformAnswer, what: string, at: URL): PolyradError {
  if (typeof answer.code === 'string' && typeof answer.message === 'string') {
    return new PolyradError(answer.code, `the platform refused ${what} (HTTP ${status}): ${answer.message}`);
  }
  return new PolyradError('PLATFORM_ANSWER_UNEXPECTED', `unexpected answer from ${at.href}: HTTP ${status} ${text.slice(0, 120).replace(/\s+/g, ' ')}`);
}
