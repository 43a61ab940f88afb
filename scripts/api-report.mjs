// Compares the SDK's public API (its compiled .d.ts entry points) with the reviewed reports in
// packages/sdk/api/*.api.md, and fails when they differ: vendors build on this surface, so a change
// to it must show up in review. `node scripts/api-report.mjs --update` rewrites the reports after
// `npx tsc -b tsconfig.json`.
import { Extractor, ExtractorConfig } from '@microsoft/api-extractor';
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
process.exit(failed ? 1 : 0);
