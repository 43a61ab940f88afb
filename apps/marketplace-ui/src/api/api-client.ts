import type { TokenAnswer, UserView } from './api.types.js';

/** A refusal of the API, with its stable code and the reason a user can act on. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Said when the session cannot be renewed; the app goes back to the login page with it. */
export const SESSION_EXPIRED_MESSAGE = 'Your session has expired. Sign in again to continue.';

type Listener = (user: UserView | null, reason?: string) => void;

/**
 * The API seen from the browser. Tokens live in memory only (never in storage a script could read later):
 * a reload asks to sign in again. A 401 renews the session once through /api/auth/refresh (one renewal
 * shared by concurrent requests) and retries; when that fails the session is over.
 */
export class ApiClient {
  private session: TokenAnswer | null = null;
  private renewal: Promise<boolean> | null = null;
  private readonly listeners = new Set<Listener>();

  get user(): UserView | null {
    return this.session?.user ?? null;
  }

  onSessionChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async login(username: string, password: string): Promise<UserView> {
    const answer = await this.send<TokenAnswer>('POST', '/api/auth/login', { username, password }, false);
    this.setSession(answer);
    return answer.user;
  }

  /** Whether the platform offers sign-in through the hospital's identity provider (asked before sign-in). */
  oidcInfo(): Promise<{ enabled: boolean; label?: string }> {
    return this.send('GET', '/api/auth/oidc', undefined, false);
  }

  /** Where to send the browser to sign in at the identity provider. */
  async oidcStart(): Promise<string> {
    return (await this.send<{ authorizationUrl: string }>('POST', '/api/auth/oidc/start', {}, false)).authorizationUrl;
  }

  /** Completes a provider sign-in with the query it returned to /login/oidc. */
  async oidcFinish(search: string): Promise<UserView> {
    const answer = await this.send<TokenAnswer>('POST', '/api/auth/oidc/callback', { search }, false);
    this.setSession(answer);
    return answer.user;
  }

  async logout(): Promise<void> {
    try {
      if (this.session) await this.send<void>('POST', '/api/auth/logout', undefined, false);
    } finally {
      this.setSession(null);
    }
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, body ?? {});
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, body);
  }

  delete(path: string): Promise<void> {
    return this.request<void>('DELETE', path);
  }

  /**
   * Reads a server-sent event stream until the server ends it or `signal` aborts. Through fetch, so the token
   * goes in the Authorization header (never in the URL); a refused token is renewed once, as for any request.
   */
  async stream(path: string, onEvent: (type: string, data: unknown) => void, signal: AbortSignal): Promise<void> {
    const res = await this.withRenewal(() => this.fetchChecked('GET', path, undefined, true, { accept: 'text/event-stream' }, signal));
    if (!res.body) return;
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const event = parseServerSentEvent(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
          if (event) onEvent(event.type, event.data);
        }
      }
    } catch (error) {
      if (signal.aborted) return;
      throw new ApiError(0, 'NETWORK', `The live updates stopped: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private request<T>(method: string, path: string, body?: unknown): Promise<T> {
    return this.withRenewal(() => this.send<T>(method, path, body, true));
  }

  /** A 401 renews the session once and tries again; when renewal fails the session is over. */
  private async withRenewal<T>(attempt: () => Promise<T>): Promise<T> {
    const token = this.session?.accessToken;
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 401 || token === undefined) throw error;
      if (!(await this.renew(token))) {
        this.setSession(null, SESSION_EXPIRED_MESSAGE);
        throw error;
      }
      return attempt();
    }
  }

  /** `stale`: the access token that was refused; a renewal that already replaced it counts as done. */
  private renew(stale: string): Promise<boolean> {
    if (this.session && this.session.accessToken !== stale) return Promise.resolve(true);
    this.renewal ??= this.refresh().finally(() => (this.renewal = null));
    return this.renewal;
  }

  private async refresh(): Promise<boolean> {
    const refreshToken = this.session?.refreshToken;
    if (!refreshToken) return false;
    try {
      this.setSession(await this.send<TokenAnswer>('POST', '/api/auth/refresh', { refreshToken }, false));
      return true;
    } catch {
      return false;
    }
  }

  private setSession(session: TokenAnswer | null, reason?: string): void {
    const changedUser = this.session?.user.username !== session?.user.username;
    this.session = session;
    if (changedUser) this.listeners.forEach((listener) => listener(session?.user ?? null, reason));
  }

  private async send<T>(method: string, path: string, body: unknown, authorized: boolean): Promise<T> {
    const res = await this.fetchChecked(method, path, body, authorized, { accept: 'application/json' });
    return parseJson(await res.text()) as T;
  }

  /** The answer when it is a success; otherwise the API's refusal as an ApiError. */
  private async fetchChecked(method: string, path: string, body: unknown, authorized: boolean, extra: Record<string, string>, signal?: AbortSignal): Promise<Response> {
    const headers: Record<string, string> = { ...extra };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const token = this.session?.accessToken;
    if (token && (authorized || path === '/api/auth/logout')) headers.authorization = `Bearer ${token}`;
    let res: Response;
    try {
      res = await fetch(path, { method, headers, signal, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    } catch {
      throw new ApiError(0, 'NETWORK', 'The server cannot be reached. Check the connection and try again.');
    }
    if (res.ok) return res;
    const problem = (parseJson(await res.text()) ?? {}) as { code?: unknown; message?: unknown };
    throw new ApiError(
      res.status,
      typeof problem.code === 'string' ? problem.code : `HTTP_${res.status}`,
      typeof problem.message === 'string' ? problem.message : `The server answered ${res.status} ${res.statusText}.`,
    );
  }
}

/** One event of a text/event-stream (its `event:` and JSON `data:` lines); undefined for a comment or keep-alive. */
export function parseServerSentEvent(block: string): { type: string; data: unknown } | undefined {
  let type = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('event:')) type = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
  }
  return data.length ? { type, data: parseJson(data.join('\n')) } : undefined;
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
