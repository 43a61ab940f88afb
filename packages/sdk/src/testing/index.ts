// @polyrad/sdk/testing: run a plugin in a vendor's own tests exactly as the platform would.
export { runPluginForTest } from './plugin-test.harness.js';
export type { PluginTestInput, PluginTestOptions, PluginTestResult, PluginUnderTest } from './plugin-test.harness.js';
export { densePatchModel, densePatchProbability } from './dense-patch.model.js';
