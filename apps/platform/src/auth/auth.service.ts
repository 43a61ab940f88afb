import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { PolyradError } from '@polyrad/sdk';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { LOGIN_FAILED, REFRESH_TOKEN_INVALID, SIGN_IN_HINT, UNAUTHENTICATED } from './auth.errors.js';
import { AuthRepository, type UserRow } from './auth.repository.js';
import { PasswordHasher } from './password.hasher.js';
import { ALL_SITES, type Principal } from './principal.js';
import { TokenIssuer } from './token.issuer.js';

export const INITIAL_ADMIN = 'admin';
/** Who acts when the platform itself creates a user (the initial admin). */
const SYSTEM = 'system';
/** Argon2 work on a multi-megabyte "password" would be a cheap denial of service. */
export const MAX_PASSWORD_LENGTH = 256;

export interface UserView {
  username: string;
  role: Principal['role'];
  sites: string[];
  vendorId: string | null;
}

/** The login and refresh answer (DESIGN.md "Sign-in"). */
export interface TokenAnswer {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  refreshToken: string;
  refreshExpiresIn: number;
  user: UserView;
}

export const userView = (user: Pick<UserRow, 'username' | 'role' | 'sites' | 'vendorId'>): UserView => ({
  username: user.username,
  role: user.role,
  sites: user.sites,
  vendorId: user.vendorId,
});

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/**
 * Decides who is signed in: passwords against Argon2id hashes, sessions with rotating refresh tokens
 * (kept only as hashes), short-lived access tokens that are honoured only while their session lives.
 */
@Injectable()
export class AuthService {
  constructor(
    private readonly repo: AuthRepository,
    private readonly hasher: PasswordHasher,
    private readonly tokens: TokenIssuer,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Creates `admin` (all sites) when it does not exist: with POLYRAD_ADMIN_PASSWORD, or a generated password
   * that is returned so the caller shows it once. Undefined when nothing was generated.
   */
  async ensureInitialAdmin(): Promise<string | undefined> {
    if (await this.repo.findUser(INITIAL_ADMIN)) return undefined;
    const generated = this.config.auth.adminPassword === undefined ? randomBytes(18).toString('base64url') : undefined;
    const passwordHash = await this.hasher.hash(this.config.auth.adminPassword ?? generated!);
    const admin = { username: INITIAL_ADMIN, role: 'admin' as const, sites: [ALL_SITES], vendorId: null };
    const created = await this.repo.insertUser({ ...admin, passwordHash, createdBy: SYSTEM }, { actor: SYSTEM, action: 'user.create', details: admin });
    // Another instance on the same database may have won the race; its password is the one that counts.
    return created ? generated : undefined;
  }

  async login(username: unknown, password: unknown): Promise<TokenAnswer> {
    if (typeof username !== 'string' || typeof password !== 'string' || username.length > 64 || password.length > MAX_PASSWORD_LENGTH) {
      throw new PolyradError(LOGIN_FAILED, 'send { "username", "password" } as JSON strings');
    }
    const user = await this.repo.findUser(username.trim().toLowerCase());
    const valid = await this.hasher.verify(user?.passwordHash, password);
    // One answer for an unknown user, a wrong password and a disabled account: nothing to enumerate.
    if (!user || !valid || user.disabled) throw new PolyradError(LOGIN_FAILED, 'wrong username or password');
    return this.openSession(user);
  }

  /** A new session of a user whose identity was verified (a password here, or an identity provider's ID token). */
  async openSession(user: Pick<UserRow, 'username' | 'role' | 'sites' | 'vendorId'>): Promise<TokenAnswer> {
    const sessionId = randomUUID();
    const refreshToken = this.newRefreshToken();
    await this.repo.insertSession({ id: sessionId, username: user.username, refreshHash: sha256(refreshToken), refreshExpiresAt: this.refreshExpiry() });
    return this.answer({ ...userView(user), sessionId }, refreshToken);
  }

  /** Redeems a refresh token once: a new pair is issued and the old refresh token stops working. */
  async refresh(refreshToken: unknown): Promise<TokenAnswer> {
    if (typeof refreshToken !== 'string' || refreshToken.length === 0 || refreshToken.length > 200) {
      throw new PolyradError(REFRESH_TOKEN_INVALID, 'send { "refreshToken" } from the login or the last refresh');
    }
    const next = this.newRefreshToken();
    const rotated = await this.repo.rotateRefresh(sha256(refreshToken), sha256(next), this.refreshExpiry());
    if (!rotated) {
      // A token that was already rotated away is being replayed: whoever holds the session may have stolen it.
      const replayed = await this.repo.revokeByPreviousRefresh(sha256(refreshToken));
      throw new PolyradError(
        REFRESH_TOKEN_INVALID,
        replayed ? 'this refresh token was already used; its session is now closed, sign in again' : 'the refresh token is unknown, expired or revoked; sign in again',
      );
    }
    const principal = await this.repo.findLiveSession(rotated.id);
    if (!principal) throw new PolyradError(REFRESH_TOKEN_INVALID, 'the session has ended; sign in again');
    return this.answer(principal, next);
  }

  logout(principal: Principal): Promise<void> {
    return this.repo.revokeSession(principal.sessionId);
  }

  /** The caller behind `Authorization: Bearer <token>`: a valid token whose session is live and user enabled. */
  async authenticate(authorization: string | undefined): Promise<Principal> {
    const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(authorization?.trim() ?? '');
    if (!match) throw new PolyradError(UNAUTHENTICATED, `authentication required: ${SIGN_IN_HINT}`);
    const { claims, problem } = await this.tokens.verify(match[1]!);
    if (!claims) throw new PolyradError(UNAUTHENTICATED, `${problem}; ${SIGN_IN_HINT}`);
    const live = await this.repo.findLiveSession(claims.sessionId);
    if (!live || live.username !== claims.username) {
      throw new PolyradError(UNAUTHENTICATED, `the session of this access token has ended (signed out, disabled or password changed); ${SIGN_IN_HINT}`);
    }
    // Role and scope as stored now: a change by an admin applies at once, not when the token expires.
    return live;
  }

  private async answer(principal: Principal, refreshToken: string): Promise<TokenAnswer> {
    return {
      accessToken: await this.tokens.issue(principal),
      tokenType: 'Bearer',
      expiresIn: this.tokens.expiresIn,
      refreshToken,
      refreshExpiresIn: Math.round(this.config.auth.refreshTokenTtlS),
      user: userView(principal),
    };
  }

  private newRefreshToken(): string {
    return randomBytes(32).toString('base64url');
  }

  private refreshExpiry(): Date {
    return new Date(Date.now() + this.config.auth.refreshTokenTtlS * 1000);
  }
}
