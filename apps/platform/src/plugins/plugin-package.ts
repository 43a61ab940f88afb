/*
 * The signed plugin package, shared by the vendor CLI (pack, publish) and the registry (publish endpoint).
 *
 * <id>-<version>.polyrad.tgz: a gzip tar whose entries all live under package/ (manifest.json,
 * package.json, dist/**, the model files the manifest lists). Beside it <id>-<version>.polyrad.tgz.sig:
 * { algorithm: 'ed25519', vendorId, digest: 'sha256:<hex of the .tgz bytes>', signature: base64 ed25519
 * signature over the UTF-8 bytes of the digest string }. Packages arrive from strangers, so reading one
 * never touches the file system and every hostile shape ends as a typed PolyradError.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { create as createTar, Parser as TarParser, type ReadEntry } from 'tar';
import { PolyradError, SDK_VERSION, validateManifest, type AlgorithmManifest } from '@polyrad/sdk';
import { PLATFORM_VERSION } from '../platform-version.js';

export const PACKAGE_EXTENSION = '.polyrad.tgz';
export const SIGNATURE_EXTENSION = `${PACKAGE_EXTENSION}.sig`;
/** Every entry of the tarball lives under this folder, as in npm tarballs. */
export const PACKAGE_ROOT = 'package/';

export interface PackageSignature {
  algorithm: 'ed25519';
  vendorId: string;
  /** "sha256:<hex>" of the .tgz bytes */
  digest: string;
  /** base64 ed25519 signature over the UTF-8 bytes of `digest` */
  signature: string;
}

export interface PackageLimits {
  /** sum of the sizes of all entries once unpacked */
  maxUnpackedBytes: number;
  maxEntries: number;
}

/** Generous for code plus a few model files; a registry may pass tighter limits. */
export const DEFAULT_PACKAGE_LIMITS: PackageLimits = { maxUnpackedBytes: 256 * 1024 * 1024, maxEntries: 2000 };

export interface PluginPackage {
  manifest: AlgorithmManifest;
  /** file contents by path relative to package/ (e.g. "manifest.json", "dist/index.js") */
  files: Map<string, Buffer>;
}

export interface PackResult {
  manifest: AlgorithmManifest;
  packagePath: string;
  signaturePath: string;
  signature: PackageSignature;
}

/** The engine versions a package must accept here: the SDK this platform was built with, and the platform. */
export const RUNNING_ENGINES = { sdk: SDK_VERSION, polyrad: PLATFORM_VERSION };

export function packageFileName(manifest: Pick<AlgorithmManifest, 'id' | 'version'>): string {
  return `${manifest.id}-${manifest.version}${PACKAGE_EXTENSION}`;
}

