import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Where a DCMTK tool is installed, or undefined (specs skip what needs it). */
export const dcmtkTool = (name: string): string | undefined => [`/usr/bin/${name}`, `/usr/local/bin/${name}`].find(existsSync);

/**
 * Runs a DCMTK tool as the modality (asynchronously: the SCP answers from this process); TCP_NODELAY so
 * it measures software, not a TCP timer. Resolves with its exit status and everything it printed.
 */
export function runDcmtk(command: string, args: string[]): Promise<{ status: number | null; output: string }> {
  const child = spawn(command, args, { env: { ...process.env, TCP_NODELAY: '1' }, timeout: 120_000 });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, output })));
}
