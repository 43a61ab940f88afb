import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isPolyradError } from '@polyrad/sdk';
import { CONFIG_INVALID, loadConfig, OWASP_ARGON2ID } from './app-config.js';

/** The sign-in settings when no variable sets them. */
const DEFAULT_AUTH = {
  accessTokenTtlS: 900,
  refreshTokenTtlS: 43200,
  loginPerMinutePerIp: 30,
  loginPerMinutePerUser: 10,
  apiPerMinute: 600,
  corsOrigins: [],
  hsts: false,
  headersTimeoutMs: 20000,
  requestTimeoutMs: 300000,
  trustProxy: false,
  passwordHash: OWASP_ARGON2ID,
};

describe('loadConfig', () => {
  it('uses the documented defaults', () => {
    assert.deepEqual(loadConfig({}, '/srv/polyrad'), { port: 3000, dicomPort: 11112, dataDir: '/srv/polyrad/data', quietPeriodMs: 30000, auth: DEFAULT_AUTH });
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
      auth: DEFAULT_AUTH,
    });
  });

  it('treats empty values as unset and keeps absolute data dirs', () => {
    assert.deepEqual(loadConfig({ PORT: '', DATABASE_URL: ' ', POLYRAD_DATA_DIR: '/abs/dir' }, '/srv'), {
      port: 3000,
      dicomPort: 11112,
      dataDir: '/abs/dir',
      quietPeriodMs: 30000,
      auth: DEFAULT_AUTH,
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

  it('hashes passwords with at least OWASP\'s Argon2id cost; no variable lowers it', () => {
    assert.deepEqual(OWASP_ARGON2ID, { memoryCost: 19456, timeCost: 2, parallelism: 1 });
    assert.deepEqual(loadConfig({ POLYRAD_ARGON2_MEMORY: '8', ARGON2_MEMORY_COST: '8' }).auth.passwordHash, OWASP_ARGON2ID);
  });

  it('reads the sign-in and web settings', () => {
    const { auth } = loadConfig({
      POLYRAD_ADMIN_PASSWORD: 'correct horse battery',
      POLYRAD_JWT_SECRET: 's'.repeat(40),
      POLYRAD_CORS_ORIGINS: 'https://ris.example.org, http://localhost:5173/',
      POLYRAD_PUBLIC_URL: 'https://polyrad.example.org',
      POLYRAD_LOGIN_RATE_LIMIT_USER: '5',
      POLYRAD_API_RATE_LIMIT: '100',
    });
    assert.equal(auth.adminPassword, 'correct horse battery');
    assert.deepEqual(auth.corsOrigins, ['https://ris.example.org', 'http://localhost:5173']);
    assert.equal(auth.hsts, true, 'HSTS behind TLS');
    assert.deepEqual([auth.loginPerMinutePerUser, auth.apiPerMinute], [5, 100]);
    assert.equal(loadConfig({ POLYRAD_PUBLIC_URL: 'http://polyrad.local' }).auth.hsts, false);
    assert.equal(loadConfig({ POLYRAD_HSTS: '1' }).auth.hsts, true);
    assert.equal(loadConfig({ POLYRAD_TRUST_PROXY: '1' }).auth.trustProxy, 1);
    assert.equal(loadConfig({ POLYRAD_TRUST_PROXY: 'loopback, 10.0.0.0/8' }).auth.trustProxy, 'loopback,10.0.0.0/8');
  });

  it('refuses a short admin password, a short JWT secret, CORS entries that are not origins and an unknown proxy setting, naming each', () => {
    assert.throws(
      () => loadConfig({ POLYRAD_ADMIN_PASSWORD: 'short', POLYRAD_JWT_SECRET: 'x', POLYRAD_CORS_ORIGINS: '*,https://a.org/path', POLYRAD_TRUST_PROXY: 'yes' }),
      (error: unknown) =>
        isPolyradError(error) &&
        /POLYRAD_ADMIN_PASSWORD must be 12 to 256/.test(error.message) &&
        /POLYRAD_JWT_SECRET must be at least 32/.test(error.message) &&
        /POLYRAD_CORS_ORIGINS must list origins .* got "\*"/.test(error.message) &&
        /got "https:\/\/a\.org\/path"/.test(error.message) &&
        /POLYRAD_TRUST_PROXY must be a hop count/.test(error.message),
    );
  });
});
