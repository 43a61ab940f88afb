import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { AnyRole, CurrentUser, Public, SignInAttempt } from './auth.decorators.js';
import { AuthService, type TokenAnswer, userView, type UserView } from './auth.service.js';
import { OidcService } from './oidc.service.js';
import type { Principal } from './principal.js';

type Json = Record<string, unknown> | undefined;

/** Sign-in (DESIGN.md "Sign-in"). Sessions are bearer tokens only, never cookies, so there is no CSRF to forge. */
@Controller('api/auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly oidc: OidcService,
  ) {}

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

  /** Whether the login page offers sign-in through the hospital's identity provider, and its button's text. */
  @Get('oidc')
  @Public()
  oidcInfo(): { enabled: boolean; label?: string } {
    return this.oidc.describe();
  }

  /** → `{ authorizationUrl }`: send the browser there; it comes back to the web app's /login/oidc. */
  @Post('oidc/start')
  @HttpCode(200)
  @Public()
  @SignInAttempt()
  oidcStart(): Promise<{ authorizationUrl: string }> {
    return this.oidc.start();
  }

  /** `{ search }`, the query the provider returned to /login/oidc → tokens, as a password sign-in. */
  @Post('oidc/callback')
  @HttpCode(200)
  @Public()
  @SignInAttempt()
  oidcCallback(@Body() body: Json): Promise<TokenAnswer> {
    return this.oidc.finish(body?.search);
  }

  @Get('me')
  @AnyRole()
  me(@CurrentUser() me: Principal): UserView {
    return userView(me);
  }
}
