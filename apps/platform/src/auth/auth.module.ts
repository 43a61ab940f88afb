import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule, type ThrottlerModuleOptions } from '@nestjs/throttler';
import type { Request } from 'express';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { AuthController } from './auth.controller.js';
import { SIGN_IN_KEY } from './auth.decorators.js';
import { AuthGuard } from './auth.guard.js';
import { AuthRepository } from './auth.repository.js';
import { AuthService } from './auth.service.js';
import { loadJwtSecret } from './jwt-secret.js';
import { OidcService } from './oidc.service.js';
import { PasswordHasher } from './password.hasher.js';
import { RateLimitGuard } from './rate-limit.guard.js';
import { TokenIssuer } from './token.issuer.js';
import { UsersController } from './users.controller.js';
import { UsersService } from './users.service.js';

const MINUTE_MS = 60_000;

/** The general API limit on every route; two more on password sign-in only (per IP, per username). */
function rateLimits(config: AppConfig): ThrottlerModuleOptions {
  const notSignIn = (context: { getHandler(): unknown }): boolean => Reflect.getMetadata(SIGN_IN_KEY, context.getHandler() as object) !== true;
  const username = (req: Request): string => {
    const name = (req.body as { username?: unknown } | undefined)?.username;
    return typeof name === 'string' ? name.trim().toLowerCase().slice(0, 64) : '';
  };
  return {
    throttlers: [
      { name: 'api', ttl: MINUTE_MS, limit: config.auth.apiPerMinute },
      { name: 'sign-in-ip', ttl: MINUTE_MS, limit: config.auth.loginPerMinutePerIp, skipIf: notSignIn, getTracker: (req) => `ip:${String(req.ip)}` },
      { name: 'sign-in-user', ttl: MINUTE_MS, limit: config.auth.loginPerMinutePerUser, skipIf: notSignIn, getTracker: (req) => `user:${username(req as Request)}` },
    ],
  };
}

/** Users, sessions and tokens, and the global guards: sign-in first, then the rate limits. */
@Module({
  imports: [ThrottlerModule.forRootAsync({ inject: [APP_CONFIG], useFactory: rateLimits })],
  controllers: [AuthController, UsersController],
  providers: [
    AuthRepository,
    AuthService,
    OidcService,
    UsersService,
    { provide: PasswordHasher, useFactory: (config: AppConfig) => new PasswordHasher(config.auth.passwordHash), inject: [APP_CONFIG] },
    {
      provide: TokenIssuer,
      useFactory: (config: AppConfig) => new TokenIssuer(loadJwtSecret(config.auth.jwtSecret, config.dataDir), config.auth.accessTokenTtlS),
      inject: [APP_CONFIG],
    },
    { provide: APP_GUARD, useClass: AuthGuard },
    { provide: APP_GUARD, useClass: RateLimitGuard },
  ],
  exports: [AuthService],
})
export class AuthModule {}
