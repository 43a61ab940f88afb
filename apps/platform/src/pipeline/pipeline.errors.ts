import { PolyradError } from '@polyrad/sdk';
import type { RejectedInput } from './study.scanner.js';

/** Thrown when nothing in the inputs can be analysed; carries every rejected file. */
export class UnusableInputError extends PolyradError {
  constructor(
    message: string,
    readonly rejected: RejectedInput[],
  ) {
    super('INPUT_UNUSABLE', message);
  }
}
