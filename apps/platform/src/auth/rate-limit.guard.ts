import { type ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';
import { PolyradError } from '@polyrad/sdk';
import type { Response } from 'express';
import type { AuthenticatedRequest } from './auth.decorators.js';
import { RATE_LIMITED } from './auth.errors.js';

/** Runs after AuthGuard, so the general API limit counts per signed-in user (per IP before sign-in). */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected override async getTracker(req: Record<string, unknown>): Promise<string> {
    const principal = (req as unknown as AuthenticatedRequest).principal;
    return principal ? `user:${principal.username}` : `ip:${await super.getTracker(req)}`;
  }

  /** 429 { code, message } with the standard Retry-After (the library's own header carries the throttler's name). */
  protected override async throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const wait = Math.max(1, Math.ceil(detail.timeToBlockExpire));
    context.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(wait));
    throw new PolyradError(RATE_LIMITED, `too many requests; try again in ${wait} s`);
  }
}
