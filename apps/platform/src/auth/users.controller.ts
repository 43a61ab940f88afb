import { Body, Controller, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { AnyRole, CurrentUser, Roles } from './auth.decorators.js';
import type { Principal } from './principal.js';
import { type CreateUserRequest, type UserDetails, UsersService } from './users.service.js';

type Json = Record<string, unknown> | undefined;

/** User management: admins, within their sites (UsersService decides); anyone may change their own password. */
@Controller('api/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @Roles('admin')
  list(@CurrentUser() me: Principal): Promise<UserDetails[]> {
    return this.users.list(me);
  }

  /** `{ username, password, role, sites?, vendorId? }` */
  @Post()
  @Roles('admin')
  create(@CurrentUser() me: Principal, @Body() body: CreateUserRequest | undefined): Promise<UserDetails> {
    return this.users.create(me, body ?? {});
  }

  @Post(':username/disable')
  @HttpCode(200)
  @Roles('admin')
  disable(@CurrentUser() me: Principal, @Param('username') username: string): Promise<UserDetails> {
    return this.users.setDisabled(me, username, true);
  }

  @Post(':username/enable')
  @HttpCode(200)
  @Roles('admin')
  enable(@CurrentUser() me: Principal, @Param('username') username: string): Promise<UserDetails> {
    return this.users.setDisabled(me, username, false);
  }

  /** `{ password, currentPassword? }` (currentPassword when changing one's own). */
  @Put(':username/password')
  @HttpCode(204)
  @AnyRole()
  changePassword(@CurrentUser() me: Principal, @Param('username') username: string, @Body() body: Json): Promise<void> {
    return this.users.changePassword(me, username, body ?? {});
  }
}
