import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { isNotAssessed, isPolyradError, PolyradError, type Report } from '@polyrad/sdk';
import { UnusableInputError } from '../pipeline/pipeline.errors.js';
import { loadBrokerSettings } from '../config/app-config.js';
import { executorFor } from '../pipeline/execution/executor.factory.js';
import { StudyPipeline } from '../pipeline/study.pipeline.js';
import type { RejectedInput } from '../pipeline/study.scanner.js';
import { PLATFORM_VERSION } from '../platform-version.js';
import { findingLabels } from '../pipeline/report/finding-labels.js';
import type { AnalysisResult } from '../pipeline/study.pipeline.js';
import { compareWithPrior } from '../priors/study.comparator.js';
import { explanationJson, formatExplanation } from './explain.formatter.js';
import type { Io } from './cli-io.js';
import { registerPlatformAdminCommands } from './platform-admin.command.js';
import { registerPluginVendorCommands } from './plugin-vendor.command.js';
import { registerWorkerCommand } from './worker.command.js';
import { writeReportFilesFromInputs } from '../delivery/report-files.writer.js';
import { localCatalog } from './local-catalog.js';
import type { CatalogEntry } from '../pipeline/planning/plugin-catalog.js';
import { watchPluginDirs } from './plugin-dir.watcher.js';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_UNUSABLE_INPUT = 2;

const stdio: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** Collects a repeated option (--plugin a --plugin b). */
const collect = (value: string, previous: string[]) => [...previous, value];
const PLUGIN_OPTION = ['--plugin <dir>', "a plugin folder (built, with manifest.json) to run beside the bundled plugins; repeatable. For a vendor's local loop: no publishing, no signature"] as const;

function printRejected(io: Io, rejected: RejectedInput[]): void {
  for (const r of rejected) io.err(`polyrad: rejected ${r.path}: ${r.message} [${r.code}]`);
}

/** Builds the `polyrad` command line; returns the exit code instead of exiting, so tests can call it. */
export async function runCli(program: Command, argv: string[], io: Io = stdio): Promise<number> {
  let exitCode = EXIT_OK;
  const pipeline = new StudyPipeline();
  const verbose = () => Boolean(program.opts().verbose);
  const log = (message: string) => {
    if (verbose()) io.err(`polyrad: ${message}`);
  };
  program
    .name('polyrad')
    .description('Polyrad: runs every applicable radiology algorithm on a study and merges the results into one report.')
    .version(PLATFORM_VERSION)
    .option('-v, --verbose', 'log each step to stderr')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });

  program
    .command('analyze')
    .description('run the whole pipeline on DICOM files or folders and write report.json, .sr.dcm, .fhir.json, .hl7 and .pdf into --out')
    .argument('<paths...>', 'DICOM files or folders of one study')
    .requiredOption('-o, --out <dir>', 'output folder')
    .option('--prior <path>', 'an earlier study of the same patient (file or folder): analysed with the same plugin versions and compared')
    .option(...PLUGIN_OPTION, collect, [])
    .option('--watch', 'with --plugin: analyze again each time a plugin folder changes (its dist/ or manifest.json), until interrupted')
    .action(async (paths: string[], options: { out: string; prior?: string; plugin: string[]; watch?: boolean }) => {
      if (options.watch && options.plugin.length === 0) throw new PolyradError('WATCH_WITHOUT_PLUGIN', '--watch re-runs when a plugin folder changes: give the folder with --plugin <dir>');
      await analyzeOnce(paths, options);
      if (!options.watch) return;
      io.out(`polyrad: watching ${options.plugin.join(', ')}; Ctrl-C to stop`);
      await watchPluginDirs(options.plugin.map((d) => resolve(d)), () => analyzeOnce(paths, options).catch((error: unknown) => {
        if (!isPolyradError(error)) throw error;
        io.err(`polyrad: ${error.toLine()} [${error.code}]`);
      }));
    });

  async function analyzeOnce(paths: string[], options: { out: string; prior?: string; plugin: string[] }): Promise<void> {
    try {
      // read before the study is, so a bad POLYRAD_BROKER_* stops the run at once
      const broker = loadBrokerSettings();
      const analyzer = new StudyPipeline(() => executorFor(broker));
      const catalog = localCatalog(options.plugin);
      const analysed = await analyzer.analyze({ catalog, paths: paths.map((p) => resolve(p)), log });
      printRejected(io, analysed.rejected);
      const report = options.prior ? await withPrior(analyzer, catalog, analysed, resolve(options.prior)) : analysed.report;
      const out = resolve(options.out);
      await mkdir(out, { recursive: true });
      await writeFile(join(out, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
      await writeReportFilesFromInputs(out, report, paths.map((p) => resolve(p)), analysed.masks);
      const failed = report.algorithms.filter((a) => a.status === 'failed').length;
      const notAssessed = report.findings.filter(isNotAssessed).length;
      io.out(`polyrad: report for study ${report.study.studyInstanceUid}: ${report.findings.length - notAssessed} findings, ${notAssessed} not assessed, ${failed} failed algorithms -> ${join(out, 'report.json')}`);
    } catch (error) {
      if (error instanceof UnusableInputError) {
        printRejected(io, error.rejected);
        io.err(`polyrad: ${error.message}`);
        exitCode = EXIT_UNUSABLE_INPUT;
        return;
      }
      throw error;
    }
  }

  /** The prior is analysed like the study, with the same plugin versions, then compared. */
  async function withPrior(analyzer: StudyPipeline, catalog: CatalogEntry[], current: AnalysisResult, priorPath: string): Promise<Report> {
    log(`analysing the prior ${priorPath}`);
    let prior: AnalysisResult;
    try {
      prior = await analyzer.analyze({ catalog, paths: [priorPath], log });
    } catch (error) {
      if (!(error instanceof UnusableInputError)) throw error;
      throw new UnusableInputError(`--prior ${priorPath}: ${error.message}`, error.rejected);
    }
    printRejected(io, prior.rejected);
    const labels = findingLabels(catalog.map((c) => c.manifest));
    return compareWithPrior({ current, prior, labels });
  }

  program
    .command('explain')
    .description('per series: its fingerprint and every plugin\'s match decision, with reasons')
    .argument('<paths...>', 'DICOM files or folders')
    .option('--json', 'print JSON instead of text')
    .option(...PLUGIN_OPTION, collect, [])
    .action(async (paths: string[], options: { json?: boolean; plugin: string[] }) => {
      const explanation = await pipeline.explain({ catalog: localCatalog(options.plugin), paths: paths.map((p) => resolve(p)) });
      printRejected(io, explanation.rejected);
      if (explanation.series.length === 0) {
        io.err('polyrad: no usable DICOM image series in the input');
        exitCode = EXIT_UNUSABLE_INPUT;
        return;
      }
      io.out(options.json ? JSON.stringify(explanationJson(explanation), null, 2) : formatExplanation(explanation));
    });

  const plugin = program.command('plugin').description('tools for plugin vendors');
  registerPluginVendorCommands(plugin, io, () => (exitCode = EXIT_FAILURE));
  registerPlatformAdminCommands(program, io, () => (exitCode = EXIT_FAILURE));
  registerWorkerCommand(program, io);

  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (isPolyradError(error)) {
      io.err(`polyrad: ${error.toLine()}`);
      return EXIT_UNUSABLE_INPUT;
    }
    throw error;
  }
  return exitCode;
}
