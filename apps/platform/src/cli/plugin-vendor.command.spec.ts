import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it, test } from 'node:test';
import { type ApiClient, createUser, signInAdmin, TEST_ADMIN_PASSWORD, withTestAuth } from '../auth/auth.fixture.js';
import { loadConfig } from '../config/app-config.js';
import { createApp, type RunningApp } from '../main.js';
import { readPackage, verifyPackageSignature } from '../plugins/plugin-package.js';
import type { PluginView } from '../registry/registry.types.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const bin = join(root, 'apps/platform/bin/polyrad.js');
const example = join(root, 'examples/acme-lung-density');
const work = mkdtempSync(join(tmpdir(), 'polyrad-vendor-cli-'));
after(() => rmSync(work, { recursive: true, force: true }));

interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Credentials the CLI finds in its environment; none unless a test sets them. */
let cliEnv: Record<string, string> = {};

/** Spawned without blocking, so a server in this process can answer the CLI. */
function polyrad(...args: string[]): Promise<CliRun> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...cliEnv };
  for (const name of ['POLYRAD_USERNAME', 'POLYRAD_PASSWORD', 'POLYRAD_TOKEN']) if (!(name in cliEnv)) delete env[name];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: work, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** A copy of the built example whose manifest `change` edits. */
function exampleCopy(name: string, change: (manifest: Record<string, unknown>) => void): string {
  const dir = join(work, name);
  for (const part of ['manifest.json', 'package.json', 'dist', 'models']) cpSync(join(example, part), join(dir, part), { recursive: true });
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  change(manifest);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  // a release bumps both files: validate and pack refuse a package.json that disagrees
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ ...pkg, version: manifest.version }, null, 2));
  return dir;
}

const keys = join(work, 'keys');
const out = join(work, 'out');
const packagePath = join(out, 'acme.lung-density-1.0.0.polyrad.tgz');

before(async () => {
  const keygen = await polyrad('plugin', 'keygen', '--out', keys, '--vendor', 'acme');
  assert.equal(keygen.status, 0, keygen.stderr);
});

test('keygen writes an ed25519 key pair, the private key readable by its owner only, and never overwrites it', async () => {
  assert.match(readFileSync(join(keys, 'acme.key.pem'), 'utf8'), /^-----BEGIN PRIVATE KEY-----/);
  assert.match(readFileSync(join(keys, 'acme.pub.pem'), 'utf8'), /^-----BEGIN PUBLIC KEY-----/);
  assert.equal(statSync(join(keys, 'acme.key.pem')).mode & 0o077, 0);
  const again = await polyrad('plugin', 'keygen', '--out', keys, '--vendor', 'acme');
  assert.equal(again.status, 1);
  assert.match(again.stderr, /^polyrad: .*acme\.key\.pem: a key file is already there.*\[KEY_EXISTS\]\n$/);
});

