import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { readPackage, verifyPackageSignature } from '../plugins/plugin-package.js';

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

/** Spawned without blocking, so a server in this process can answer the CLI. */
function polyrad(...args: string[]): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: work });
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
  for (const part of ['manifest.json', 'package.json', 'dist']) cpSync(join(example, part), join(dir, part), { recursive: true });
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  change(manifest);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
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
  assert.match(validate.stdout, /acme\.lung-density@1\.0\.0 is valid for sdk 0\.1\.0 and platform 0\.1\.0/);

  const pack = await polyrad('plugin', 'pack', example, '--key', join(keys, 'acme.key.pem'), '--out', out);
  assert.equal(pack.status, 0, pack.stderr);
  assert.match(pack.stdout, /packed acme\.lung-density@1\.0\.0 -> .*acme\.lung-density-1\.0\.0\.polyrad\.tgz \(sha256:[0-9a-f]{64}/);
  const bytes = readFileSync(packagePath);
  const signature = JSON.parse(readFileSync(`${packagePath}.sig`, 'utf8')) as unknown;
  assert.equal(verifyPackageSignature(bytes, signature, readFileSync(join(keys, 'acme.pub.pem'), 'utf8')), true);
  const { manifest, files } = readPackage(bytes);
  assert.equal(manifest.findings[0].code, 'acme.lung.mean_density');
  assert.ok(files.has('dist/index.js') && files.has('package.json'));
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

interface Recorded {
  method?: string;
  url?: string;
  contentType?: string;
  body: Record<string, unknown>;
}

/** A stand-in platform that records one request and answers `status` with `answer`. */
async function stubPlatform(status: number, answer: unknown): Promise<{ url: string; recorded: Recorded[]; close: () => Promise<void> }> {
  const recorded: Recorded[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let text = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (text += chunk));
    request.on('end', () => {
      recorded.push({ method: request.method, url: request.url, contentType: request.headers['content-type'], body: JSON.parse(text) as Record<string, unknown> });
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, recorded, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

test('publish posts the package and its signature as the platform expects, and prints what was published', async () => {
  await polyrad('plugin', 'pack', example, '--key', join(keys, 'acme.key.pem'), '--out', out);
  const platform = await stubPlatform(201, { id: 'acme.lung-density', version: '1.0.0', vendorId: 'acme' });
  try {
    const publish = await polyrad('plugin', 'publish', packagePath, '--url', `${platform.url}/`);
    assert.equal(publish.status, 0, publish.stderr);
    assert.match(publish.stdout, /^polyrad: published acme\.lung-density@1\.0\.0 \(vendor acme\) to /);
    const [request] = platform.recorded;
    assert.equal(request.method, 'POST');
    assert.equal(request.url, '/api/plugins/packages');
    assert.equal(request.contentType, 'application/json');
    assert.deepEqual(Buffer.from(String(request.body.package), 'base64'), readFileSync(packagePath));
    assert.deepEqual(request.body.signature, JSON.parse(readFileSync(`${packagePath}.sig`, 'utf8')));

    // --key signs again: a different key gives a signature the platform can check against that key.
    const other = join(work, 'other-keys');
    await polyrad('plugin', 'keygen', '--out', other);
    const resigned = await polyrad('plugin', 'publish', packagePath, '--url', platform.url, '--key', join(other, 'private.pem'));
    assert.equal(resigned.status, 0, resigned.stderr);
    assert.equal(verifyPackageSignature(readFileSync(packagePath), platform.recorded[1].body.signature, readFileSync(join(other, 'public.pem'), 'utf8')), true);
  } finally {
    await platform.close();
  }
});

test('publish reports a refusal, an unreachable platform and a missing signature in one line with exit 1', async () => {
  await polyrad('plugin', 'pack', example, '--key', join(keys, 'acme.key.pem'), '--out', out);
  const platform = await stubPlatform(400, { code: 'SIGNATURE_INVALID', message: 'the signature does not match vendor acme' });
  try {
    const refused = await polyrad('plugin', 'publish', packagePath, '--url', platform.url);
    assert.equal(refused.status, 1);
    assert.equal(refused.stderr, 'polyrad: the platform refused acme.lung-density@1.0.0 (HTTP 400): the signature does not match vendor acme [SIGNATURE_INVALID]\n');
  } finally {
    await platform.close();
  }
  // The stub's port is closed now: nothing listens there.
  const unreachable = await polyrad('plugin', 'publish', packagePath, '--url', platform.url);
  assert.equal(unreachable.status, 1);
  assert.match(unreachable.stderr, /^polyrad: cannot reach http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED \[PLATFORM_UNREACHABLE\]\n$/);

  const unsigned = join(work, 'unsigned.polyrad.tgz');
  cpSync(packagePath, unsigned);
  const missing = await polyrad('plugin', 'publish', unsigned, '--url', platform.url);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /unsigned\.polyrad\.tgz\.sig: cannot read the signature file: ENOENT; pack the plugin again or pass --key \[SIGNATURE_MISSING\]\n$/);
});
