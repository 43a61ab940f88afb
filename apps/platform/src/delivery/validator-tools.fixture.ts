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

/**
 * dciodvfy warnings accepted on our SR, each for a reason:
 * - "Unrecognized defined term <99POLYRAD>": our private coding scheme, declared in the Coding Scheme
 *   Identification Sequence as PS3.3 8.2.1 asks; dciodvfy knows only the standard designators.
 * - "needed to build DICOMDIR - Study ID / Study Time": type 2 attributes copied from the source study, which
 *   leaves them empty (anonymised data sets do); a DICOMDIR is never built from the SR.
 */
const ACCEPTED_DCIODVFY_WARNINGS = [/Unrecognized defined term <99POLYRAD>/, /needed to build DICOMDIR - Study (ID|Time)$/];

/** The errors, and the warnings not accepted above, that dciodvfy reports on a file. */
export function dciodvfyProblems(path: string): string[] {
  return runTool('dciodvfy', [path])
    .output.split('\n')
    .filter((line) => /^Error/.test(line) || (/^Warning/.test(line) && !ACCEPTED_DCIODVFY_WARNINGS.some((w) => w.test(line))));
}
