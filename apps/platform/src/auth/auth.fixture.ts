import { randomBytes } from 'node:crypto';
import { type AppConfig, type AuthConfig, loadConfig } from '../config/app-config.js';
import type { TokenAnswer } from './auth.service.js';
import type { Role } from './principal.js';

/** The initial admin's password in tests (createApp with withTestAuth). */
export const TEST_ADMIN_PASSWORD = 'admin-password-for-tests';

/**
 * The server's auth settings for tests: a known admin password, Argon2id at a test-only low cost (never the
 * default: only this fixture lowers it), and a per-IP sign-in limit that specs signing in many users stay under.
 */
export function withTestAuth<C extends Omit<AppConfig, 'auth'>>(config: C, auth: Partial<AuthConfig> = {}): C & Pick<AppConfig, 'auth'> {
  return {
    ...config,
    auth: {
      ...loadConfig({}).auth,
      adminPassword: TEST_ADMIN_PASSWORD,
      passwordHash: { memoryCost: 1024, timeCost: 1, parallelism: 1 },
      loginPerMinutePerIp: 1000,
      ...auth,
    },
  };
}

export interface ApiAnswer<T> {
  status: number;
  body: T;
  headers: Headers;
}

/** A client of the REST API, signed in (bearer token) or anonymous. */
export class ApiClient {
  constructor(
    readonly url: string,
    readonly session?: TokenAnswer,
  ) {}

  /** `body`: JSON-encoded unless already a string (sent as is, as application/json unless `contentType` says otherwise). */
  async request<T = Record<string, unknown>>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<ApiAnswer<T>> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': contentType }),
        ...(this.session ? { authorization: `Bearer ${this.session.accessToken}` } : {}),
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      // not JSON (the UI's HTML): the text as is
    }
    return { status: res.status, body: parsed as T, headers: res.headers };
  }

  get<T = Record<string, unknown>>(path: string): Promise<ApiAnswer<T>> {
    return this.request<T>('GET', path);
  }

  post<T = Record<string, unknown>>(path: string, body?: unknown): Promise<ApiAnswer<T>> {
    return this.request<T>('POST', path, body);
  }

  put<T = Record<string, unknown>>(path: string, body?: unknown): Promise<ApiAnswer<T>> {
    return this.request<T>('PUT', path, body);
  }
}

/** Signs in with a password; throws with the platform's answer when refused. */
export async function signIn(url: string, username: string, password: string): Promise<ApiClient> {
  const answer = await new ApiClient(url).post<TokenAnswer>('/api/auth/login', { username, password });
  if (answer.status !== 200) throw new Error(`sign-in of ${username} refused: HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
  return new ApiClient(url, answer.body);
}

/** The initial admin (all sites) of a platform started with withTestAuth. */
export const signInAdmin = (url: string): Promise<ApiClient> => signIn(url, 'admin', TEST_ADMIN_PASSWORD);

export interface NewTestUser {
  username: string;
  role: Role;
  sites?: string[];
  vendorId?: string;
}

/** Creates a user through `admin` (POST /api/users) and returns it signed in, with its password. */
export async function createUser(admin: ApiClient, user: NewTestUser): Promise<ApiClient & { password: string }> {
  const password = `pw-${randomBytes(9).toString('base64url')}`;
  const created = await admin.post('/api/users', { ...user, password });
  if (created.status !== 201) throw new Error(`creating ${user.username} refused: HTTP ${created.status} ${JSON.stringify(created.body)}`);
  return Object.assign(await signIn(admin.url, user.username, password), { password });
}
