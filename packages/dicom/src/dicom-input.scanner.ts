import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PolyradError } from '@polyrad/sdk/errors';
import type { DicomInstance, DicomScanResult, RejectedInput } from './dicom-instance.types.js';
import { readDicomHeader, type ReadDicomHeaderOptions } from './dicom-file.reader.js';
import { unreadable } from './file-error.mapper.js';

export interface ScanDicomInputsOptions extends ReadDicomHeaderOptions {
  /** Files read at the same time; headers are small, so a few in flight hide disk latency. */
  concurrency?: number;
}

function rejection(error: unknown, path: string): RejectedInput {
  if (error instanceof PolyradError) return { path, code: error.code, message: error.message };
  // Never let an unexpected exception escape as a stack trace; keep its text for a bug report.
  return { path, code: 'DICOM_UNREADABLE_FILE', message: `could not be read (${error instanceof Error ? error.message : String(error)})` };
}

async function collectFiles(path: string, files: string[], rejected: RejectedInput[]): Promise<void> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    rejected.push(rejection(unreadable(error, path), path));
    return;
  }
  if (!info.isDirectory()) {
    files.push(path);
    return;
  }
  let names: string[];
  try {
    names = (await readdir(path)).sort();
  } catch (error) {
    rejected.push(rejection(unreadable(error, path), path));
    return;
  }
  for (const name of names) {
    // Hidden files (.DS_Store, ._resource forks) and DICOMDIR indexes are not images.
    if (name.startsWith('.') || name.toUpperCase() === 'DICOMDIR') continue;
    await collectFiles(join(path, name), files, rejected);
  }
}

/**
 * Reads the headers of every file in `paths`, descending into folders (hidden files and DICOMDIR
 * skipped). Files that are not usable DICOM images land in `rejected` with a code and a reason;
 * nothing throws for a bad file.
 */
export async function scanDicomInputs(paths: string[], options: ScanDicomInputsOptions = {}): Promise<DicomScanResult> {
  const files: string[] = [];
  const rejected: RejectedInput[] = [];
  for (const path of paths) await collectFiles(resolve(path), files, rejected);
  const unique = [...new Set(files)];
  const results: Array<DicomInstance | RejectedInput> = new Array(unique.length);
  let next = 0;
  const worker = async () => {
    while (next < unique.length) {
      const n = next++;
      try {
        results[n] = await readDicomHeader(unique[n], options);
      } catch (error) {
        results[n] = rejection(error, unique[n]);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 8) }, worker));
  const instances: DicomInstance[] = [];
  for (const result of results) {
    if ('SOPInstanceUID' in result) instances.push(result);
    else rejected.push(result);
  }
  return { instances, rejected };
}
