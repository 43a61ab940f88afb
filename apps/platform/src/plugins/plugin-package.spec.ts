import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, test } from 'node:test';
import { Header, type types as tarTypes } from 'tar';
import { PolyradError } from '@polyrad/sdk';
import {
  generateVendorKeys,
  packPlugin,
  publicKeyOf,
  readPackage,
  signPackage,
  validatePluginDir,
  verifyPackageSignature,
  type PackageSignature,
} from './plugin-package.js';

const work = mkdtempSync(join(tmpdir(), 'polyrad-package-'));
after(() => rmSync(work, { recursive: true, force: true }));
const vendor = generateVendorKeys();

const modelBytes = Buffer.from('weights v1');
const baseManifest = {
  id: 'acme.test-plugin',
  name: 'Test plugin',
  version: '1.2.3',
  description: 'packaging test fixture',
  vendor: { id: 'acme', name: 'ACME' },
  engines: { sdk: '^0.1.0' },
  entry: 'dist/index.js',
  series: { criteria: [] },
  consumes: [],
  produces: [],
  findings: [{ code: 'acme.test.value', unit: 'HU' }],
  limits: { timeoutMs: 1000, memoryMb: 64 },
  models: [{ path: 'models/weights.bin', sha256: createHash('sha256').update(modelBytes).digest('hex'), provenance: 'test' }],
};

let fixtures = 0;
/** A built plugin folder; `change` edits the manifest or the files before they are written. */
function pluginDir(change: (m: Record<string, unknown>) => void = () => undefined, build = true): string {
  const dir = join(work, `plugin-${fixtures++}`);
  const manifest: Record<string, unknown> = structuredClone(baseManifest);
  change(manifest);
  mkdirSync(join(dir, 'models'), { recursive: true });
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'acme-test', version: manifest.version, type: 'module' }));
  writeFileSync(join(dir, 'models', 'weights.bin'), modelBytes);
  if (build) {
    mkdirSync(join(dir, 'dist', 'lib'), { recursive: true });
    writeFileSync(join(dir, 'dist', 'index.js'), 'export default { run: () => ({ findings: [] }) };\n');
    writeFileSync(join(dir, 'dist', 'lib', 'helper.js'), 'export const x = 1;\n');
    writeFileSync(join(dir, 'dist', 'index.spec.js'), 'import "@polyrad/phantom";\n');
  }
  return dir;
}

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof PolyradError, `expected a PolyradError, got ${String(error)}`);
    return error.code;
  }
  assert.fail('expected an error');
}

interface RawEntry {
  path: string;
  type?: tarTypes.EntryTypeName;
  body?: string;
  size?: number;
  linkpath?: string;
}