test('validate, then pack the example: a signed package the vendor public key verifies', async () => {
  const validate = await polyrad('plugin', 'validate', example);
  assert.equal(validate.status, 0, validate.stderr);
  assert.match(validate.stdout, /acme\.lung-density@1\.0\.0 is valid for sdk 0\.1\.0 and platform 0\.1\.0 \(1 model file checked\)/);

  const pack = await polyrad('plugin', 'pack', example, '--key', join(keys, 'acme.key.pem'), '--out', out);
  assert.equal(pack.status, 0, pack.stderr);
  assert.match(pack.stdout, /packed acme\.lung-density@1\.0\.0 -> .*acme\.lung-density-1\.0\.0\.polyrad\.tgz \(sha256:[0-9a-f]{64}/);
  const bytes = readFileSync(packagePath);
  const signature = JSON.parse(readFileSync(`${packagePath}.sig`, 'utf8')) as unknown;
  assert.equal(verifyPackageSignature(bytes, signature, readFileSync(join(keys, 'acme.pub.pem'), 'utf8')), true);
  const { manifest, files } = readPackage(bytes);
  assert.equal(manifest.findings[0].code, 'acme.lung.mean_density');
  assert.ok(files.has('dist/index.js') && files.has('package.json'));
  assert.deepEqual(files.get('models/laa950-readout.onnx'), readFileSync(join(example, 'models/laa950-readout.onnx')), 'the model travels in the package');
  assert.ok(![...files.keys()].some((f) => f.includes('.spec.')), 'tests stay out of the package');
});

test('validate and pack refuse engines this platform does not satisfy and models with a wrong sha256, in one line with exit 1', async () => {
  const engines = exampleCopy('engines', (m) => (m.engines = { sdk: '^0.1.0', polyrad: '^2.0.0' }));
  const validate = await polyrad('plugin', 'validate', engines);
  assert.equal(validate.status, 1);
  assert.match(validate.stderr, /^polyrad: .*engines\/polyrad "\^2\.0\.0" does not accept the running polyrad 0\.1\.0 \[MANIFEST_INVALID\]\n$/);

  const model = exampleCopy('model', (m) => (m.models = [{ path: 'manifest.json', sha256: 'f'.repeat(64), provenance: 'test' }]));
  const pack = await polyrad('plugin', 'pack', model, '--key', join(keys, 'acme.key.pem'), '--out', join(work, 'out-model'));
  assert.equal(pack.status, 1);
  assert.match(pack.stderr, /^polyrad: .*model manifest\.json has sha256 [0-9a-f]{64}, the manifest says f{64} \[MODEL_DIGEST_MISMATCH\]\n$/);
});

/** A port nothing listens on: bound by the system, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('publish against a running platform (embedded PGlite, fresh data folder)', () => {
  let platform: RunningApp;
  let admin: ApiClient;
  let acmeBot: ApiClient & { password: string };
  const get = async <T>(path: string): Promise<T> => (await admin.get<T>(path)).body;

  before(async () => {
    const uiDir = join(work, 'ui');
    mkdirSync(uiDir);
    platform = await createApp(withTestAuth(loadConfig({ PORT: '0', DICOM_PORT: '0', POLYRAD_DATA_DIR: join(work, 'data') })), { uiDir });
    admin = await signInAdmin(platform.url);
    // the vendor's public key, as the vendor hands it to the platform, and the vendor's release script as a user
    const vendor = await admin.post('/api/vendors', { id: 'acme', name: 'ACME Imaging', publicKeyPem: readFileSync(join(keys, 'acme.pub.pem'), 'utf8') });
    assert.equal(vendor.status, 201, JSON.stringify(vendor.body));
    acmeBot = await createUser(admin, { username: 'acme-bot', role: 'vendor', vendorId: 'acme' });
    cliEnv = { POLYRAD_USERNAME: 'acme-bot', POLYRAD_PASSWORD: acmeBot.password };
  });
  after(async () => {
    cliEnv = {};
    await platform?.close();
  });

  it('an admin registers a vendor and enables, pins and disables a plugin from the terminal; a vendor user and no sign-in are refused', async (t) => {
    const asAdmin = { POLYRAD_USERNAME: 'admin', POLYRAD_PASSWORD: TEST_ADMIN_PASSWORD };
    const asVendorBot = { POLYRAD_USERNAME: 'acme-bot', POLYRAD_PASSWORD: acmeBot.password };
    t.after(() => (cliEnv = asVendorBot));
    const keygen = await polyrad('plugin', 'keygen', '--vendor', 'globex', '--out', join(work, 'globex-keys'));
    assert.equal(keygen.status, 0, keygen.stderr);
    const pub = join(work, 'globex-keys', 'globex.pub.pem');

    cliEnv = {};
    const anonymous = await polyrad('vendor', 'register', '--id', 'globex', '--name', 'Globex', '--public-key', pub, '--url', platform.url);
    assert.equal(anonymous.status, 1);
    assert.match(anonymous.stderr, /^polyrad: this command needs an admin user: set POLYRAD_USERNAME .*\[SIGN_IN_REQUIRED\]\n$/);
    cliEnv = { POLYRAD_USERNAME: 'acme-bot', POLYRAD_PASSWORD: acmeBot.password };
    const asVendor = await polyrad('vendor', 'register', '--id', 'globex', '--name', 'Globex', '--public-key', pub, '--url', platform.url);
    assert.equal(asVendor.status, 1);
    assert.match(asVendor.stderr, /the platform refused vendor globex \(HTTP 403\)/);

    cliEnv = asAdmin;
    const registered = await polyrad('vendor', 'register', '--id', 'globex', '--name', 'Globex', '--public-key', pub, '--url', platform.url);
    assert.equal(registered.status, 0, registered.stderr);
    assert.match(registered.stdout, /^polyrad: registered vendor globex \(Globex\)/);
    assert.equal((await admin.get<PluginView[]>('/api/plugins')).status, 200);
    const again = await polyrad('vendor', 'register', '--id', 'globex', '--name', 'Globex', '--public-key', pub, '--url', platform.url);
    assert.equal(again.status, 1, 'a vendor id is registered once');

    // a first-party plugin: always published, so the site commands have something to act on
    const plugin = 'polyrad.emphysema';
    const unknown = await polyrad('site', 'pin', plugin, '0.0.1', '--url', platform.url);
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /no compatible published version of polyrad\.emphysema satisfies 0\.0\.1 .*\[PLUGIN_VERSION_NOT_FOUND\]/);
    const { version } = (await get<PluginView>(`/api/plugins/${plugin}`)).versions[0];
    const pinned = await polyrad('site', 'pin', plugin, version, '--url', platform.url);
    assert.equal(pinned.status, 0, pinned.stderr);
    assert.equal(pinned.stdout, `polyrad: polyrad.emphysema at site default: enabled, runs ${version} (pinned to ${version})\n`);
    const disabled = await polyrad('site', 'disable', plugin, '--url', platform.url);
    assert.equal(disabled.stdout, 'polyrad: polyrad.emphysema at site default: disabled\n');
    const enabled = await polyrad('site', 'enable', plugin, '--url', platform.url);
    assert.equal(enabled.status, 0, enabled.stderr);
    assert.match(enabled.stdout, /enabled, runs \d+\.\d+\.\d+/);
    assert.equal((await get<PluginView>(`/api/plugins/${plugin}`)).enablement?.enabled, true, 'the platform holds what the command said');
    cliEnv = { POLYRAD_USERNAME: 'acme-bot', POLYRAD_PASSWORD: acmeBot.password };
    const refused = await polyrad('site', 'disable', plugin, '--url', platform.url);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /HTTP 403/);
  });

  it('publish uploads the signed package: the platform lists the version with the digest of the file that was packed', async () => {
    const pack = await polyrad('plugin', 'pack', example, '--key', join(keys, 'acme.key.pem'), '--out', out);
    assert.equal(pack.status, 0, pack.stderr);
    const publish = await polyrad('plugin', 'publish', packagePath, '--url', `${platform.url}/`);
    assert.equal(publish.status, 0, publish.stderr);
    const [published, next] = publish.stdout.trimEnd().split('\n');
    assert.equal(published, `polyrad: published acme.lung-density@1.0.0 (vendor acme) to ${platform.url}/`);
    // publishing is not enabling: the vendor is told who must act before it runs at a site
    assert.match(next, /runs at a site only once that site's admin enables it .*polyrad site enable acme\.lung-density 1\.0\.0 --url/);

    const plugin = await get<PluginView>('/api/plugins/acme.lung-density');
    assert.deepEqual(plugin.vendor, { id: 'acme', name: 'ACME Imaging', firstParty: false });
    assert.deepEqual(plugin.versions.map((v) => [v.version, v.signed, v.manifest.findings[0].code]), [['1.0.0', true, 'acme.lung.mean_density']]);
    const sha256 = createHash('sha256').update(readFileSync(packagePath)).digest('hex');
    assert.match(String(plugin.versions[0].digest), new RegExp(sha256));
  });

  it('--key signs anew: accepted with the vendor\'s key when no .sig is beside the package, refused with a stranger\'s key', async () => {
    const patch = exampleCopy('patch', (m) => (m.version = '1.0.1'));
    const packed = await polyrad('plugin', 'pack', patch, '--key', join(keys, 'acme.key.pem'), '--out', join(work, 'out-patch'));
    assert.equal(packed.status, 0, packed.stderr);
    const patchPath = join(work, 'out-patch', 'acme.lung-density-1.0.1.polyrad.tgz');
    rmSync(`${patchPath}.sig`);
    const signed = await polyrad('plugin', 'publish', patchPath, '--url', platform.url, '--key', join(keys, 'acme.key.pem'));
    assert.equal(signed.status, 0, signed.stderr);
    assert.deepEqual((await get<PluginView>('/api/plugins/acme.lung-density')).versions.map((v) => v.version), ['1.0.1', '1.0.0']);

    const stranger = join(work, 'stranger-keys');
    assert.equal((await polyrad('plugin', 'keygen', '--out', stranger)).status, 0);
    const forged = await polyrad('plugin', 'publish', patchPath, '--url', platform.url, '--key', join(stranger, 'private.pem'));
    assert.equal(forged.status, 1);
    assert.match(forged.stderr, /^polyrad: the platform refused acme\.lung-density@1\.0\.1 \(HTTP 400\): .+ \[PLUGIN_SIGNATURE_INVALID\]\n$/);
  });

  it('a refusal by the platform, an unreachable platform and a missing signature: one line each, exit 1', async () => {
    // 1.0.0 is published above: the platform refuses the same version again
    const again = await polyrad('plugin', 'publish', packagePath, '--url', platform.url);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /^polyrad: the platform refused acme\.lung-density@1\.0\.0 \(HTTP 409\): .+ \[PLUGIN_VERSION_EXISTS\]\n$/);
    assert.deepEqual((await get<PluginView>('/api/plugins/acme.lung-density')).versions.map((v) => v.version), ['1.0.1', '1.0.0'], 'nothing changed');

    const unreachable = await polyrad('plugin', 'publish', packagePath, '--url', `http://127.0.0.1:${await closedPort()}`);
    assert.equal(unreachable.status, 1);
    assert.match(unreachable.stderr, /^polyrad: cannot reach http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED \[PLATFORM_UNREACHABLE\]\n$/);

    const unsigned = join(work, 'unsigned.polyrad.tgz');
    cpSync(packagePath, unsigned);
    const missing = await polyrad('plugin', 'publish', unsigned, '--url', platform.url);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /unsigned\.polyrad\.tgz\.sig: cannot read the signature file: ENOENT; pack the plugin again or pass --key \[SIGNATURE_MISSING\]\n$/);
  });

  it('signs in as a vendor user: none, a wrong password or another vendor\'s user are refused in one line; --token works', async () => {
    const patch = exampleCopy('patch-2', (m) => (m.version = '1.0.2'));
    const packed = await polyrad('plugin', 'pack', patch, '--key', join(keys, 'acme.key.pem'), '--out', join(work, 'out-patch-2'));
    assert.equal(packed.status, 0, packed.stderr);
    const patchPath = join(work, 'out-patch-2', 'acme.lung-density-1.0.2.polyrad.tgz');
    const saved = cliEnv;
    try {
      cliEnv = {};
      const anonymous = await polyrad('plugin', 'publish', patchPath, '--url', platform.url);
      assert.equal(anonymous.status, 1);
      assert.match(anonymous.stderr, /^polyrad: publishing needs a vendor user: set POLYRAD_USERNAME and POLYRAD_PASSWORD.* \[SIGN_IN_REQUIRED\]\n$/);

      cliEnv = { POLYRAD_USERNAME: 'acme-bot', POLYRAD_PASSWORD: 'not-the-password' };
      const wrong = await polyrad('plugin', 'publish', patchPath, '--url', platform.url);
      assert.equal(wrong.status, 1);
      assert.match(wrong.stderr, /^polyrad: the platform refused sign-in as acme-bot \(HTTP 401\): wrong username or password \[LOGIN_FAILED\]\n$/);

      const globex = await createUser(admin, { username: 'globex-bot', role: 'vendor', vendorId: 'globex' });
      cliEnv = { POLYRAD_USERNAME: 'globex-bot', POLYRAD_PASSWORD: globex.password };
      const other = await polyrad('plugin', 'publish', patchPath, '--url', platform.url);
      assert.equal(other.status, 1);
      assert.match(other.stderr, /^polyrad: the platform refused acme\.lung-density@1\.0\.2 \(HTTP 403\): you publish for vendor globex; this package is signed as vendor acme \[PLUGIN_VENDOR_MISMATCH\]\n$/);

      cliEnv = {};
      const badToken = await polyrad('plugin', 'publish', patchPath, '--url', platform.url, '--token', 'not.a.token');
      assert.equal(badToken.status, 1);
      assert.match(badToken.stderr, /^polyrad: the platform refused acme\.lung-density@1\.0\.2 \(HTTP 401\): .+ \[UNAUTHENTICATED\]\n$/);
      assert.deepEqual((await get<PluginView>('/api/plugins/acme.lung-density')).versions.map((v) => v.version), ['1.0.1', '1.0.0'], 'nothing published');

      const token = await polyrad('plugin', 'publish', patchPath, '--url', platform.url, '--token', acmeBot.session!.accessToken);
      assert.equal(token.status, 0, token.stderr);
      assert.deepEqual((await get<PluginView>('/api/plugins/acme.lung-density')).versions.map((v) => v.version), ['1.0.2', '1.0.1', '1.0.0']);
    } finally {
      cliEnv = saved;
    }
  });
});
