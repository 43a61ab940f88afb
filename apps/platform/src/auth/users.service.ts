import { Injectable } from '@nestjs/common';
import { PolyradError } from '@polyrad/sdk';
import { FORBIDDEN, PASSWORD_INVALID, USER_EXISTS, USER_INVALID, USER_NOT_FOUND } from './auth.errors.js';
import { AuthRepository, type UserRow } from './auth.repository.js';
import { MAX_PASSWORD_LENGTH, userView, type UserView } from './auth.service.js';
import { PasswordHasher } from './password.hasher.js';
import { ALL_SITES, isAllSitesAdmin, ROLES, type Principal, type Role } from './principal.js';

const USERNAME = /^[a-z0-9][a-z0-9._@-]{1,63}$/;
const SITE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const VENDOR_ID = /^[a-z][a-z0-9-]{1,63}$/;
const MIN_PASSWORD_LENGTH = 12;

export interface UserDetails extends UserView {
  disabled: boolean;
  createdBy: string;
  createdAt: string;
}

export interface CreateUserRequest {
  username?: unknown;
  password?: unknown;
  role?: unknown;
  sites?: unknown;
  vendorId?: unknown;
}

const details = (user: UserRow): UserDetails => ({
  ...userView(user),
  disabled: user.disabled,
  createdBy: user.createdBy,
  createdAt: new Date(user.createdAt).toISOString(),
});

/**
 * User management. An admin manages admins and radiologists whose sites all lie within their own;
 * vendor users (and users for all sites) only an all-sites admin creates or manages.
 */
@Injectable()
export class UsersService {
  constructor(
    private readonly repo: AuthRepository,
    private readonly hasher: PasswordHasher,
  ) {}

  async create(actor: Principal, request: CreateUserRequest): Promise<UserDetails> {
    const { username, role } = request;
    if (typeof username !== 'string' || !USERNAME.test(username)) {
      throw new PolyradError(USER_INVALID, 'username must be 2-64 lowercase letters, digits, dots, dashes, underscores or @, starting with a letter or digit');
    }
    if (typeof role !== 'string' || !ROLES.includes(role as Role)) throw new PolyradError(USER_INVALID, `role must be one of ${ROLES.join(', ')}`);
    const password = checkPassword(request.password, 'password');
    let sites: string[] = [];
    let vendorId: string | null = null;
    if (role === 'vendor') {
      if (typeof request.vendorId !== 'string' || !VENDOR_ID.test(request.vendorId)) {
        throw new PolyradError(USER_INVALID, 'vendorId must be the id of the vendor this user publishes for (e.g. "acme")');
      }
      if (request.sites !== undefined && !(Array.isArray(request.sites) && request.sites.length === 0)) {
        throw new PolyradError(USER_INVALID, 'vendor users have no sites: they publish plugins and read no patient data');
      }
      vendorId = request.vendorId;
    } else {
      if (request.vendorId !== undefined && request.vendorId !== null) throw new PolyradError(USER_INVALID, `a ${role} has no vendorId`);
      if (!Array.isArray(request.sites) || request.sites.length === 0 || request.sites.length > 100) {
        throw new PolyradError(USER_INVALID, `sites must list 1 to 100 site ids the ${role} works at (or "${ALL_SITES}" for all)`);
      }
      for (const site of request.sites) {
        if (site !== ALL_SITES && (typeof site !== 'string' || !SITE_ID.test(site))) {
          throw new PolyradError(USER_INVALID, `site ${JSON.stringify(site)} must be 1-64 letters, digits, dots, dashes or underscores, or "${ALL_SITES}"`);
        }
      }
      sites = [...new Set(request.sites as string[])].sort();
    }
    const user = { username, role: role as Role, sites, vendorId };
    assertManages(actor, user);
    const created = await this.repo.insertUser(
      { ...user, passwordHash: await this.hasher.hash(password), createdBy: actor.username },
      { actor: actor.username, action: 'user.create', details: user },
    );
    if (!created) throw new PolyradError(USER_EXISTS, `user ${username} already exists`, username);
    return details((await this.repo.findUser(username))!);
  }

  /** The users this admin may manage, themselves included. */
  async list(actor: Principal): Promise<UserDetails[]> {
    return (await this.repo.listUsers()).filter((user) => user.username === actor.username || manages(actor, user)).map(details);
  }

  async setDisabled(actor: Principal, username: string, disabled: boolean): Promise<UserDetails> {
    if (username === actor.username) throw new PolyradError(FORBIDDEN, 'you cannot disable or enable your own account; ask another admin');
    const user = await this.managed(actor, username);
    await this.repo.setDisabled(username, disabled, { actor: actor.username, action: disabled ? 'user.disable' : 'user.enable', details: {} });
    if (disabled) await this.repo.revokeUserSessions(username);
    return details({ ...user, disabled });
  }

  /**
   * Anyone may change their own password (giving the current one); an admin sets the password of a user they manage.
   * Every other session of that user ends.
   */
  async changePassword(actor: Principal, username: string, body: { password?: unknown; currentPassword?: unknown }): Promise<void> {
    const self = username === actor.username;
    const user = self ? await this.repo.findUser(username) : await this.managed(actor, username);
    if (!user) throw new PolyradError(USER_NOT_FOUND, `no user ${username}`, username);
    const password = checkPassword(body.password, 'password');
    if (self) {
      const current = typeof body.currentPassword === 'string' ? body.currentPassword : '';
      if (!(await this.hasher.verify(user.passwordHash, current))) throw new PolyradError(PASSWORD_INVALID, 'currentPassword is not your current password');
    }
    await this.repo.setPasswordHash(username, await this.hasher.hash(password), { actor: actor.username, action: 'user.password', details: {} });
    await this.repo.revokeUserSessions(username, self ? actor.sessionId : undefined);
  }

  private async managed(actor: Principal, username: string): Promise<UserRow> {
    const user = await this.repo.findUser(username);
    if (!user) throw new PolyradError(USER_NOT_FOUND, `no user ${username}`, username);
    assertManages(actor, user);
    return user;
  }
}

function checkPassword(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length < MIN_PASSWORD_LENGTH || value.length > MAX_PASSWORD_LENGTH) {
    throw new PolyradError(PASSWORD_INVALID, `${field} must be ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters long`);
  }
  return value;
}

function manages(actor: Pick<Principal, 'role' | 'sites'>, user: Pick<UserRow, 'role' | 'sites'>): boolean {
  if (isAllSitesAdmin(actor)) return true;
  if (actor.role !== 'admin' || user.role === 'vendor' || user.sites.includes(ALL_SITES)) return false;
  return user.sites.every((site) => actor.sites.includes(site));
}

function assertManages(actor: Principal, user: Pick<UserRow, 'role' | 'sites'>): void {
  if (manages(actor, user)) return;
  if (actor.role !== 'admin') throw new PolyradError(FORBIDDEN, 'only an admin manages other users');
  if (user.role === 'vendor') throw new PolyradError(FORBIDDEN, 'only an admin of all sites manages vendor users');
  throw new PolyradError(FORBIDDEN, `you manage users of your sites only (${actor.sites.join(', ')}); this user works at ${user.sites.join(', ')}`);
}
