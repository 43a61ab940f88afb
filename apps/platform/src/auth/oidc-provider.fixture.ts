import { createServer, type Server } from 'node:http';
import Provider from 'oidc-provider';

/** A real OpenID Connect provider (the `oidc-provider` package) in this process, for sign-in specs. */
export interface OidcProviderPeer {
  issuer: string;
  stop(): Promise<void>;
}

export interface OidcProviderOptions {
  port: number;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  /** each account's `groups` claim; an account not listed has none */
  groups: Record<string, string[]>;
}

/**
 * Starts the provider on 127.0.0.1:`port` with one confidential client that must use PKCE. Its development
 * login page accepts any login name (the account id, also its preferred_username) and asks for consent;
 * `groups` travels in the ID token.
 */
export async function startOidcProvider(options: OidcProviderOptions): Promise<OidcProviderPeer> {
  const issuer = `http://127.0.0.1:${options.port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: options.clientId,
        client_secret: options.clientSecret,
        redirect_uris: [options.redirectUri],
        response_types: ['code'],
        grant_types: ['authorization_code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    pkce: { required: () => true },
    claims: { openid: ['sub'], profile: ['preferred_username', 'groups'], email: ['email'] },
    // the claims of the requested scopes in the ID token itself, as hospital IdPs are commonly set up
    conformIdTokenClaims: false,
    cookies: { keys: ['polyrad-test-cookie-key'] },
    findAccount: (_ctx, sub) => ({
      accountId: sub,
      claims: () => ({ sub, preferred_username: sub, groups: options.groups[sub] ?? [] }),
    }),
  });
  const server: Server = createServer(provider.callback());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  return {
    issuer,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // the browser's keep-alive connections would hold close() open
        server.closeAllConnections();
      }),
  };
}
