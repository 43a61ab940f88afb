import type { AlgorithmManifest, Artifact, SeriesInput } from '@polyrad/sdk';
import type { RunResult } from './plugin-runner.js';

/**
 * One plugin run, self-contained so that any transport can carry it: the local process executor today,
 * a message broker to remote `polyrad worker` hosts later. Only data travels; plugin code is loaded by
 * the worker from `packageDir` + `manifest.entry`.
 */
export interface PluginJob {
  /** root of the plugin package (where its manifest.json lives) */
  packageDir: string;
  /** the manifest the platform matched and planned with; outputs are validated against it */
  manifest: AlgorithmManifest;
  series: SeriesInput;
  /** inputs the manifest consumes, by type id */
  artifacts: Record<string, Artifact>;
  config: Record<string, unknown>;
  /** receives the plugin's context.log messages and its stdout/stderr lines */
  log?: (message: string) => void;
}

/** A run as an executor ends it: with the end of the worker's stderr when it failed (for the vendor's diagnostics). */
export type ExecutedRun = RunResult & { stderr?: string };

/**
 * Runs plugin jobs away from the calling process. `execute` never rejects because of the plugin:
 * a plugin that throws, hangs, leaks or crashes resolves as a failed RunResult with the reason.
 */
export interface PluginExecutor {
  execute(job: PluginJob): Promise<ExecutedRun>;
  /** stops running workers (their jobs resolve as failed) and refuses new jobs */
  close(): Promise<void>;
}
