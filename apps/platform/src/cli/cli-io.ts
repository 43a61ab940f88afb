import { isPolyradError } from '@polyrad/sdk';

/** Where the CLI prints: stdout and stderr, or a test's arrays. */
export interface Io {
  out(line: string): void;
  err(line: string): void;
}

/**
 * Wraps a command's action: a PolyradError prints one line "polyrad: <subject>: <message> [CODE]" and
 * calls `failed` (the CLI then exits 1); anything else is a bug and propagates.
 */
export function guard(io: Io, failed: () => void) {
  return <A extends unknown[]>(action: (...args: A) => void | Promise<void>) =>
    async (...args: A) => {
      try {
        await action(...args);
      } catch (error) {
        if (!isPolyradError(error)) throw error;
        io.err(`polyrad: ${error.toLine()} [${error.code}]`);
        failed();
      }
    };
}
