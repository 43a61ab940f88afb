import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isPolyradError } from '@polyrad/sdk';
import { CONFIG_INVALID, loadConfig, loadSandboxSettings } from './app-config.js';

/** Sandbox where the machine can; third-party plugins never unsandboxed without the admin's say. */
const SANDBOX_DEFAULT = { mode: 'auto', allowUnsandboxed: false };

describe('loadConfig', () => {
  it('uses the documented defaults', () => {
    assert.deepEqual(loadConfig({}, '/srv/polyrad'), { port: 3000, dicomPort: 11112, dataDir: '/srv/polyrad/data', quietPeriodMs: 30000, sandbox: SANDBOX_DEFAULT });
  });

  it('reads every variable from the environment', () => {
    const config = loadConfig(
      { PORT: '8080', DICOM_PORT: '104', POLYRAD_DATA_DIR: 'var/pr', DATABASE_URL: 'postgresql://u:p@db:5432/polyrad', POLYRAD_QUIET_PERIOD_S: '2.5' },
      '/srv',
    );
    assert.deepEqual(config, {
      port: 8080,
      dicomPort: 104,
      dataDir: '/srv/var/pr',
      quietPeriodMs: 2500,
      databaseUrl: 'postgresql://u:p@db:5432/polyrad',
      sandbox: SANDBOX_DEFAULT,
    });
  });

  it('treats empty values as unset and keeps absolute data dirs', () => {
    assert.deepEqual(loadConfig({ PORT: '', DATABASE_URL: ' ', POLYRAD_DATA_DIR: '/abs/dir' }, '/srv'), {
      port: 3000,
      dicomPort: 11112,
      dataDir: '/abs/dir',
      quietPeriodMs: 30000,
      sandbox: SANDBOX_DEFAULT,
    });
  });

  for (const bad of ['abc', '-1', '65536', '80.5', '1e3']) {
    it(`rejects PORT=${bad} with an error naming PORT`, () => {
      assert.throws(
        () => loadConfig({ PORT: bad }),
        (error: unknown) =>
          isPolyradError(error) && error.code === CONFIG_INVALID && error.message.includes('PORT') && error.message.includes(bad),
      );
    });
  }

  it('names every invalid variable at once', () => {
    assert.throws(
      () => loadConfig({ DICOM_PORT: 'x', DATABASE_URL: 'mysql://db/x', POLYRAD_URGENT_WEBHOOK: 'ris.local/hook', POLYRAD_QUIET_PERIOD_S: '-3' }),
      (error: unknown) =>
        isPolyradError(error) &&
        /DICOM_PORT must/.test(error.message) &&
        /DATABASE_URL must/.test(error.message) &&
        /POLYRAD_URGENT_WEBHOOK must be an http/.test(error.message) &&
        /POLYRAD_QUIET_PERIOD_S must be a number from 0/.test(error.message),
    );
  });

  it('reads the urgent webhook URL', () => {
    assert.equal(loadConfig({ POLYRAD_URGENT_WEBHOOK: 'https://ris.example.org/hooks/urgent' }).urgentWebhookUrl, 'https://ris.example.org/hooks/urgent');
  });

  it('reads the plugin sandbox settings and names a wrong one', () => {
    assert.deepEqual(loadConfig({ POLYRAD_SANDBOX: 'required', POLYRAD_ALLOW_UNSANDBOXED: '1' }).sandbox, { mode: 'required', allowUnsandboxed: true });
    assert.deepEqual(loadSandboxSettings({ POLYRAD_SANDBOX: 'OFF' }), { mode: 'off', allowUnsandboxed: false });
    assert.throws(
      () => loadConfig({ POLYRAD_SANDBOX: 'maybe', POLYRAD_ALLOW_UNSANDBOXED: 'yes' }),
      (error: unknown) =>
        isPolyradError(error) &&
        error.message.includes('POLYRAD_SANDBOX must be one of auto, required, off, got "maybe"') &&
        error.message.includes('POLYRAD_ALLOW_UNSANDBOXED must be 1'),
    );
  });
});
