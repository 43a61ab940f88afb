import assert from 'node:assert/strict';
import { mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isPolyradError } from '@polyrad/sdk';
import { CONFIG_INVALID, DEFAULT_DICOM_INTAKE, loadConfig } from './app-config.js';

describe('loadConfig', () => {
  it('uses the documented defaults', () => {
    assert.deepEqual(loadConfig({}, '/srv/polyrad'), { port: 3000, dicomPort: 11112, dataDir: '/srv/polyrad/data', quietPeriodMs: 30000, dicomIntake: DEFAULT_DICOM_INTAKE });
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
      dicomIntake: DEFAULT_DICOM_INTAKE,
      databaseUrl: 'postgresql://u:p@db:5432/polyrad',
    });
  });

  it('treats empty values as unset and keeps absolute data dirs', () => {
    assert.deepEqual(loadConfig({ PORT: '', DATABASE_URL: ' ', POLYRAD_DATA_DIR: '/abs/dir' }, '/srv'), {
      port: 3000,
      dicomPort: 11112,
      dataDir: '/abs/dir',
      quietPeriodMs: 30000,
      dicomIntake: DEFAULT_DICOM_INTAKE,
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

  it('reads the DICOM listener settings, loopback-only peers by default', () => {
    assert.deepEqual(loadConfig({}).dicomIntake, { ...DEFAULT_DICOM_INTAKE, maxPduBytes: 1048576, maxInstanceBytes: 2048 * 1048576, maxAssociations: 16, timeoutMs: 60000 });
    const config = loadConfig({
      POLYRAD_DICOM_PEERS: 'CT1@10.0.0.5, PACS@10.0.0.0/24',
      POLYRAD_DICOM_MAX_PDU_KB: '256',
      POLYRAD_DICOM_MAX_INSTANCE_MB: '100',
      POLYRAD_DICOM_MAX_ASSOCIATIONS: '4',
      POLYRAD_DICOM_TIMEOUT_S: '30',
    }).dicomIntake!;
    assert.deepEqual(
      { ...config, peers: undefined },
      { peers: undefined, maxPduBytes: 256 * 1024, maxInstanceBytes: 100 * 1048576, maxAssociations: 4, timeoutMs: 30000 },
    );
    assert.equal(config.peers.open, false);
  });

  it('refuses a peers list mixing the open mode with entries, and limits out of range, naming the variables', () => {
    assert.throws(
      () => loadConfig({ POLYRAD_DICOM_PEERS: '*,CT1', POLYRAD_DICOM_MAX_PDU_KB: '1' }),
      (error: unknown) =>
        isPolyradError(error) && /POLYRAD_DICOM_PEERS "\*": "\*" opens the listener/.test(error.message) && /POLYRAD_DICOM_MAX_PDU_KB must be a number from 64/.test(error.message),
    );
  });

  it('reads the urgent webhook URL', () => {
    assert.equal(loadConfig({ POLYRAD_URGENT_WEBHOOK: 'https://ris.example.org/hooks/urgent' }).urgentWebhookUrl, 'https://ris.example.org/hooks/urgent');
  });
});
