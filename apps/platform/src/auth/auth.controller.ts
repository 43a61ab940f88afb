import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { AnyRole, CurrentUser, Public, SignInAttempt } from './auth.decorators.js';
import { AuthService, type TokenAnswer, userView, type UserView } from './auth.service.js';
import type { Principal } from './principal.js';

type Json = Record<string, unknown> | undefined;

/** Sign-in (DESIGN.md "Sign-in"). Sessions are bearer tokens only, never cookies, so there is no CSRF to forge. */
@Controller('api/auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  /** `{ username, password }` → tokens; rate-limited per IP and per username. */
  @Post('login')
  @HttpCode(200)
  @Public()
  @SignInAttempt()
  login(@Body() body: Json): Promise<TokenAnswer> {
    return this.auth.login(body?.username, body?.password);
  }

  /** `{ refreshToken }` → a new pair; the old refresh token is spent. */
  @Post('refresh')
  @HttpCode(200)
  @Public()
  refresh(@Body() body: Json): Promise<TokenAnswer> {
    return this.auth.refresh(body?.refreshToken);
  }

  /** Ends the session: its refresh token and every access token of it stop working. */
  @Post('logout')
  @HttpCode(204)
  @AnyRole()
  logout(@CurrentUser() me: Principal): Promise<void> {
    return this.auth.logout(me);
  }

  @Get('me')
  @AnyRole()
  me(@CurrentUser() me: Principal): UserView {
    return userView(me);
  }
}
