/**
 * Errors with a stable code and a message a user can act on. `subject` names what was wrong
 * (a file path, a manifest field) so every message can point at it.
 */
export class PolyradError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly subject?: string,
  ) {
    super(message);
    this.name = 'PolyradError';
  }

  /** One line for a terminal or a log: "<subject>: <message>". */
  toLine(): string {
    return this.subject ? `${this.subject}: ${this.message}` : this.message;
  }
}

export function isPolyradError(error: unknown): error is PolyradError {
  return error instanceof PolyradError;
}
