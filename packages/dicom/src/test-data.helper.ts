import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// dist/ sits three levels below the repository root (packages/dicom/dist).
const repositoryRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

/** The shared real-data folder: POLYRAD_TEST_DATA, or ../shared/data from the repository root. */
export const testDataDir = resolve(process.env.POLYRAD_TEST_DATA ?? join(repositoryRoot, '../shared/data'));

/**
 * Path of a file or folder in the real test data, or a skip reason (printed by node:test) when it is
 * absent, so a fresh clone without the data still passes.
 */
export function testData(relative: string): { path: string; skip: string | false } {
  const path = join(testDataDir, relative);
  const skip = existsSync(path) ? false : `real test data not found at ${path} (set POLYRAD_TEST_DATA)`;
  if (skip) console.log(`# skipping: ${skip}`);
  return { path, skip };
}
