import { setTimeout as sleep } from 'node:timers/promises';
import { isPolyradError } from '@polyrad/sdk';

/** How often and how patiently a destination that is down is tried again. */
export interface RetryPolicy {
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  /** growth of the delay between attempts (default 2: exponential backoff) */
  factor?: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 8, initialDelayMs: 5_000, maxDelayMs: 10 * 60_000 };

/** One try at one destination, as the delivery log keeps it. */
export interface DeliveryAttempt {
  attempt: number;
  at: string;
  outcome: 'delivered' | 'failed';
  code?: string;
  message?: string;
  /** ms waited before the next attempt; absent on the last */
  retryInMs?: number;
}

/** The delay before attempt `attempt + 1`: initialDelayMs, growing by `factor` each time, at most maxDelayMs. */
export function backoffDelay(policy: RetryPolicy, attempt: number): number {
  return Math.min(policy.maxDelayMs, policy.initialDelayMs * (policy.factor ?? 2) ** (attempt - 1));
}

/** Codes the same content will get again from the same receiver: not retried (a person changes something and re-sends). */
export const FINAL_DELIVERY_CODES: readonly string[] = ['DELIVERY_REJECTED'];

/** What a failed attempt (the `attempt`th) means: its code and message, and the wait before the next unless it was the last or `final`. */
export function failedAttempt(error: unknown, attempt: number, policy: RetryPolicy, final: readonly string[] = FINAL_DELIVERY_CODES): { code: string; message: string; retryInMs?: number } {
  const code = isPolyradError(error) ? error.code : 'DELIVERY_FAILED';
  const message = error instanceof Error ? error.message : String(error);
  if (attempt >= policy.attempts || final.includes(code)) return { code, message };
  return { code, message, retryInMs: backoffDelay(policy, attempt) };
}

/**
 * Tries `send` until it succeeds, the destination refuses (DELIVERY_REJECTED: the same content will be
 * refused again), or the attempts run out; waits with exponential backoff in between. Never throws: the
 * attempts say what happened, for the delivery log and a later manual re-send.
 */
export async function deliverWithRetry(
  send: () => Promise<void>,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  wait: (ms: number) => Promise<unknown> = sleep,
): Promise<{ delivered: boolean; attempts: DeliveryAttempt[] }> {
  const attempts: DeliveryAttempt[] = [];
  for (let attempt = 1; attempt <= policy.attempts; attempt++) {
    const at = new Date().toISOString();
    try {
      await send();
      attempts.push({ attempt, at, outcome: 'delivered' });
      return { delivered: true, attempts };
    } catch (error) {
      const failed = failedAttempt(error, attempt, policy);
      attempts.push({ attempt, at, outcome: 'failed', ...failed });
      if (failed.retryInMs === undefined) break;
      await wait(failed.retryInMs);
    }
  }
  return { delivered: false, attempts };
}
