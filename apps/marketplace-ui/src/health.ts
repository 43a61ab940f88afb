/** The body of GET /health (apps/platform HealthController). */
export interface Health {
  status: 'ok' | 'error';
  database: 'pglite' | 'postgres';
  version: string;
  reason?: string;
}

export type HealthState = { kind: 'loading' } | { kind: 'loaded'; health: Health } | { kind: 'unreachable'; message: string };

/** Reads /health; a 503 still carries a Health body with the reason. */
export async function fetchHealth(signal?: AbortSignal): Promise<HealthState> {
  try {
    const res = await fetch('/health', { signal, headers: { accept: 'application/json' } });
    const body = (await res.json()) as Health;
    return { kind: 'loaded', health: body };
  } catch (error) {
    if (signal?.aborted) throw error;
    return { kind: 'unreachable', message: error instanceof Error ? error.message : String(error) };
  }
}
