// @polyrad/sdk/testing: run a plugin in a vendor's own tests exactly as the platform would.
export * from './plugin-test.harness.js';
