import { createHash } from 'node:crypto';
import { readFile, realpath, stat } from 'node:fs/promises';
import { relative, resolve, sep } from 'node:path';
import { PolyradError } from '../errors.js';
import type { AlgorithmManifest } from '../manifest/manifest.types.js';
import { MODEL_LOAD_FAILED, type ModelProvider } from './model-session.js';
import { OnnxModel, type OnnxModelOptions } from './onnx-model.js';

function describe(error: unknown): string {
  return (error as NodeJS.ErrnoException)?.code ?? (error instanceof Error ? error.message : String(error));
}

/**
 * The sessions of the models plugins ship, each loaded once (per package folder, path and sha256) and
 * reused for every later study: loading costs far more than a run. Only a model the manifest lists is
 * opened, only from inside the package folder (links resolved), only when its bytes match the listed
 * sha256 and the file fits the plugin's memory limit.
 */
export class PackageModels {
  private readonly sessions = new Map<string, Promise<OnnxModel>>();

  constructor(private readonly options: OnnxModelOptions = {}) {}

  /** `context.model` for one plugin package. */
  providerFor(packageDir: string, manifest: AlgorithmManifest): ModelProvider {
    return (path) => this.open(packageDir, manifest, path);
  }

  /** `log` hears when the model is loaded (not when a loaded session is reused). */
  open(packageDir: string, manifest: AlgorithmManifest, path: string, log?: (message: string) => void): Promise<OnnxModel> {
    const listed = typeof path === 'string' ? manifest.models?.find((m) => m.path === path) : undefined;
    if (!listed) {
      const known = manifest.models?.map((m) => m.path).join(', ') || 'none';
      return Promise.reject(new PolyradError(MODEL_LOAD_FAILED, `the manifest lists no model ${String(path)} (it lists ${known})`, manifest.id));
    }
    const key = `${resolve(packageDir)}\0${listed.path}\0${listed.sha256}`;
    let session = this.sessions.get(key);
    if (!session) {
      const started = performance.now();
      session = this.load(packageDir, manifest, listed.path, listed.sha256);
      void session.then(() => log?.(`loaded model ${listed.path} in ${Math.round(performance.now() - started)} ms; kept for later studies`), () => undefined);
      this.sessions.set(key, session);
      // a failed load is not kept: a repaired file loads on the next study
      session.catch(() => this.sessions.delete(key));
    }
    return session;
  }

  /** Frees every session; later `open`s load again. */
  async release(): Promise<void> {
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.allSettled(sessions.map(async (session) => (await session).release()));
  }

  private async load(packageDir: string, manifest: AlgorithmManifest, path: string, sha256: string): Promise<OnnxModel> {
    const failed = (reason: string) => new PolyradError(MODEL_LOAD_FAILED, reason, `${manifest.id}: ${path}`);
    let file: string;
    try {
      const root = await realpath(packageDir);
      file = await realpath(resolve(root, path));
      const inside = relative(root, file);
      if (inside === '' || inside.startsWith(`..${sep}`) || inside === '..') throw failed('the model lies outside the plugin package');
      const { size } = await stat(file);
      const limit = manifest.limits.memoryMb * 1024 * 1024;
      if (size > limit) throw failed(`the model file (${Math.ceil(size / 1024 / 1024)} MB) exceeds the plugin's memory limit of ${manifest.limits.memoryMb} MB`);
    } catch (error) {
      throw error instanceof PolyradError ? error : failed(`cannot read the model: ${describe(error)}`);
    }
    const bytes = await readFile(file).catch((error) => {
      throw failed(`cannot read the model: ${describe(error)}`);
    });
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== sha256) throw failed(`sha256 ${actual} differs from the manifest's ${sha256}`);
    return OnnxModel.fromBytes(bytes, path, this.options);
  }
}
