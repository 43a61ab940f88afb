import { readdirSync, watch } from 'node:fs';
import { join } from 'node:path';

/** A rebuild writes many files at once: wait for this much quiet before running again. */
const QUIET_MS = 400;

/** The folder and every folder below it. */
function foldersUnder(dir: string): string[] {
  return [dir, ...readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).flatMap((e) => foldersUnder(join(dir, e.name)))];
}

/**
 * Calls `onChange` after each burst of changes to the plugins' dist/ folders or manifests, one call at a
 * time (a change during a run queues one more run). Never resolves: the vendor stops it with Ctrl-C.
 * Each folder gets its own watcher, set up before this returns: Node 20's recursive watch on Linux is
 * set up asynchronously and misses a change made right after it starts.
 */
export function watchPluginDirs(dirs: readonly string[], onChange: () => Promise<void>): Promise<never> {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  const run = () => {
    if (running) {
      again = true;
      return;
    }
    running = onChange().finally(() => {
      running = undefined;
      if (again) {
        again = false;
        run();
      }
    });
  };
  const changed = () => {
    clearTimeout(timer);
    timer = setTimeout(run, QUIET_MS);
  };
  for (const dir of dirs) {
    for (const folder of foldersUnder(join(dir, 'dist'))) watch(folder, changed);
    watch(join(dir, 'manifest.json'), changed);
  }
  return new Promise<never>(() => undefined);
}
