import assert from 'node:assert/strict';
import { mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isPolyradError } from '@polyrad/sdk';
import { CONFIG_INVALID, loadConfig } from './app-config.js';

describe('loadConfig', () => {
  it('uses the documented defaults', () => {
    assert.deepEqual(loadConfig({}, '/srv/polyrad'), { port: 3000, dicomPort: 11112, dataDir: '/srv/polyrad/data', quietPeriodMs: 30000 });
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
    });
  });

  it('treats empty values as unset and keeps absolute data dirs', () => {
    assert.deepEqual(loadConfig({ PORT: '', DATABASE_URL: ' ', POLYRAD_DATA_DIR: '/abs/dir' }, '/srv'), {
      port: 3000,
      dicomPort: 11112,
      dataDir: '/abs/dir',
      quietPeriodMs: 30000,
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

  it('keeps import roots as real folders and names a root that is not one', () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'polyrad-roots-')));
    try {
      symlinkSync(dir, join(dir, 'link'));
      assert.deepEqual(loadConfig({ POLYRAD_IMPORT_ROOTS: `${join(dir, 'link')}:${dir}` }).importRoots, [dir, dir]);
      assert.throws(
        () => loadConfig({ POLYRAD_IMPORT_ROOTS: `${dir}:${join(dir, 'missing')}` }),
        (error: unknown) => isPolyradError(error) && error.message.includes(`POLYRAD_IMPORT_ROOTS: ${join(dir, 'missing')} is not an existing folder`),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

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
});
