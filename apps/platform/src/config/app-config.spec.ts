import assert from 'node:assert/strict';
import { mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isPolyradError } from '@polyrad/sdk';
import { DEFAULT_DELIVERY_CONFIG } from '../delivery/delivery.config.js';
import { CONFIG_INVALID, DEFAULT_DICOM_INTAKE, loadBrokerSettings, loadConfig, loadSandboxSettings, OWASP_ARGON2ID } from './app-config.js';

/** Sandbox where the machine can; third-party plugins never unsandboxed without the admin's say. */
const SANDBOX_DEFAULT = { mode: 'auto', allowUnsandboxed: false };

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
    assert.deepEqual(loadConfig({}, '/srv/polyrad'), { port: 3000, dicomPort: 11112, dataDir: '/srv/polyrad/data', quietPeriodMs: 30000, databaseTimeoutMs: 10000, dicomIntake: DEFAULT_DICOM_INTAKE, auth: DEFAULT_AUTH, sandbox: SANDBOX_DEFAULT, delivery: DEFAULT_DELIVERY_CONFIG });
  });

  it('reads every variable from the environment', () => {
    const config = loadConfig(
      { PORT: '8080', DICOM_PORT: '104', POLYRAD_DATA_DIR: 'var/pr', DATABASE_URL: 'postgresql://u:p@db:5432/polyrad', POLYRAD_QUIET_PERIOD_S: '2.5', POLYRAD_DB_TIMEOUT_S: '4' },
      '/srv',
    );
    assert.deepEqual(config, {
      port: 8080,
      dicomPort: 104,
      dataDir: '/srv/var/pr',
      quietPeriodMs: 2500,
      databaseTimeoutMs: 4000,
      dicomIntake: DEFAULT_DICOM_INTAKE,
      databaseUrl: 'postgresql://u:p@db:5432/polyrad',
      auth: DEFAULT_AUTH,
      sandbox: SANDBOX_DEFAULT,
      delivery: DEFAULT_DELIVERY_CONFIG,
    });
  });

  it('treats empty values as unset and keeps absolute data dirs', () => {
    assert.deepEqual(loadConfig({ PORT: '', DATABASE_URL: ' ', POLYRAD_DATA_DIR: '/abs/dir' }, '/srv'), {
      port: 3000,
      dicomPort: 11112,
      dataDir: '/abs/dir',
      quietPeriodMs: 30000,
      databaseTimeoutMs: 10000,
      dicomIntake: DEFAULT_DICOM_INTAKE,
      auth: DEFAULT_AUTH,
      sandbox: SANDBOX_DEFAULT,
      delivery: DEFAULT_DELIVERY_CONFIG,
    });
  });

  it('reads the delivery allow-list and retries, and names a bad entry', () => {
    const { delivery } = loadConfig({ POLYRAD_DELIVERY_ALLOWED_HOSTS: 'PACS.hospital.org, 10.0.0.8:8042', POLYRAD_DELIVERY_MAX_ATTEMPTS: '3', POLYRAD_DELIVERY_RETRY_S: '0.5', POLYRAD_DELIVERY_RETRY_MAX_S: '60' });
    assert.deepEqual(delivery, { ...DEFAULT_DELIVERY_CONFIG, allowedHosts: ['pacs.hospital.org', '10.0.0.8:8042'], retry: { attempts: 3, initialDelayMs: 500, maxDelayMs: 60000 } });
    assert.throws(() => loadConfig({ POLYRAD_DELIVERY_ALLOWED_HOSTS: 'http://ehr/fhir' }), (e: unknown) => isPolyradError(e) && /POLYRAD_DELIVERY_ALLOWED_HOSTS: "http:\/\/ehr\/fhir"/.test(e.message));
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

  it('reads OpenID Connect sign-in with its role mapping, and names what is missing or malformed', () => {
    const oidc = {
      POLYRAD_OIDC_ISSUER: 'https://id.hospital.org/realms/main',
      POLYRAD_OIDC_CLIENT_ID: 'polyrad',
      POLYRAD_OIDC_CLIENT_SECRET: 'secret',
      POLYRAD_OIDC_REDIRECT_URI: 'https://polyrad.hospital.org/login/oidc',
      POLYRAD_OIDC_ROLES: 'radiology=radiologist@default, pacs-admins=admin@*,ct-north=radiologist@north+south',
    };
    assert.equal(loadConfig({}).auth.oidc, undefined, 'off unless configured');
    assert.deepEqual(loadConfig(oidc).auth.oidc, {
      issuer: 'https://id.hospital.org/realms/main',
      clientId: 'polyrad',
      clientSecret: 'secret',
      redirectUri: 'https://polyrad.hospital.org/login/oidc',
      roleClaim: 'groups',
      roles: [
        { value: 'radiology', role: 'radiologist', sites: ['default'] },
        { value: 'pacs-admins', role: 'admin', sites: ['*'] },
        { value: 'ct-north', role: 'radiologist', sites: ['north', 'south'] },
      ],
      label: 'Sign in with the hospital account',
    });
    const refused = (env: Record<string, string>, pattern: RegExp) =>
      assert.throws(() => loadConfig(env), (e: unknown) => isPolyradError(e) && e.code === CONFIG_INVALID && pattern.test(e.message));
    refused({ POLYRAD_OIDC_ISSUER: oidc.POLYRAD_OIDC_ISSUER }, /needs POLYRAD_OIDC_CLIENT_ID, POLYRAD_OIDC_CLIENT_SECRET, POLYRAD_OIDC_REDIRECT_URI, POLYRAD_OIDC_ROLES as well/);
    refused({ ...oidc, POLYRAD_OIDC_ISSUER: 'http://id.hospital.org' }, /POLYRAD_OIDC_ISSUER must be an https:\/\/ URL \(http:\/\/ only on localhost\)/);
    refused({ ...oidc, POLYRAD_OIDC_ROLES: 'radiology=vendor@default' }, /POLYRAD_OIDC_ROLES entries are value=role@site\+site .*"radiology=vendor@default"/);
    assert.equal(loadConfig({ ...oidc, POLYRAD_OIDC_ISSUER: 'http://127.0.0.1:9000' }).auth.oidc?.issuer, 'http://127.0.0.1:9000');
  });

  it('reads the STOW-RS request limit, and names a bad one', () => {
    assert.equal(loadConfig({ POLYRAD_DICOMWEB_MAX_REQUEST_MB: '512' }).dicomwebMaxRequestBytes, 512 * 1048576);
    assert.throws(
      () => loadConfig({ POLYRAD_DICOMWEB_MAX_REQUEST_MB: '0' }),
      (error: unknown) => isPolyradError(error) && /POLYRAD_DICOMWEB_MAX_REQUEST_MB must be a number from 1/.test(error.message),
    );
  });

  it('keeps received images forever unless POLYRAD_RETENTION_DAYS is set, and names a bad value', () => {
    assert.equal(loadConfig({}).retentionMs, undefined);
    assert.equal(loadConfig({ POLYRAD_RETENTION_DAYS: '30' }).retentionMs, 30 * 86_400_000);
    assert.equal(loadConfig({ POLYRAD_RETENTION_DAYS: '0' }).retentionMs, 0);
    for (const bad of ['-1', 'forever', '40000']) {
      assert.throws(
        () => loadConfig({ POLYRAD_RETENTION_DAYS: bad }),
        (error: unknown) => isPolyradError(error) && /POLYRAD_RETENTION_DAYS must be a number from 0 to 36500/.test(error.message),
      );
    }
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

  it('runs plugins locally unless POLYRAD_BROKER_URL names a broker, and reads the broker settings with their defaults', () => {
    assert.equal(loadConfig({}).broker, undefined);
    assert.equal(loadBrokerSettings({ POLYRAD_BROKER_URL: ' ' }), undefined);
    assert.deepEqual(loadConfig({ POLYRAD_BROKER_URL: 'amqp://u:p@mq:5672', POLYRAD_DATA_DIR: 'var/pr' }, '/srv').broker, {
      url: 'amqp://u:p@mq:5672',
      queue: 'polyrad.jobs',
      storeDir: '/srv/var/pr/jobs',
      maxAttempts: 3,
      retryDelayMs: 5000,
    });
    assert.deepEqual(
      loadBrokerSettings({ POLYRAD_BROKER_URL: 'amqps://mq.example.org', POLYRAD_BROKER_QUEUE: 'site-a.jobs', POLYRAD_JOB_STORE: '/mnt/polyrad-jobs', POLYRAD_BROKER_MAX_ATTEMPTS: '5', POLYRAD_BROKER_RETRY_S: '0.5' }, '/srv'),
      { url: 'amqps://mq.example.org', queue: 'site-a.jobs', storeDir: '/mnt/polyrad-jobs', maxAttempts: 5, retryDelayMs: 500 },
    );
  });

  it('names each wrong broker setting', () => {
    assert.throws(
      () => loadConfig({ POLYRAD_BROKER_URL: 'http://mq:5672', POLYRAD_BROKER_QUEUE: 'jobs with spaces', POLYRAD_BROKER_MAX_ATTEMPTS: '0', POLYRAD_BROKER_RETRY_S: 'soon' }),
      (error: unknown) =>
        isPolyradError(error) &&
        error.code === CONFIG_INVALID &&
        error.message.includes('POLYRAD_BROKER_URL must be an amqp:// or amqps:// URL') &&
        error.message.includes('POLYRAD_BROKER_QUEUE must be 1 to 200 letters') &&
        error.message.includes('POLYRAD_BROKER_MAX_ATTEMPTS must be a number from 1 to 20, got "0"') &&
        error.message.includes('POLYRAD_BROKER_RETRY_S must be a number from 0.01 to 3600, got "soon"'),
    );
    assert.throws(() => loadBrokerSettings({ POLYRAD_BROKER_URL: 'not a url' }), (error: unknown) => isPolyradError(error) && error.code === CONFIG_INVALID);
  });

  it('asks no PACS for priors unless POLYRAD_PRIOR_PACS names one, and reads AE@host:port with its time-out', () => {
    assert.equal(loadConfig({}).priorPacs, undefined);
    assert.deepEqual(loadConfig({ POLYRAD_PRIOR_PACS: ' PACS@10.0.0.8:104 ' }).priorPacs, { aeTitle: 'PACS', host: '10.0.0.8', port: 104, timeoutMs: 60_000 });
    assert.deepEqual(loadConfig({ POLYRAD_PRIOR_PACS: 'ARCHIVE 2@[::1]:4242', POLYRAD_PRIOR_PACS_TIMEOUT_S: '5' }).priorPacs, { aeTitle: 'ARCHIVE 2', host: '::1', port: 4242, timeoutMs: 5000 });
    assert.equal(loadConfig({ POLYRAD_PRIOR_PACS: 'PACS@pacs.hospital.org:11112' }).priorPacs?.host, 'pacs.hospital.org');
  });

  it('names a malformed prior PACS and a wrong time-out', () => {
    for (const value of ['PACS@10.0.0.8', '10.0.0.8:104', 'PACS@10.0.0.8:70000', 'AN_AE_TITLE_LONGER_THAN_16@h:104', 'PACS@bad host:104']) {
      assert.throws(
        () => loadConfig({ POLYRAD_PRIOR_PACS: value }),
        (error: unknown) => isPolyradError(error) && error.code === CONFIG_INVALID && error.message.includes(`POLYRAD_PRIOR_PACS must be AE@host:port`) && error.message.includes(JSON.stringify(value)),
        value,
      );
    }
    assert.throws(
      () => loadConfig({ POLYRAD_PRIOR_PACS: 'PACS@h:104', POLYRAD_PRIOR_PACS_TIMEOUT_S: '0' }),
      (error: unknown) => isPolyradError(error) && error.message.includes('POLYRAD_PRIOR_PACS_TIMEOUT_S must be a number from 1 to 3600, got "0"'),
    );
  });
});
