import { spawnSync } from 'node:child_process';

// CI installs the validators (dciodvfy, dsrdump, pdftotext, Orthanc) and sets this, so a machine that lost
// one fails the specs that need it instead of skipping them.
const required = process.env.POLYRAD_TEST_REQUIRE_DELIVERY_TOOLS === '1';

function onPath(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** A node:test `skip` value: false when every command is installed (or CI requires them), else why not. */
export function skipWithout(...commands: string[]): string | false {
  const missing = commands.filter((c) => !onPath(c));
  if (!missing.length || required) return false;
  const why = `${missing.join(', ')} not installed (apt-get install dicom3tools dcmtk poppler-utils orthanc)`;
  console.log(`# skipping: ${why}`);
  return why;
}

/** Runs a validator and returns its output (stdout and stderr together) and exit status. */
export function runTool(command: string, args: string[]): { status: number | null; output: string } {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw new Error(`${command} could not run: ${result.error.message}`);
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}
