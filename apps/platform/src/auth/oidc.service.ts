import { Inject, Injectable } from '@nestjs/common';
import { PolyradError } from '@polyrad/sdk';
import * as oidc from 'openid-client';
import { APP_CONFIG, type AppConfig, type OidcConfig, type OidcRoleMapping } from '../config/app-config.js';
import { OIDC_NO_ROLE, OIDC_NOT_CONFIGURED, OIDC_PROVIDER_UNAVAILABLE, OIDC_SIGN_IN_FAILED } from './auth.errors.js';
import { AuthRepository } from './auth.repository.js';
import { AuthService, type TokenAnswer } from './auth.service.js';

/** Who creates the users an identity provider signs in; only those users may sign in through it. */
export const OIDC_CREATOR = 'oidc';
/** Never a valid Argon2 hash: a user created by the identity provider has no password here. */
const NO_PASSWORD = '!oidc';
/** How long a started sign-in waits for the browser to come back, and how many may wait at once. */
const PENDING_TTL_MS = 10 * 60_000;
const MAX_PENDING = 10_000;
const USERNAME = /^[a-z0-9][a-z0-9._@-]{1,63}$/;

interface Pending {
  verifier: string;
  nonce: string;
  expiresAt: number;
}

/** The first mapping whose value the claim (a string or a list of strings) holds. */
export function mapRole(claim: unknown, roles: OidcRoleMapping[]): OidcRoleMapping | undefined {
  const values = Array.isArray(claim) ? claim.filter((v): v is string => typeof v === 'string') : typeof claim === 'string' ? [claim] : [];
  return roles.find((mapping) => values.includes(mapping.value));
}

/**
 * Sign-in through the hospital's OpenID Connect provider: authorization code with PKCE, the ID token verified
 * by openid-client (signature, issuer, audience, nonce, expiry), the user's role from a claim, then a session
 * of this platform like a password sign-in's. The provider's own tokens are not kept.
 */
