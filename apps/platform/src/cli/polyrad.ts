import { Command, CommanderError } from 'commander';
import { runCli } from './cli.js';

const program = new Command();
runCli(program, process.argv).then(
  (code) => process.exit(code),
  (error: unknown) => {
    // Never a stack trace for a user: one line, and the stack only on request.
    if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : 2);
    process.stderr.write(`polyrad: internal error: ${(error as Error)?.message ?? String(error)}\n`);
    if (process.env.POLYRAD_DEBUG) process.stderr.write(`${(error as Error)?.stack ?? ''}\n`);
    process.exit(1);
  },
);