export function packageDigest(tgzBytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(tgzBytes).digest('hex')}`;
}

function privateKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (error) {
    throw new PolyradError('KEY_INVALID', `not a PEM private key: ${(error as Error).message}`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new PolyradError('KEY_INVALID', `the private key is ${key.asymmetricKeyType}, not ed25519`);
  return key;
}

function publicKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (error) {
    throw new PolyradError('KEY_INVALID', `not a PEM public key: ${(error as Error).message}`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new PolyradError('KEY_INVALID', `the public key is ${key.asymmetricKeyType}, not ed25519`);
  return key;
}

/** A new vendor key pair: private key PEM (pkcs8), public key PEM (spki). */
export function generateVendorKeys(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey: priv, publicKey: pub } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: priv.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: pub.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** The public key PEM (spki) that belongs to a private key PEM. */
export function publicKeyOf(privateKeyPem: string): string {
  return createPublicKey(privateKey(privateKeyPem)).export({ type: 'spki', format: 'pem' }).toString();
}

/** base64 ed25519 signature over the UTF-8 bytes of a "sha256:<hex>" digest string. */
export function signDigest(digest: string, privateKeyPem: string): string {
  return sign(null, Buffer.from(digest, 'utf8'), privateKey(privateKeyPem)).toString('base64');
}

export function signPackage(tgzBytes: Uint8Array, vendorId: string, privateKeyPem: string): PackageSignature {
  const digest = packageDigest(tgzBytes);
  return { algorithm: 'ed25519', vendorId, digest, signature: signDigest(digest, privateKeyPem) };
}

/** Checks the shape of a signature object (parsed .sig file or request field); throws SIGNATURE_MALFORMED. */
export function parsePackageSignature(value: unknown): PackageSignature {
  const sig = value as Partial<Record<keyof PackageSignature, unknown>> | null;
  const problem =
    typeof sig !== 'object' || sig === null || Array.isArray(sig)
      ? 'is not an object'
      : sig.algorithm !== 'ed25519'
        ? `algorithm must be "ed25519", not ${JSON.stringify(sig.algorithm)}`
        : typeof sig.vendorId !== 'string' || sig.vendorId === ''
          ? 'vendorId is missing'
          : typeof sig.digest !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(sig.digest)
            ? 'digest must be "sha256:<64 hex digits>"'
            : typeof sig.signature !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(sig.signature)
              ? 'signature must be base64'
              : undefined;
  if (problem) throw new PolyradError('SIGNATURE_MALFORMED', `package signature ${problem}`);
  const { algorithm, vendorId, digest, signature } = sig as PackageSignature;
  return { algorithm, vendorId, digest, signature };
}

/**
 * Verifies that `signature` signs exactly these bytes with the key of `publicKeyPem`. Returns true, or
 * throws SIGNATURE_MALFORMED, PACKAGE_DIGEST_MISMATCH (bytes changed after signing), SIGNATURE_INVALID
 * (another key, or a forged signature) or KEY_INVALID. Whether `vendorId` owns the key is the caller's check.
 */
export function verifyPackageSignature(tgzBytes: Uint8Array, signature: unknown, publicKeyPem: string): true {
  const sig = parsePackageSignature(signature);
  const key = publicKey(publicKeyPem);
  if (packageDigest(tgzBytes) !== sig.digest) {
    throw new PolyradError('PACKAGE_DIGEST_MISMATCH', 'the package bytes do not match the signed digest (changed after signing)');
  }
  if (!verify(null, Buffer.from(sig.digest, 'utf8'), key, Buffer.from(sig.signature, 'base64'))) {
    throw new PolyradError('SIGNATURE_INVALID', `the signature was not made with vendor ${sig.vendorId}'s key`);
  }
  return true;
}

