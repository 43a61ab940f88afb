import { PolyradError } from '@polyrad/sdk';

export const DATABASE_UNAVAILABLE = 'DATABASE_UNAVAILABLE';

/** How long one database call may take before the caller is answered "unavailable" (POLYRAD_DB_TIMEOUT_S). */
export const DEFAULT_DATABASE_TIMEOUT_MS = 10_000;

// node-postgres' own messages for a connection that is gone, refused or silent
const CONNECTION_MESSAGES = [/Query read timeout/i, /timeout exceeded when trying to connect/i, /Connection terminated/i, /Connection ended/i, /connect ECONNREFUSED/i, /Client has encountered a connection error/i];
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);
// SQLSTATE: 08 connection exception; 57P01-57P03 server shutting down or not accepting; 57014 statement_timeout; 53300 too many connections
const UNAVAILABLE_SQLSTATE = /^(08...|57P0[123]|57014|53300)$/;

/** Whether an error says the database cannot be reached or did not answer in time (as opposed to a bad query or data). */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  const cause = (error as { driverError?: unknown }).driverError ?? error;
  const code = (cause as { code?: unknown }).code;
  if (typeof code === 'string' && (CONNECTION_CODES.has(code) || UNAVAILABLE_SQLSTATE.test(code))) return true;
  const message = (cause as { message?: unknown }).message;
  return typeof message === 'string' && CONNECTION_MESSAGES.some((pattern) => pattern.test(message));
}

/** The error a user sees while the database is out: it names the cause and says the platform recovers on its own. */
export function databaseUnavailable(error: unknown): PolyradError {
  const cause = (error as { message?: string }).message || (error as { code?: string }).code || 'no answer';
  return new PolyradError(DATABASE_UNAVAILABLE, `the database is not answering (${cause}); retry shortly (Polyrad reconnects by itself)`);
}
