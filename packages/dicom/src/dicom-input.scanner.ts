import { readdir, realpath, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { PolyradError } from '@polyrad/sdk/errors';
import type { DicomInstance, DicomScanResult, RejectedInput } from './dicom-instance.types.js';
import { readDicomHeader, type ReadDicomHeaderOptions } from './dicom-file.reader.js';
import { unreadable } from './file-error.mapper.js';

export interface ScanDicomInputsOptions extends ReadDicomHeaderOptions {
  /** Files read at the same time; headers are small, so a few in flight hide disk latency. */
  concurrency?: number;
  /**
   * Real (symlink-resolved) folders the walk may enter; a file or folder whose real path lies elsewhere is
   * rejected, not read. For paths a client sent: a link inside an allowed folder cannot lead out of it.
   */
  roots?: string[];
  /** Files collected at most (default 100,000), so a huge or hostile tree cannot exhaust memory. */
  maxFiles?: number;
}

const DEFAULT_MAX_FILES = 100_000;

/** Whether `path` is `root` or lies below it (both real, absolute paths). */
export function isWithin(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** What one walk has seen: folders by device and inode (a link loop is entered once), and its limits. */
interface Walk {
  files: string[];
  rejected: RejectedInput[];
  visited: Set<string>;
  roots?: string[];
  maxFiles: number;
  stopped?: boolean;
}

function rejection(error: unknown, path: string): RejectedInput {
  if (error instanceof PolyradError) return { path, code: error.code, message: error.message };
  // Never let an unexpected exception escape as a stack trace; keep its text for a bug report.
  return { path, code: 'DICOM_UNREADABLE_FILE', message: `could not be read (${error instanceof Error ? error.message : String(error)})` };
}

async function collectFiles(path: string, walk: Walk): Promise<void> {
  const { files, rejected } = walk;
  if (files.length >= walk.maxFiles) {
    if (!walk.stopped) rejected.push({ path, code: 'DICOM_TOO_MANY_FILES', message: `not read: the import stopped after ${walk.maxFiles} files; import fewer at a time` });
    walk.stopped = true;
    return;
  }
  let info;
  let real = path;
  try {
    if (walk.roots) real = await realpath(path);
    info = await stat(path);
  } catch (error) {
    rejected.push(rejection(unreadable(error, path), path));
    return;
  }
  if (walk.roots && !walk.roots.some((root) => isWithin(real, root))) {
    rejected.push({ path, code: 'DICOM_PATH_OUTSIDE_ROOTS', message: 'leads outside the allowed import folders; not read' });
    return;
  }
  if (!info.isDirectory()) {
    files.push(path);
    return;
  }
  // a folder reached again (a symlink loop, or two links to one folder) is not walked twice
  const key = `${info.dev}:${info.ino}`;
  if (walk.visited.has(key)) return;
  walk.visited.add(key);
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
    await collectFiles(join(path, name), walk);
  }
}

/**
 * Reads the headers of every file in `paths`, descending into folders (hidden files and DICOMDIR
 * skipped; each folder once, however many links lead to it; at most `maxFiles` files). Files that are not usable DICOM images land in `rejected` with a code and a reason;
 * nothing throws for a bad file.
 */
export async function scanDicomInputs(paths: string[], options: ScanDicomInputsOptions = {}): Promise<DicomScanResult> {
  const walk: Walk = { files: [], rejected: [], visited: new Set(), maxFiles: options.maxFiles ?? DEFAULT_MAX_FILES };
  if (options.roots) walk.roots = options.roots;
  for (const path of paths) await collectFiles(resolve(path), walk);
  const { files, rejected } = walk;
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
