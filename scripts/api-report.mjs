// Compares the SDK's public API (its compiled .d.ts entry points) with the reviewed reports in
// packages/sdk/api/*.api.md, and fails when they differ: vendors build on this surface, so a change
// to it must show up in review. `node scripts/api-report.mjs --update` rewrites the reports after
// `npx tsc -b tsconfig.json`. The same run generates the SDK reference in docs/sdk-reference (API
// Documenter, from the types and their doc comments) and fails when the committed one is stale.
import { Extractor, ExtractorConfig } from '@microsoft/api-extractor';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const update = process.argv.includes('--update');
const configs = ['api-extractor.json', 'api-extractor.testing.json', 'api-extractor.onnx.json'].map((name) => fileURLToPath(new URL(`../packages/sdk/${name}`, import.meta.url)));
let failed = false;
for (const path of configs) {
  const config = ExtractorConfig.loadFileAndPrepare(path);
  const result = Extractor.invoke(config, { localBuild: update, showVerboseMessages: false });
  if (!update && result.apiReportChanged) {
    console.error(`The SDK's public API changed: ${config.reportFilePath} is out of date. Review the change, then run node scripts/api-report.mjs --update and commit the report.`);
  }
  failed ||= !result.succeeded || (!update && result.apiReportChanged);
}

const root = fileURLToPath(new URL('..', import.meta.url));
const reference = join(root, 'docs/sdk-reference');
const generated = mkdtempSync(join(tmpdir(), 'sdk-reference-'));
const documenter = spawnSync(process.execPath, [join(root, 'node_modules/@microsoft/api-documenter/bin/api-documenter'), 'markdown', '-i', join(root, 'packages/sdk/dist/api-model'), '-o', generated], { encoding: 'utf8' });
if (documenter.status !== 0) {
  console.error(`api-documenter failed: ${documenter.stderr || documenter.stdout}`);
  failed = true;
} else if (update) {
  rmSync(reference, { recursive: true, force: true });
  cpSync(generated, reference, { recursive: true });
} else {
  const list = (dir) => { try { return readdirSync(dir).sort(); } catch { return []; } };
  const stale = list(generated).join() !== list(reference).join() || list(generated).some((f) => readFileSync(join(generated, f), 'utf8') !== readFileSync(join(reference, f), 'utf8'));
  if (stale) console.error('The SDK reference in docs/sdk-reference is out of date: run node scripts/api-report.mjs --update and commit it.');
  failed ||= stale;
}
rmSync(generated, { recursive: true, force: true });
process.exit(failed ? 1 : 0);
