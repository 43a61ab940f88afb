import { randomBytes } from 'node:crypto';
import { mkdir, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve, sep } from 'node:path';
import { PolyradError } from '@polyrad/sdk';

const require = createRequire(import.meta.url);
/** Located, never loaded, here (as in plugin-catalog.ts). */
const SDK_PACKAGE = '@polyrad/sdk';

/** A manifest id or a semver version used as one folder name: no separators, never "." or "..". */
const SAFE_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;

/**
 * Published packages on disk: `<root>/<id>/<version>/` holds the unpacked package (manifest.json at its
 * top), written to a staging folder first and renamed into place, so a half-written version never exists.
 * Versions are immutable: a folder in place is never overwritten.
 */
export class PluginPackageStore {
  constructor(readonly root: string) {}

  versionDir(id: string, version: string): string {
    for (const segment of [id, version]) {
      if (!SAFE_SEGMENT.test(segment) || segment.includes('..')) {
        throw new PolyradError('PLUGIN_STORAGE_UNSAFE', `${JSON.stringify(segment)} cannot name a storage folder`);
      }
    }
    return join(this.root, id, version);
  }

  /**
   * Writes the files (paths relative to the package root) as `<id>/<version>/` and returns that folder.
   * Returns undefined, writing nothing, when the folder exists already; the caller decides if it is an orphan.
   */
  async write(id: string, version: string, files: ReadonlyMap<string, Uint8Array>): Promise<string | undefined> {
    const target = this.versionDir(id, version);
    const staging = join(this.root, '.staging', `${id}-${version}-${randomBytes(6).toString('hex')}`);
    try {
      for (const [path, data] of files) {
        const file = resolve(staging, path);
        // readPackage already refuses unsafe paths; this keeps the store safe on its own.
        if (!file.startsWith(staging + sep)) throw new PolyradError('PLUGIN_STORAGE_UNSAFE', `${path} leaves the package folder`);
        try {
          await mkdir(dirname(file), { recursive: true });
          await writeFile(file, data, { flag: 'wx' });
        } catch (error) {
          // e.g. both "dist" and "dist/index.js" as files: a package that cannot exist on disk.
          throw new PolyradError('PACKAGE_CORRUPT', `cannot unpack ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
        }
      }
      await mkdir(dirname(target), { recursive: true });
      try {
        // rename onto an existing non-empty folder fails instead of replacing it.
        await rename(staging, target);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOTEMPTY' || code === 'EEXIST') return undefined;
        throw error;
      }
      return target;
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }

  /** Removes a version folder that no database row refers to (a publish that failed after writing it). */
  async remove(id: string, version: string): Promise<void> {
    await rm(this.versionDir(id, version), { recursive: true, force: true });
  }

  /**
   * Plugins import only `@polyrad/sdk`, and ship without node_modules: the platform lends them its own SDK
   * through `<root>/node_modules/@polyrad/sdk`, which Node finds walking up from any stored package.
   */
  async linkSdk(): Promise<void> {
    const sdkDir = dirname(require.resolve(`${SDK_PACKAGE}/package.json`));
    const link = join(this.root, 'node_modules', '@polyrad', 'sdk');
    const current = await readlink(link).catch(() => undefined);
    if (current === sdkDir) return;
    await mkdir(dirname(link), { recursive: true });
    await rm(link, { recursive: true, force: true });
    await symlink(sdkDir, link, 'dir');
  }
}