/** A tar archive written header by header, so tests can make shapes `tar` itself would never pack. */
function rawTar(entries: RawEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const body = Buffer.from(e.body ?? '');
    const header = Buffer.alloc(512);
    new Header({ path: e.path, type: e.type ?? 'File', size: e.size ?? body.length, mode: 0o644, mtime: new Date(0), linkpath: e.linkpath }).encode(header, 0);
    blocks.push(header, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

const validFiles: RawEntry[] = [
  { path: 'package/manifest.json', body: JSON.stringify({ ...baseManifest, models: [] }) },
  { path: 'package/dist/index.js', body: 'export default {};' },
];

test('pack writes a signed package that reads back and verifies with the vendor key', async () => {
  const dir = pluginDir();
  const out = join(work, 'out-roundtrip');
  const packed = await packPlugin(dir, out, vendor.privateKeyPem);
  assert.equal(packed.packagePath, join(out, 'acme.test-plugin-1.2.3.polyrad.tgz'));
  assert.equal(packed.signaturePath, `${packed.packagePath}.sig`);

  const bytes = readFileSync(packed.packagePath);
  const signature = JSON.parse(readFileSync(packed.signaturePath, 'utf8')) as PackageSignature;
  assert.equal(signature.algorithm, 'ed25519');
  assert.equal(signature.vendorId, 'acme');
  assert.equal(signature.digest, `sha256:${createHash('sha256').update(bytes).digest('hex')}`);
  assert.equal(verifyPackageSignature(bytes, signature, vendor.publicKeyPem), true);
  assert.equal(publicKeyOf(vendor.privateKeyPem), vendor.publicKeyPem);

  const { manifest, files } = readPackage(bytes);
  assert.equal(manifest.id, 'acme.test-plugin');
  assert.deepEqual([...files.keys()].sort(), ['dist/index.js', 'dist/lib/helper.js', 'manifest.json', 'models/weights.bin', 'package.json']);
  assert.deepEqual(files.get('models/weights.bin'), modelBytes);

  // Same built folder, same bytes: a vendor can re-pack and get the same digest.
  const again = await packPlugin(dir, join(work, 'out-again'), vendor.privateKeyPem);
  assert.equal(again.signature.digest, signature.digest);
});

test('a package changed by one byte, or signed by another key, fails verification', async () => {
  const packed = await packPlugin(pluginDir(), join(work, 'out-tamper'), vendor.privateKeyPem);
  const bytes = readFileSync(packed.packagePath);
  const tampered = Buffer.from(bytes);
  tampered[Math.floor(tampered.length / 2)] ^= 0x01;
  assert.equal(code(() => verifyPackageSignature(tampered, packed.signature, vendor.publicKeyPem)), 'PACKAGE_DIGEST_MISMATCH');

  const stranger = generateVendorKeys();
  const forged = signPackage(bytes, 'acme', stranger.privateKeyPem);
  assert.equal(code(() => verifyPackageSignature(bytes, forged, vendor.publicKeyPem)), 'SIGNATURE_INVALID');
  assert.equal(code(() => verifyPackageSignature(bytes, packed.signature, stranger.publicKeyPem)), 'SIGNATURE_INVALID');
  assert.equal(code(() => verifyPackageSignature(bytes, { ...packed.signature, algorithm: 'rsa' }, vendor.publicKeyPem)), 'SIGNATURE_MALFORMED');
  assert.equal(code(() => verifyPackageSignature(bytes, 'not an object', vendor.publicKeyPem)), 'SIGNATURE_MALFORMED');
  assert.equal(code(() => verifyPackageSignature(bytes, packed.signature, 'not a key')), 'KEY_INVALID');
});

test('hostile tarballs are refused with a typed error, never unpacked', () => {
  const gz = (entries: RawEntry[]) => gzipSync(rawTar(entries));
  assert.equal(readPackage(gz(validFiles)).manifest.id, 'acme.test-plugin');
  const cases: Array<[string, Buffer, string]> = [
    ['path traversal', gz([...validFiles, { path: 'package/../x', body: 'x' }]), 'PACKAGE_UNSAFE_PATH'],
    ['absolute path', gz([...validFiles, { path: '/etc/cron.d/x', body: 'x' }]), 'PACKAGE_UNSAFE_PATH'],
    ['outside package/', gz([...validFiles, { path: 'other/x', body: 'x' }]), 'PACKAGE_UNSAFE_PATH'],
    ['symlink', gz([...validFiles, { path: 'package/dist/link.js', type: 'SymbolicLink', linkpath: '/etc/passwd' }]), 'PACKAGE_FORBIDDEN_ENTRY'],
    ['hard link', gz([...validFiles, { path: 'package/dist/hard.js', type: 'Link', linkpath: 'package/dist/index.js' }]), 'PACKAGE_FORBIDDEN_ENTRY'],
    ['huge declared size', gz([...validFiles, { path: 'package/models/big.bin', size: 2 ** 33 }]), 'PACKAGE_TOO_LARGE'],
    ['too many entries', gz(Array.from({ length: 2001 }, (_, n) => ({ path: `package/dist/f${n}.js`, body: '' }))), 'PACKAGE_TOO_MANY_ENTRIES'],
    ['not gzip', rawTar(validFiles), 'PACKAGE_NOT_GZIP'],
    ['gzip of garbage', gzipSync(Buffer.alloc(4096, 7)), 'PACKAGE_CORRUPT'],
    ['truncated gzip', gz(validFiles).subarray(0, 60), 'PACKAGE_CORRUPT'],
    ['no manifest', gz([{ path: 'package/dist/index.js', body: '' }]), 'PACKAGE_FILE_MISSING'],
    ['entry not shipped', gz([validFiles[0]]), 'PACKAGE_FILE_MISSING'],
    ['duplicate entry', gz([...validFiles, validFiles[1]]), 'PACKAGE_CORRUPT'],
  ];
  for (const [name, bytes, expected] of cases) assert.equal(code(() => readPackage(bytes)), expected, name);
});

test('a package that inflates past the size limit is stopped while decompressing', () => {
  const bomb = gzipSync(rawTar([...validFiles, { path: 'package/models/zeros.bin', body: '\0'.repeat(4 * 1024 * 1024) }]));
  assert.ok(bomb.length < 64 * 1024);
  assert.equal(code(() => readPackage(bomb, { maxUnpackedBytes: 1024 * 1024, maxEntries: 10 })), 'PACKAGE_TOO_LARGE');
});

test('validate refuses engines that exclude this SDK or platform, and models that do not match their sha256', () => {
  assert.equal(validatePluginDir(pluginDir()).id, 'acme.test-plugin');
  const engines = (engines: Record<string, string>) => () => validatePluginDir(pluginDir((m) => (m.engines = engines)));
  assert.throws(engines({ sdk: '^9.0.0' }), /engines\/sdk "\^9\.0\.0" does not accept the running sdk 0\.1\.0/);
  assert.throws(engines({ sdk: '^0.1.0', polyrad: '>=2' }), /engines\/polyrad ">=2" does not accept the running polyrad 0\.1\.0/);
  assert.equal(code(engines({ sdk: 'not a range' })), 'MANIFEST_INVALID');

  const wrongModel = pluginDir((m) => ((m.models as Array<{ sha256: string }>)[0].sha256 = '0'.repeat(64)));
  assert.throws(() => validatePluginDir(wrongModel), (e: PolyradError) => e.code === 'MODEL_DIGEST_MISMATCH' && /models\/weights\.bin has sha256 [0-9a-f]{64}/.test(e.message));
  assert.equal(code(() => validatePluginDir(pluginDir((m) => (m.models = [{ path: '../secret', sha256: '0'.repeat(64), provenance: 'x' }])))), 'MANIFEST_INVALID');
  assert.equal(code(() => validatePluginDir(pluginDir(undefined, false))), 'PACKAGE_FILE_MISSING');
  const badSchema = pluginDir((m) => (m.produces = [{ type: 'acme.out', version: '1.0.0', kind: 'json', schema: { type: 'nonsense' } }]));
  assert.throws(() => validatePluginDir(badSchema), /produces\/0\/schema does not compile/);
});

test('pack refuses an unbuilt folder, a symlink inside dist/ and a key that is not ed25519', async () => {
  await assert.rejects(packPlugin(pluginDir(undefined, false), join(work, 'out-unbuilt'), vendor.privateKeyPem), (e: PolyradError) => e.code === 'PACKAGE_FILE_MISSING');
  const linked = pluginDir();
  symlinkSync('/etc/hostname', join(linked, 'dist', 'link.js'));
  await assert.rejects(packPlugin(linked, join(work, 'out-link'), vendor.privateKeyPem), (e: PolyradError) => e.code === 'PACKAGE_FORBIDDEN_ENTRY');
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  await assert.rejects(packPlugin(pluginDir(), join(work, 'out-rsa'), rsa), (e: PolyradError) => e.code === 'KEY_INVALID');
});