@Injectable()
export class OidcService {
  private readonly settings: OidcConfig | undefined;
  private provider: Promise<oidc.Configuration> | undefined;
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly auth: AuthService,
    private readonly repo: AuthRepository,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.settings = config.auth.oidc;
  }

  /** What the login page shows: whether there is a provider, and its button's text. */
  describe(): { enabled: boolean; label?: string } {
    return this.settings ? { enabled: true, label: this.settings.label } : { enabled: false };
  }

  /** The provider's authorization URL for a new sign-in (state, nonce and PKCE verifier kept here until it returns). */
  async start(): Promise<{ authorizationUrl: string }> {
    const settings = this.configured();
    const config = await this.discover(settings);
    const verifier = oidc.randomPKCECodeVerifier();
    const [state, nonce] = [oidc.randomState(), oidc.randomNonce()];
    this.forgetExpired();
    if (this.pending.size >= MAX_PENDING) throw new PolyradError(OIDC_PROVIDER_UNAVAILABLE, 'too many sign-ins are waiting for the identity provider; try again in a few minutes');
    this.pending.set(state, { verifier, nonce, expiresAt: Date.now() + PENDING_TTL_MS });
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: settings.redirectUri,
      scope: 'openid profile email',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { authorizationUrl: url.href };
  }

  /** `search`: the query the provider sent the browser back with (`?code=...&state=...`). */
  async finish(search: unknown): Promise<TokenAnswer> {
    const settings = this.configured();
    if (typeof search !== 'string' || search.length > 4096 || !search.startsWith('?')) {
      throw new PolyradError(OIDC_SIGN_IN_FAILED, 'send { "search" } with the query the identity provider returned to /login/oidc');
    }
    const params = new URLSearchParams(search);
    const providerError = params.get('error');
    if (providerError) throw new PolyradError(OIDC_SIGN_IN_FAILED, `the identity provider refused the sign-in: ${params.get('error_description') ?? providerError}`);
    const state = params.get('state') ?? '';
    const pending = this.pending.get(state);
    // single use: a replayed or forged callback finds nothing
    this.pending.delete(state);
    if (!pending || pending.expiresAt < Date.now()) throw new PolyradError(OIDC_SIGN_IN_FAILED, 'this sign-in is unknown or took longer than 10 minutes; start it again');
    let claims: oidc.IDToken | undefined;
    try {
      const tokens = await oidc.authorizationCodeGrant(await this.discover(settings), new URL(`${settings.redirectUri}${search}`), {
        pkceCodeVerifier: pending.verifier,
        expectedState: state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      claims = tokens.claims();
    } catch (error) {
      throw new PolyradError(OIDC_SIGN_IN_FAILED, `the identity provider's answer was not accepted: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (!claims) throw new PolyradError(OIDC_SIGN_IN_FAILED, 'the identity provider sent no ID token');
    return this.signIn(settings, claims);
  }

  private async signIn(settings: OidcConfig, claims: oidc.IDToken): Promise<TokenAnswer> {
    const name = [claims.preferred_username, claims.email, claims.sub].find((v): v is string => typeof v === 'string' && USERNAME.test(v.toLowerCase()));
    if (!name) throw new PolyradError(OIDC_SIGN_IN_FAILED, 'the ID token names the user by no usable preferred_username, email or sub');
    const username = name.toLowerCase();
    const mapped = mapRole(claims[settings.roleClaim], settings.roles);
    if (!mapped) {
      throw new PolyradError(OIDC_NO_ROLE, `${username} signed in at the identity provider, but none of their ${settings.roleClaim} is given a role here; ask an administrator`);
    }
    const audit = { actor: OIDC_CREATOR, details: { role: mapped.role, sites: mapped.sites, claim: settings.roleClaim, value: mapped.value } };
    const existing = await this.repo.findUser(username);
    if (!existing) {
      const user = { username, role: mapped.role, sites: mapped.sites, vendorId: null };
      await this.repo.insertUser({ ...user, passwordHash: NO_PASSWORD, createdBy: OIDC_CREATOR }, { ...audit, action: 'user.create' });
    } else if (existing.createdBy !== OIDC_CREATOR) {
      // a local account (the initial admin among them) is never taken over by a provider's user of the same name
      throw new PolyradError(OIDC_SIGN_IN_FAILED, `${username} is a local user of this platform; sign in with its password`);
    } else if (existing.disabled) {
      throw new PolyradError(OIDC_SIGN_IN_FAILED, `${username} is disabled on this platform`);
    } else if (existing.role !== mapped.role || existing.sites.join() !== mapped.sites.join()) {
      await this.repo.setRole(username, mapped.role, mapped.sites, { ...audit, action: 'user.role' });
    }
    return this.auth.openSession({ username, role: mapped.role, sites: mapped.sites, vendorId: null });
  }

  private configured(): OidcConfig {
    if (!this.settings) throw new PolyradError(OIDC_NOT_CONFIGURED, 'sign-in through an identity provider is not set up on this platform (POLYRAD_OIDC_*)');
    return this.settings;
  }

  /** The provider's metadata, fetched once; a failure is retried at the next sign-in. */
  private discover(settings: OidcConfig): Promise<oidc.Configuration> {
    const issuer = new URL(settings.issuer);
    // plain http only for a provider on this machine (the config reader allows nothing else)
    const options = issuer.protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : undefined;
    this.provider ??= oidc.discovery(issuer, settings.clientId, undefined, oidc.ClientSecretBasic(settings.clientSecret), options).catch((error: unknown) => {
      this.provider = undefined;
      throw new PolyradError(OIDC_PROVIDER_UNAVAILABLE, `the identity provider ${settings.issuer} cannot be reached: ${error instanceof Error ? error.message : String(error)}`);
    });
    return this.provider;
  }

  private forgetExpired(): void {
    const now = Date.now();
    for (const [state, entry] of this.pending) if (entry.expiresAt < now) this.pending.delete(state);
  }
}