/** A package-relative path that stays inside the package: no absolute paths, drive letters, backslashes or "..". */
function isSafeRelativePath(path: string): boolean {
  if (path === '' || path.startsWith('/') || /^[A-Za-z]:/.test(path) || path.includes('\\') || path.includes('\0')) return false;
  return path.split('/').every((part) => part !== '..');
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * What must hold for the files of a package, whether it is still a folder (validate, pack) or a
 * tarball (registry): the entry module is there, and every model file is there with its sha256.
 */
export function checkPackageFiles(manifest: AlgorithmManifest, readFile: (path: string) => Buffer | undefined, source: string): void {
  const entry = manifest.entry.replace(/^\.\//, '');
  if (!isSafeRelativePath(entry)) throw new PolyradError('MANIFEST_INVALID', `entry ${manifest.entry} must be a path inside the package`, source);
  if (!readFile(entry)) {
    throw new PolyradError('PACKAGE_FILE_MISSING', `entry ${manifest.entry} is missing (build the plugin first, e.g. npx tsc -b <dir>)`, source);
  }
  for (const model of manifest.models ?? []) {
    const path = model.path.replace(/^\.\//, '');
    if (!isSafeRelativePath(path)) throw new PolyradError('MANIFEST_INVALID', `model ${model.path} must be a path inside the package`, source);
    const bytes = readFile(path);
    if (!bytes) throw new PolyradError('PACKAGE_FILE_MISSING', `model ${model.path} is missing`, source);
    const actual = sha256Hex(bytes);
    if (actual !== model.sha256) {
      throw new PolyradError('MODEL_DIGEST_MISMATCH', `model ${model.path} has sha256 ${actual}, the manifest says ${model.sha256}`, source);
    }
  }
}

function readFileOrUndefined(path: string): Buffer | undefined {
  try {
    return lstatSync(path).isFile() ? readFileSync(path) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * package.json and manifest.json must name the same version: the registry files a package under the
 * manifest's, npm and the vendor's changelog under package.json's, and a mismatch ships one under the other's name.
 */
export function checkPackageVersion(manifest: AlgorithmManifest, packageJson: Buffer | undefined, source: string): void {
  if (!packageJson) return;
  let version: unknown;
  try {
    version = (JSON.parse(packageJson.toString('utf8')) as { version?: unknown }).version;
  } catch (error) {
    throw new PolyradError('PACKAGE_JSON_INVALID', `package.json is not valid JSON: ${(error as Error).message}`, source);
  }
  if (version !== undefined && version !== manifest.version) {
    throw new PolyradError('VERSION_MISMATCH', `package.json says version ${JSON.stringify(version)} but manifest.json says ${JSON.stringify(manifest.version)}; set both to the version you are releasing`, source);
  }
}

/**
 * Everything `polyrad plugin validate` checks on a plugin folder: the manifest (schema, ranges, regexes,
 * output and config schemas, engines against this SDK and platform), the built entry, the models' sha256.
 */
export function validatePluginDir(dir: string): AlgorithmManifest {
  const root = resolve(dir);
  const manifestPath = join(root, 'manifest.json');
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code) throw new PolyradError('MANIFEST_UNREADABLE', `cannot read manifest: ${code}`, manifestPath);
    throw new PolyradError('MANIFEST_INVALID', `manifest is not valid JSON: ${(error as Error).message}`, manifestPath);
  }
  const manifest = validateManifest(data, manifestPath, RUNNING_ENGINES);
  checkPackageVersion(manifest, readFileOrUndefined(join(root, 'package.json')), join(root, 'package.json'));
  checkPackageFiles(manifest, (path) => readFileOrUndefined(join(root, path)), root);
  return manifest;
}

/** Files of a plugin folder that go into its package, relative to the folder, sorted so packing is reproducible. */
function packageFileList(root: string, manifest: AlgorithmManifest): string[] {
  const files = new Set<string>(['manifest.json', 'package.json']);
  const walk = (dir: string) => {
    for (const name of readdirSync(join(root, dir))) {
      const path = `${dir}/${name}`;
      const stat = lstatSync(join(root, path));
      if (stat.isSymbolicLink()) throw new PolyradError('PACKAGE_FORBIDDEN_ENTRY', `${path} is a symbolic link; packages hold plain files only`, root);
      if (stat.isDirectory()) walk(path);
      // Tests and build bookkeeping stay out: they import dev-only packages the platform does not have.
      else if (!/\.spec\.(js|d\.ts)(\.map)?$/.test(name) && !name.endsWith('.tsbuildinfo')) files.add(path);
    }
  };
  if (!lstatSync(join(root, 'dist'), { throwIfNoEntry: false })?.isDirectory()) {
    throw new PolyradError('PACKAGE_FILE_MISSING', 'dist/ is missing: build the plugin first (npx tsc -b <dir>)', root);
  }
  if (!lstatSync(join(root, 'package.json'), { throwIfNoEntry: false })?.isFile()) {
    throw new PolyradError('PACKAGE_FILE_MISSING', 'package.json is missing', root);
  }
  walk('dist');
  for (const model of manifest.models ?? []) files.add(model.path.replace(/^\.\//, ''));
  return [...files].sort();
}

/**
 * Validates the plugin folder, writes <id>-<version>.polyrad.tgz into outDir and signs it with the
 * vendor's private key (the .sig beside it). Packing the same built folder twice gives the same bytes.
 */
export async function packPlugin(dir: string, outDir: string, privateKeyPem: string): Promise<PackResult> {
  const root = resolve(dir);
  const manifest = validatePluginDir(root);
  privateKey(privateKeyPem); // fail on a bad key before writing anything
  const files = packageFileList(root, manifest);
  mkdirSync(outDir, { recursive: true });
  const packagePath = join(resolve(outDir), packageFileName(manifest));
  if (relative(root, packagePath).split(sep)[0] === 'dist') {
    throw new PolyradError('PACK_OUT_INVALID', 'the output folder must not be inside dist/', packagePath);
  }
  await createTar({ gzip: true, file: packagePath, cwd: root, portable: true, prefix: PACKAGE_ROOT, mtime: new Date(0) }, files);
  const bytes = readFileSync(packagePath);
  const signature = signPackage(bytes, manifest.vendor.id, privateKeyPem);
  const signaturePath = `${packagePath}.sig`;
  writeFileSync(signaturePath, `${JSON.stringify(signature, null, 2)}\n`);
  return { manifest, packagePath, signaturePath, signature };
}

const GZIP_MAGIC = [0x1f, 0x8b];
const FILE_TYPES = new Set(['File', 'OldFile', 'ContiguousFile']);

/**
 * Reads a package from its bytes, in memory: decompression is capped, each entry must be a plain file or
 * folder under package/ with a safe path, sizes and counts stay within `limits`, the manifest must be
 * valid for this SDK and platform, and the entry and models must be present (models with their sha256).
 * Throws PACKAGE_NOT_GZIP, PACKAGE_CORRUPT, PACKAGE_TOO_LARGE, PACKAGE_TOO_MANY_ENTRIES,
 * PACKAGE_UNSAFE_PATH, PACKAGE_FORBIDDEN_ENTRY, PACKAGE_FILE_MISSING, MANIFEST_INVALID, MODEL_DIGEST_MISMATCH.
 */
export function readPackage(tgzBytes: Uint8Array, limits: PackageLimits = DEFAULT_PACKAGE_LIMITS, source = 'package'): PluginPackage {
  if (tgzBytes.length < 2 || tgzBytes[0] !== GZIP_MAGIC[0] || tgzBytes[1] !== GZIP_MAGIC[1]) {
    throw new PolyradError('PACKAGE_NOT_GZIP', `not a gzip file; expected a ${PACKAGE_EXTENSION} made by polyrad plugin pack`, source);
  }
  let tarBytes: Buffer;
  try {
    // Tar headers and padding add at most 1 KiB per entry on top of the contents.
    tarBytes = gunzipSync(tgzBytes, { maxOutputLength: limits.maxUnpackedBytes + (limits.maxEntries + 2) * 1024 });
  } catch (error) {
    if (error instanceof RangeError || (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new PolyradError('PACKAGE_TOO_LARGE', `the package unpacks to more than ${limits.maxUnpackedBytes} bytes`, source);
    }
    throw new PolyradError('PACKAGE_CORRUPT', `the gzip data is damaged: ${(error as Error).message}`, source);
  }

  const files = new Map<string, Buffer>();
  let failure: PolyradError | undefined;
  let entries = 0;
  let declaredBytes = 0;
  const fail = (code: string, message: string) => {
    failure ??= new PolyradError(code, message, source);
  };
  const parser = new TarParser({ strict: true });
  parser.on('error', (error: Error) => fail('PACKAGE_CORRUPT', `not a valid tar archive: ${error.message}`));
  parser.on('entry', (entry: ReadEntry) => {
    entry.resume(); // drained unless kept below, so the parser never stalls
    if (failure) return;
    entries += 1;
    declaredBytes += entry.size;
    const path = entry.path;
    if (entries > limits.maxEntries) return fail('PACKAGE_TOO_MANY_ENTRIES', `the package has more than ${limits.maxEntries} entries`);
    if (declaredBytes > limits.maxUnpackedBytes) return fail('PACKAGE_TOO_LARGE', `the package unpacks to more than ${limits.maxUnpackedBytes} bytes`);
    if (!isSafeRelativePath(path) || !path.startsWith(PACKAGE_ROOT)) {
      return fail('PACKAGE_UNSAFE_PATH', `entry ${JSON.stringify(path)} is not a relative path inside ${PACKAGE_ROOT}`);
    }
    if (entry.type === 'Directory') return;
    if (!FILE_TYPES.has(entry.type)) return fail('PACKAGE_FORBIDDEN_ENTRY', `entry ${path} is a ${entry.type}; packages hold plain files only`);
    const name = path.slice(PACKAGE_ROOT.length);
    if (files.has(name)) return fail('PACKAGE_CORRUPT', `entry ${path} appears twice`);
    const chunks: Buffer[] = [];
    entry.on('data', (chunk: Buffer) => chunks.push(chunk));
    entry.on('end', () => {
      const data = Buffer.concat(chunks);
      if (data.length !== entry.size) fail('PACKAGE_CORRUPT', `entry ${path} is truncated`);
      else files.set(name, data);
    });
  });
  // The parser works synchronously on a whole buffer: every event above has fired when end() returns.
  parser.end(tarBytes);
  if (failure) throw failure;
  if (entries === 0) throw new PolyradError('PACKAGE_CORRUPT', 'the archive is empty', source);

  const manifestBytes = files.get('manifest.json');
  if (!manifestBytes) throw new PolyradError('PACKAGE_FILE_MISSING', `${PACKAGE_ROOT}manifest.json is missing`, source);
  let data: unknown;
  try {
    data = JSON.parse(manifestBytes.toString('utf8'));
  } catch (error) {
    throw new PolyradError('MANIFEST_INVALID', `manifest is not valid JSON: ${(error as Error).message}`, source);
  }
  const manifest = validateManifest(data, source, RUNNING_ENGINES);
  checkPackageVersion(manifest, files.get('package.json'), source);
  checkPackageFiles(manifest, (path) => files.get(path), source);
  return { manifest, files };
}
